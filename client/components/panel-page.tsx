// The frame every panel shares: product name, which panel this is, what SuperOffice opened it with,
// and, while the panels are placeholders, a plain statement of what is not there yet.
import type { ComponentChildren } from 'preact';
import type { PanelContext } from '../panel-context.ts';

export const PRODUCT_NAME = 'Calendar Sync for SuperOffice';

interface Field {
  key: string;
  label: string;
  value: string | null;
  /** SuperOffice always fills it in; missing means the panel was not opened by SuperOffice. */
  required: boolean;
}

function contextFields(context: PanelContext, withAppointment: boolean): Field[] {
  const fields: Field[] = [
    { key: 'contextIdentifier', label: 'Context identifier', value: context.contextIdentifier, required: true },
    { key: 'associateId', label: 'Associate id', value: context.associateId, required: true },
  ];
  if (withAppointment) {
    fields.push({ key: 'appointmentId', label: 'Appointment id', value: context.appointmentId, required: true });
  }
  fields.push({ key: 'language', label: 'Language', value: context.language, required: false });
  return fields;
}

export interface PanelPageProps {
  context: PanelContext;
  /** Which panel this is, e.g. "Administration". */
  title: string;
  /** One sentence: what the panel is for. */
  purpose: string;
  /** Show the appointment id row (the appointment dialog's panel). */
  withAppointment?: boolean;
  /** What the finished panel will hold. */
  children?: ComponentChildren;
}

export function PanelPage({ context, title, purpose, withAppointment = false, children }: PanelPageProps) {
  const fields = contextFields(context, withAppointment);
  const missing = fields.filter((f) => f.required && f.value === null);
  return (
    <div class="page" data-panel={context.kind ?? 'unknown'}>
      <header class="page-header">
        <span class="product-mark" aria-hidden="true">
          <svg viewBox="0 0 24 24">
            <path d="M19 8a7.5 7.5 0 0 0-13.4-1.6M5 4v3h3M5 16a7.5 7.5 0 0 0 13.4 1.6M19 20v-3h-3" />
          </svg>
        </span>
        <span class="product-name">{PRODUCT_NAME}</span>
      </header>

      <main class="page-body">
        <h1 class="panel-title">{title}</h1>
        <p class="panel-purpose">{purpose}</p>

        <aside class="notice" role="note">
          <strong>Sign-in and settings arrive with the panels issue.</strong> Until then this panel is a placeholder: it
          shows what SuperOffice opened it with and does nothing else.
        </aside>

        <section class="card" aria-labelledby="opened-with">
          <h2 id="opened-with">Opened with</h2>
          <dl class="fields">
            {fields.map((f) => (
              <div class="field" key={f.key}>
                <dt>{f.label}</dt>
                <dd data-field={f.key} class={f.value === null ? 'missing' : undefined}>
                  {f.value ?? 'not given'}
                </dd>
              </div>
            ))}
          </dl>
          {missing.length > 0 ? (
            <p class="hint hint-warn">
              SuperOffice always fills in {missing.map((f) => f.label.toLowerCase()).join(' and ')}. Open this panel
              from SuperOffice or from the sandbox shell.
            </p>
          ) : (
            <p class="hint">
              These values come from the panel's URL. They are not signed, so the panel will confirm them by signing
              you in before it shows any data.
            </p>
          )}
        </section>

        {children ? (
          <section class="card" aria-labelledby="coming">
            <h2 id="coming">What this panel will hold</h2>
            {children}
          </section>
        ) : null}
      </main>
    </div>
  );
}
