// Picks the panel SuperOffice framed (by path) and puts it behind the sign-in: every panel needs a
// session, and the administrator's panel an administrator.
import type { PanelContext } from './panel-context.ts';
import { AdminPanel } from './panels/admin-panel.tsx';
import { AppointmentPanel } from './panels/appointment-panel.tsx';
import { UnknownPanel } from './panels/unknown-panel.tsx';
import { UserPanel } from './panels/user-panel.tsx';
import { SessionGate } from './session.tsx';

export function App({ context }: { context: PanelContext }) {
  switch (context.kind) {
    case 'admin':
      return (
        <SessionGate context={context} requireAdmin>
          <AdminPanel />
        </SessionGate>
      );
    case 'user':
      return (
        <SessionGate context={context}>
          <UserPanel />
        </SessionGate>
      );
    case 'appointment':
      return (
        <SessionGate context={context}>
          <AppointmentPanel context={context} />
        </SessionGate>
      );
    default:
      return <UnknownPanel context={context} />;
  }
}
