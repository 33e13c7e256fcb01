// The live line beside a button: what the request achieved, or why it failed. The region is
// always in the page so screen readers announce each change.
export function ActionStatus({ error, success, busy, busyText }: { error: string | null; success: string | null; busy?: boolean; busyText?: string }) {
  const text = busy && busyText ? busyText : (error ?? success ?? '');
  const kind = busy ? 'busy' : error ? 'error' : success ? 'success' : 'idle';
  return (
    <span class={`action-status action-status-${kind}`} role="status" aria-live="polite">
      {text}
    </span>
  );
}
