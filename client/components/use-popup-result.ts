// The outcome a consent popup posts to the panel that opened it (server/http/popup-result.ts): a
// verified result's one-time code, which `claim` hands to the server with this panel's session,
// or the words of a refusal. Only messages from the app's own origin count.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useAction } from './use-action.ts';

type PopupMessage = { source: 'calendar-sync'; type: 'consent-verified'; code: string; message?: string } | { source: 'calendar-sync'; type: 'consent-failed'; message?: string };

function isPopupMessage(v: unknown): v is PopupMessage {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return m.source === 'calendar-sync' && ((m.type === 'consent-verified' && typeof m.code === 'string') || m.type === 'consent-failed');
}

export function usePopupResult(claim: ((code: string) => Promise<string>) | undefined) {
  const claimer = useAction(async (code: string) => claim?.(code));
  const [refused, setRefused] = useState<string | null>(null);
  const run = useRef(claimer.run);
  run.current = claimer.run;
  useEffect(() => {
    if (!claim) return undefined;
    const onMessage = (e: MessageEvent) => {
      if (e.origin !== window.location.origin || !isPopupMessage(e.data)) return;
      if (e.data.type === 'consent-verified') {
        setRefused(null);
        void run.current(e.data.code);
      } else {
        setRefused(e.data.message ?? 'Microsoft did not complete the consent. Try again.');
      }
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [claim !== undefined]);
  return { busy: claimer.busy, error: refused ?? claimer.error, success: claimer.success, clear: () => (setRefused(null), claimer.reset()) };
}
