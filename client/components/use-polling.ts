// Live status: GET a panel route now, then every few seconds while the page is visible, and at
// once when it becomes visible again. A request never overlaps the previous one.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';

const POLL_MS = 5000;

export interface Polled<T> {
  data: T | null;
  /** The last request's error; the previous data stays shown. */
  error: unknown;
  loading: boolean;
  refresh: () => Promise<void>;
}

export interface PollOptions {
  intervalMs?: number;
  /** Keep showing the previous answer while a changed path (a new filter) loads. */
  keepPrevious?: boolean;
}

/** `path` relative to /api/panel; null waits (nothing is requested). */
export function usePolling<T>(path: string | null, { intervalMs = POLL_MS, keepPrevious = false }: PollOptions = {}): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const current = useRef(path);
  const inFlight = useRef<Promise<void> | null>(null);
  current.current = path;

  const load = useCallback((): Promise<void> => {
    const asked = current.current;
    if (asked === null) return Promise.resolve();
    if (inFlight.current) return inFlight.current;
    const p = api<T>('GET', asked)
      .then(
        (value) => {
          if (current.current !== asked) return;
          setData(value);
          setError(null);
        },
        (err: unknown) => {
          if (current.current === asked) setError(err);
        },
      )
      .finally(() => {
        inFlight.current = null;
        if (current.current === asked) setLoading(false);
      });
    inFlight.current = p;
    return p;
  }, []);

  useEffect(() => {
    if (!keepPrevious) setData(null);
    setError(null);
    if (path === null) {
      setLoading(false);
      return undefined;
    }
    setLoading(true);
    inFlight.current = null;
    void load();
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined) timer = setInterval(() => void load(), intervalMs);
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') {
        void load();
        start();
      } else {
        stop();
      }
    };
    if (document.visibilityState === 'visible') start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [path, intervalMs, keepPrevious, load]);

  return { data, error, loading, refresh: load };
}
