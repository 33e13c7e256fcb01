import { PanelPage } from '../components/panel-page.tsx';
import type { PanelContext } from '../panel-context.ts';

export function UserPanel({ context }: { context: PanelContext }) {
  return (
    <PanelPage context={context} title="Your calendar link" purpose="How your SuperOffice diary is kept in step with your calendar.">
      <ul class="plan">
        <li>The mailbox your diary is linked to.</li>
        <li>When it last synced and when it syncs next, with any error in plain words.</li>
        <li>Sync now, and reconnect when your calendar asks you to sign in again.</li>
      </ul>
    </PanelPage>
  );
}
