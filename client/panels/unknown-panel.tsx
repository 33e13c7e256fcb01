import { PanelPage } from '../components/panel-page.tsx';
import type { PanelContext } from '../panel-context.ts';

/** A URL that names no panel: say so, rather than guessing which one was meant. */
export function UnknownPanel({ context }: { context: PanelContext }) {
  return (
    <PanelPage
      kind={null}
      title="Unknown panel"
      purpose={`There is no panel called “${context.path}”. The panels are admin, user and appointment; check the web panel's URL in SuperOffice.`}
    />
  );
}
