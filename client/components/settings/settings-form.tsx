// Every sync setting as one form. The profile edits all of them; a user (or an administrator for
// one user) edits the per-user ones. Issues the server names but no control shows are listed above.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { DirectionFields } from './direction-fields.tsx';
import { FieldDirectionFields } from './field-direction-fields.tsx';
import { ItemFields } from './item-fields.tsx';
import { SafetyFields } from './safety-fields.tsx';
import type { SectionProps } from './settings-section.ts';
import { TextContentFields } from './text-content-fields.tsx';
import { UserPolicyFields } from './user-policy-fields.tsx';

/** 'profile': everything; 'link': one user's overrides set by an administrator; 'self': a user's own. */
export type SettingsScope = 'profile' | 'link' | 'self';

const SHOWN: Record<SettingsScope, readonly string[]> = {
  profile: ['direction', 'conflict', 'invitationPolicy', 'reminders', 'filters', 'window', 'defaultType', 'subjectTemplate', 'participantsInDescription', 'linkPersonByEmailInText', 'fieldDirections', 'massDeletion', 'usersMayEdit', 'profileOverridesUsers'],
  link: ['direction', 'conflict', 'invitationPolicy', 'reminders', 'filters', 'window', 'defaultType', 'subjectTemplate', 'participantsInDescription', 'linkPersonByEmailInText', 'fieldDirections', 'massDeletion'],
  self: ['direction', 'conflict', 'invitationPolicy', 'reminders', 'filters', 'window', 'defaultType', 'subjectTemplate', 'participantsInDescription', 'linkPersonByEmailInText', 'fieldDirections'],
};

export interface SettingsFormProps extends SectionProps {
  scope: SettingsScope;
  onSubmit: () => void;
  /** The save button and its status line. */
  actions: ComponentChildren;
  /** The form's own error (shown above the first control). */
  error?: string | null;
}

export function SettingsForm({ scope, onSubmit, actions, error, ...section }: SettingsFormProps) {
  const shown = SHOWN[scope];
  const stray = Object.entries(section.issues).filter(([path]) => !shown.includes(path.split(/[.[]/)[0] ?? ''));
  const form = useRef<HTMLFormElement>(null);
  // After a refused save, focus goes to the first control the server named (its issue is read out
  // through aria-describedby); per-field directions are folded, so their <details> opens first.
  useEffect(() => {
    if (Object.keys(section.issues).length === 0) return;
    const first = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.closest('details')?.setAttribute('open', '');
    first?.focus();
  }, [section.issues]);
  return (
    <form
      ref={form}
      class="settings-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {error ? (
        <div class="error-text" role="alert">
          <p>{error}</p>
          {stray.length > 0 ? (
            <ul>
              {stray.map(([path, message]) => (
                <li key={path}>
                  {path || 'Settings'}: {message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <DirectionFields {...section} />
      <ItemFields {...section} />
      <TextContentFields {...section} />
      <FieldDirectionFields {...section} />
      {scope !== 'self' ? <SafetyFields {...section} /> : null}
      {scope === 'profile' ? <UserPolicyFields {...section} /> : null}
      <div class="form-actions">{actions}</div>
    </form>
  );
}
