import { PanelPage } from '../components/panel-page.tsx';
import type { PanelContext } from '../panel-context.ts';

export function AdminPanel({ context }: { context: PanelContext }) {
  return (
    <PanelPage
      context={context}
      title="Administration"
      purpose="Where SuperOffice administrators set up calendar sync for the whole company."
    >
      <ul class="plan">
        <li>Sync profiles for Microsoft 365, Exchange and Google, with their consent or credentials.</li>
        <li>Which SuperOffice users are linked to which mailbox.</li>
        <li>The state of every linked user: last and next sync, errors, and what needs attention.</li>
      </ul>
    </PanelPage>
  );
}
