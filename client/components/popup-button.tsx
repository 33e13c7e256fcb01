// A button that opens a page in a popup whose address the server gives (consent, connect): the
// popup opens during the click, then goes to the address; when the browser blocks it, a link is
// offered instead. `onClosed` runs when the popup is closed (to refresh what it changed).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ActionStatus } from './action-status.tsx';
import { openPendingPopup } from './popup.ts';
import { useAction } from './use-action.ts';

export interface PopupButtonProps {
  children: ComponentChildren;
  /** Asks the server for the page's address. */
  url: () => Promise<string>;
  /** The window's name, so a second press reuses it. */
  name: string;
  opened: string;
  onClosed?: () => void;
  kind?: 'primary' | 'secondary';
}

export function PopupButton({ children, url, name, opened, onClosed, kind = 'primary' }: PopupButtonProps) {
  const [fallback, setFallback] = useState<string | null>(null);
  const action = useAction(async () => {
    setFallback(null);
    const popup = openPendingPopup(name, onClosed);
    try {
      const address = await url();
      if (popup.navigate(address)) return opened;
      setFallback(address);
      return 'The browser blocked the popup; use the link below.';
    } catch (err) {
      popup.close();
      throw err;
    }
  });
  return (
    <span class="action">
      <button type="button" class={`btn btn-${kind}`} disabled={action.busy} aria-busy={action.busy || undefined} onClick={() => void action.run()}>
        {children}
      </button>
      <ActionStatus error={action.error} success={action.success} busy={action.busy} busyText="Opening…" />
      {fallback ? (
        <a class="popup-fallback" href={fallback} target="_blank" rel="noopener">
          Open the page in a new window
        </a>
      ) : null}
    </span>
  );
}
