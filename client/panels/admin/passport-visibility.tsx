// Whether users may see the passport of other users' public appointments (GET/PUT admin/passport,
// docs/panel-api.md). Private and group-restricted appointments stay their owner's whatever this says.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ActionStatus } from '../../components/action-status.tsx';
import { CheckboxField } from '../../components/checkbox-field.tsx';
import { useAction } from '../../components/use-action.ts';

export function PassportVisibility() {
  const [showsOthers, setShowsOthers] = useState<boolean | null>(null);
  useEffect(() => {
    void api<{ showsOthers: boolean }>('GET', '/admin/passport').then((r) => setShowsOthers(r.showsOthers), () => setShowsOthers(null));
  }, []);
  // The box follows the click at once; a refused save puts it back.
  const save = useAction(async (next: boolean) => {
    setShowsOthers(next);
    try {
      const r = await api<{ showsOthers: boolean }>('PUT', '/admin/passport', { showsOthers: next });
      setShowsOthers(r.showsOthers);
    } catch (err) {
      setShowsOthers(!next);
      throw err;
    }
    return 'Saved.';
  });
  if (showsOthers === null) return null;
  return (
    <div class="passport-visibility">
      <CheckboxField
        label="Users see the Calendar Sync tab of other users' public appointments"
        checked={showsOthers}
        onChange={(next) => void save.run(next)}
        hint="Private and group-restricted appointments are only ever shown to their owner."
        defaultText="Default: off"
      />
      <ActionStatus error={save.error} success={save.success} busy={save.busy} busyText="Saving…" />
    </div>
  );
}
