// What a panel shows before its first answer arrives, or when the first request failed.
import { errorText } from './error-text.ts';

export function LoadState({ loading, error, what }: { loading: boolean; error: unknown; what: string }) {
  if (loading) {
    return (
      <p class="muted" role="status">
        Loading {what}…
      </p>
    );
  }
  if (error) {
    return (
      <p class="error-text" role="alert">
        Could not load {what}: {errorText(error)}
      </p>
    );
  }
  return null;
}

/** A refresh that failed while older data stays shown. */
export function StaleNotice({ error }: { error: unknown }) {
  return (
    <p class="stale-notice" role="status" aria-live="polite">
      {error ? `Not up to date: ${errorText(error)}` : ''}
    </p>
  );
}
