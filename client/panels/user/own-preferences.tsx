// The user's own preferences, when the administrator allows it. The profile's values are the
// defaults; only what the user changes is stored as theirs. The form starts from the first answer
// and is not replaced by polling while it is being edited.
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { OwnChoicesForm } from '../../components/settings/own-choices-form.tsx';
import { changedValues, mergeOverrides } from '../../components/settings/settings-types.ts';
import { useAction } from '../../components/use-action.ts';
import type { MySettings } from '../panel-api-types.ts';

export function OwnPreferences({ settings, refresh }: { settings: MySettings; refresh: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [start, setStart] = useState(settings);
  const [draft, setDraft] = useState(settings.effective);
  const save = useAction(async () => {
    const overrides = mergeOverrides(start.overrides, changedValues(start.effective, draft));
    await api('PATCH', '/me/settings', { overrides });
    setStart({ ...start, effective: draft, overrides });
    await refresh();
    return 'Saved. Your next sync uses them.';
  });
  const form = (
    <OwnChoicesForm
      scope="self"
      value={draft}
      defaults={settings.defaults}
      onChange={setDraft}
      save={save}
      saveLabel="Save my preferences"
      resetLabel="Use the defaults"
      resetBusyText="Resetting…"
      reset={async () => {
        await api('PATCH', '/me/settings', { overrides: null });
        setStart({ ...start, effective: settings.defaults, overrides: null });
        setDraft(settings.defaults);
        await refresh();
        return 'Your preferences follow your administrator’s again.';
      }}
    />
  );
  return (
    <section class="card" aria-labelledby="own-prefs-heading">
      <h2 id="own-prefs-heading">Your preferences</h2>
      <p class="field-hint">“Default” is what your administrator set for everyone. Changes apply to items synced from now on.</p>
      <button type="button" class="btn btn-secondary" aria-expanded={open} aria-controls="own-prefs-form" onClick={() => setOpen(!open)}>
        {open ? 'Hide my preferences' : 'Change my preferences'}
      </button>
      <div id="own-prefs-form" hidden={!open}>
        {form}
      </div>
    </section>
  );
}
