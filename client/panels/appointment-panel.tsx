import { PanelPage } from '../components/panel-page.tsx';
import type { PanelContext } from '../panel-context.ts';

export function AppointmentPanel({ context }: { context: PanelContext }) {
  return (
    <PanelPage
      context={context}
      title="Appointment sync passport"
      purpose="How this appointment is synced with your calendar."
      withAppointment
    >
      <ul class="plan">
        <li>The calendar item this appointment is linked to.</li>
        <li>When it was last synced, in which direction, and the last error if there was one.</li>
        <li>Re-sync now.</li>
      </ul>
    </PanelPage>
  );
}
