// One user's own preferences, set by an administrator: the profile's values are the defaults here,
// and only what is changed is stored for the user. The direction is the link's own (it always wins).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { errorText } from '../../components/error-text.ts';
import { OwnChoicesForm } from '../../components/settings/own-choices-form.tsx';
import { changedValues, completeSettings, mergeOverrides, type EffectiveSettings } from '../../components/settings/settings-types.ts';
import { useAction } from '../../components/use-action.ts';
import type { ProfileDetail, StatusRow } from '../panel-api-types.ts';

function effectiveOf(base: EffectiveSettings, row: StatusRow): EffectiveSettings {
  const own = completeSettings(base, row.overrides ?? null);
  return row.direction ? { ...own, direction: row.direction } : own;
}

export interface LinkOverridesProps {
  row: StatusRow;
  onClose: () => void;
  onSaved: () => void;
}

export function LinkOverrides({ row, onClose, onSaved }: LinkOverridesProps) {
  const [base, setBase] = useState<EffectiveSettings | null>(null);
  const [current, setCurrent] = useState(row);
  const [draft, setDraft] = useState<EffectiveSettings | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  useEffect(() => {
    let live = true;
    api<ProfileDetail>('GET', `/admin/profiles/${encodeURIComponent(row.profileId)}`).then(
      (d) => {
        if (!live) return;
        const b = completeSettings(d.defaults, d.settings);
        setBase(b);
        setDraft(effectiveOf(b, row));
      },
      (err: unknown) => live && setLoadError(errorText(err)),
    );
    return () => {
      live = false;
    };
    // Loaded once per opened row: the row's polling must not reset a form being edited.
  }, [row.profileId]);

  const path = `/admin/links/${encodeURIComponent(row.linkId)}`;
  const adopt = (saved: StatusRow) => {
    setCurrent(saved);
    if (base) setDraft(effectiveOf(base, saved));
    onSaved();
  };
  const save = useAction(async () => {
    if (!base || !draft) return '';
    const { direction, ...changed } = changedValues(effectiveOf(base, current), draft);
    const body: Record<string, unknown> = {};
    if (direction) body.direction = direction;
    if (Object.keys(changed).length > 0) body.overrides = mergeOverrides(current.overrides, changed);
    if (Object.keys(body).length === 0) return 'Nothing changed.';
    adopt(await api<StatusRow>('PATCH', path, body));
    return `Saved for ${row.userName}; a sync is queued.`;
  });

  return (
    <section class="card overrides" aria-labelledby={`overrides-${row.linkId}`}>
      <div class="section-head">
        <h3 id={`overrides-${row.linkId}`} ref={heading} tabIndex={-1}>
          Preferences of {row.userName}
        </h3>
        <button type="button" class="btn btn-secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <p class="field-hint">“Default” here is the value of the profile {row.profileName}. Only what you change is kept for this user.</p>
      {loadError ? <p class="error-text" role="alert">Could not load the profile: {loadError}</p> : null}
      {base && draft ? (
        <OwnChoicesForm
          scope="link"
          value={draft}
          defaults={base}
          onChange={setDraft}
          save={save}
          saveLabel="Save for this user"
          resetLabel="Clear this user’s own choices"
          resetBusyText="Clearing…"
          reset={async () => {
            adopt(await api<StatusRow>('PATCH', path, { overrides: null }));
            return 'This user now follows the profile (except the direction, which is the link’s own).';
          }}
        />
      ) : loadError ? null : (
        <p class="muted" role="status">
          Loading…
        </p>
      )}
    </section>
  );
}
