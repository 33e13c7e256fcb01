// A button that opens a page in a popup whose address the server gives (consent, connect): the
// popup opens during the click, then goes to the address; when the browser blocks it, a link is
// offered instead (opening with an opener, so the popup can still tell this panel its outcome).
// `claim` receives the one-time code a consent popup posts back and finishes it with this panel's
// session; `onClosed` runs when the popup is closed (to refresh what it changed).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ActionStatus } from './action-status.tsx';
import { openPendingPopup } from './popup.ts';
import { usePopupResult } from './use-popup-result.ts';
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
  /** Finishes a verified consent with this panel's session; resolves to the sentence to show. */
  claim?: (code: string) => Promise<string>;
}

export function PopupButton({ children, url, name, opened, onClosed, kind = 'primary', claim }: PopupButtonProps) {
  const [fallback, setFallback] = useState<string | null>(null);
  const result = usePopupResult(claim);
  const action = useAction(async () => {
    setFallback(null);
    result.clear();
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
      {result.busy || result.error || result.success ? (
        <ActionStatus error={result.error} success={result.success} busy={result.busy} busyText="Finishing…" />
      ) : (
        <ActionStatus error={action.error} success={action.success} busy={action.busy} busyText="Opening…" />
      )}
      {fallback ? (
        <a class="popup-fallback" href={fallback} target={name} rel="opener">
          Open the page in a new window
        </a>
      ) : null}
    </span>
  );
}
