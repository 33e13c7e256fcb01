// A profile's preferences: loaded once (not polled, so a half-edited form is never replaced),
// saved with PATCH; the server's 422 issues appear beside the controls they name.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ActionStatus } from '../../components/action-status.tsx';
import { errorText } from '../../components/error-text.ts';
import { SettingsForm } from '../../components/settings/settings-form.tsx';
import { changedValues, completeSettings, mergeOverrides, type EffectiveSettings, type UserOverrides } from '../../components/settings/settings-types.ts';
import { useAction } from '../../components/use-action.ts';
import type { ProfileDetail } from '../panel-api-types.ts';

export function ProfilePreferences({ profileId, onSaved }: { profileId: string; onSaved?: () => void }) {
  const path = `/admin/profiles/${encodeURIComponent(profileId)}`;
  const [detail, setDetail] = useState<ProfileDetail | null>(null);
  const [draft, setDraft] = useState<EffectiveSettings | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setDetail(null);
    setDraft(null);
    setLoadError(null);
    api<ProfileDetail>('GET', path).then(
      (d) => {
        if (!live) return;
        setDetail(d);
        setDraft(completeSettings(d.defaults, d.settings));
      },
      (err: unknown) => live && setLoadError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [path]);

  const save = useAction(async () => {
    if (!draft || !detail) return '';
    // Stored settings plus only what was changed here: the server compares them with what it
    // stored to decide which users' own choices "a profile change overwrites".
    const before = completeSettings(detail.defaults, detail.settings);
    const settings = mergeOverrides(detail.settings as UserOverrides | null, changedValues(before, draft));
    const saved = await api<ProfileDetail>('PATCH', path, { settings });
    setDetail(saved);
    setDraft(completeSettings(saved.defaults, saved.settings));
    onSaved?.();
    return 'Saved. The changes apply to items synced from now on.';
  });

  if (loadError) return <p class="error-text" role="alert">Could not load the preferences: {loadError}</p>;
  if (!detail || !draft) return <p class="muted" role="status">Loading the preferences…</p>;
  const issueCount = Object.keys(save.issues).length;
  return (
    <SettingsForm
      scope="profile"
      value={draft}
      defaults={detail.defaults}
      onChange={setDraft}
      issues={save.issues}
      disabled={save.busy}
      error={issueCount > 0 ? `Not saved: ${issueCount === 1 ? 'one setting needs' : `${issueCount} settings need`} attention.` : null}
      onSubmit={() => void save.run()}
      actions={
        <>
          <button type="submit" class="btn btn-primary" disabled={save.busy} aria-busy={save.busy || undefined}>
            Save preferences
          </button>
          <button type="button" class="btn btn-secondary" disabled={save.busy} onClick={() => setDraft(completeSettings(detail.defaults, detail.settings))}>
            Undo changes
          </button>
          <ActionStatus error={issueCount > 0 ? 'Not saved; see the settings marked.' : save.error} success={save.success} busy={save.busy} busyText="Saving…" />
        </>
      }
    />
  );
}
