// A link's state in words (the server's when it sends them), with a colour that only repeats
// what the words say.
import type { LinkState } from '../panels/panel-api-types.ts';

const TONE: Record<LinkState, 'ok' | 'wait' | 'warn' | 'bad' | 'off'> = {
  active: 'ok',
  pending: 'wait',
  needs_confirmation: 'warn',
  needs_reconnect: 'warn',
  paused: 'off',
  error: 'bad',
  unlinked: 'off',
};

/** For answers that carry only the state (the match preview, the filter). */
export const STATE_WORDS: Record<LinkState, string> = {
  active: 'Synced',
  pending: 'Starting',
  needs_confirmation: 'Waiting for confirmation of deletions',
  needs_reconnect: 'Needs to reconnect',
  paused: 'Paused',
  error: 'Error',
  unlinked: 'Unlinked',
};

export function StateBadge({ state, text }: { state: LinkState; text?: string | null }) {
  return <span class={`state state-${TONE[state] ?? 'off'}`}>{text || STATE_WORDS[state] || state}</span>;
}
