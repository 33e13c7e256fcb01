// The guided setup of a profile: choose the system, name it and choose how it connects, grant
// consent and test the connection, then choose its defaults. The profile is created at the end of
// step 2, so steps 3 and 4 work on the saved profile.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CalendarSystemOption, ProfileSummary } from '../panel-api-types.ts';
import { ConnectionActions } from './connection-actions.tsx';
import { ProfilePreferences } from './profile-preferences.tsx';
import { WizardNameStep } from './wizard-name-step.tsx';
import { WizardSystemStep } from './wizard-system-step.tsx';

const STEPS = ['Calendar system', 'Name and connection', 'Consent and test', 'Defaults'] as const;

export interface ProfileWizardProps {
  systems: CalendarSystemOption[];
  profiles: ProfileSummary[];
  refresh: () => Promise<void>;
  onCancel: (() => void) | undefined;
  onDone: (profileId: string) => void;
}

export function ProfileWizard({ systems, profiles, refresh, onCancel, onDone }: ProfileWizardProps) {
  const [step, setStep] = useState(0);
  const [system, setSystem] = useState<CalendarSystemOption | null>(systems.find((s) => s.available) ?? null);
  const [createdId, setCreatedId] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // Each step's heading takes focus, so keyboard and screen-reader users start at the new step.
  useEffect(() => heading.current?.focus(), [step]);
  const created = profiles.find((p) => p.id === createdId) ?? null;

  return (
    <section class="wizard" aria-labelledby="wizard-heading">
      <div class="section-head">
        <h2 id="wizard-heading">Set up a profile</h2>
        {onCancel && createdId === null ? (
          <button type="button" class="btn btn-secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <ol class="wizard-steps">
        {STEPS.map((label, i) => (
          <li key={label} class={i === step ? 'on' : i < step ? 'done' : undefined} aria-current={i === step ? 'step' : undefined}>
            <span class="visually-hidden">{i < step ? 'Done: ' : i === step ? 'Current: ' : ''}</span>
            {label}
          </li>
        ))}
      </ol>
      <h3 ref={heading} tabIndex={-1} class="wizard-step-title">
        Step {step + 1} of {STEPS.length}: {STEPS[step]}
      </h3>

      {step === 0 ? <WizardSystemStep systems={systems} value={system} onChange={setSystem} onNext={() => setStep(1)} /> : null}

      {step === 1 && system ? (
        <WizardNameStep
          system={system}
          onBack={() => setStep(0)}
          onCreated={async (p) => {
            setCreatedId(p.id);
            await refresh();
            setStep(2);
          }}
        />
      ) : null}

      {step === 2 && created ? (
        <>
          {created.connection.mode === 'per_user' ? null : (
            <p>
              Sign in as an administrator of your Microsoft 365 organisation and grant consent once for every mailbox. When the popup says you are
              done, close it and test the connection.
            </p>
          )}
          <ConnectionActions profile={created} refresh={refresh} />
          <div class="button-row wizard-nav">
            <button type="button" class="btn btn-primary" onClick={() => setStep(3)}>
              Next: defaults
            </button>
            {created.connection.state !== 'connected' ? <span class="field-hint">You can grant consent later from the profile.</span> : null}
          </div>
        </>
      ) : null}
      {step === 2 && !created ? <p class="muted">Loading the new profile…</p> : null}

      {step === 3 && createdId ? (
        <>
          <p>These apply to every user of the profile. Each shows its default; change what your company needs and save.</p>
          <ProfilePreferences profileId={createdId} />
          <div class="button-row wizard-nav">
            <button type="button" class="btn btn-primary" onClick={() => onDone(createdId)}>
              Finish: link users
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}
