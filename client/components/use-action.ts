// One request started by a person: busy while it runs (its button is disabled), then either a
// success sentence or the error in words (with 422 issues by field) for the status beside it.
import { useCallback, useRef, useState } from 'preact/hooks';
import { errorText, issuesByPath } from './error-text.ts';

export interface Action<A extends unknown[]> {
  run: (...args: A) => Promise<void>;
  busy: boolean;
  error: string | null;
  issues: Record<string, string>;
  success: string | null;
  reset: () => void;
}

/** `fn` resolves to the sentence shown on success (empty: nothing shown). */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<string | void>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [success, setSuccess] = useState<string | null>(null);
  const running = useRef(false);
  const latest = useRef(fn);
  latest.current = fn;

  const run = useCallback(async (...args: A) => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setError(null);
    setIssues({});
    setSuccess(null);
    try {
      // Called synchronously from the click, so a popup opened before the first await is allowed.
      const message = await latest.current(...args);
      setSuccess(message || null);
    } catch (err) {
      setError(errorText(err));
      setIssues(issuesByPath(err));
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);

  const reset = useCallback(() => {
    setError(null);
    setIssues({});
    setSuccess(null);
  }, []);

  return { run, busy, error, issues, success, reset };
}
