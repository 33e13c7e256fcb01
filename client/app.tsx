import type { PanelContext } from './panel-context.ts';
import { AdminPanel } from './panels/admin-panel.tsx';
import { AppointmentPanel } from './panels/appointment-panel.tsx';
import { UnknownPanel } from './panels/unknown-panel.tsx';
import { UserPanel } from './panels/user-panel.tsx';

export function App({ context }: { context: PanelContext }) {
  switch (context.kind) {
    case 'admin':
      return <AdminPanel context={context} />;
    case 'user':
      return <UserPanel context={context} />;
    case 'appointment':
      return <AppointmentPanel context={context} />;
    default:
      return <UnknownPanel context={context} />;
  }
}
