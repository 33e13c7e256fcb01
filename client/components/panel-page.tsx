// The frame every panel shares: the product's name, who is signed in to which company, the panel's
// title and purpose, and the panel.
import type { ComponentChildren } from 'preact';
import type { PanelKind } from '../panel-context.ts';

export const PRODUCT_NAME = 'Calendar Sync for SuperOffice';

export interface PanelPageProps {
  kind: PanelKind | null;
  /** Which panel this is, e.g. "Administration". */
  title: string;
  /** One sentence: what the panel is for. */
  purpose?: string;
  /** The signed-in tenant, once known. */
  tenantName?: string | null;
  /** The signed-in user's name (GET /session's userName), greeted in the header. */
  userName?: string | null;
  /** Wider pages (the administrator's) may use the room they get. */
  wide?: boolean;
  children?: ComponentChildren;
}

export function PanelPage({ kind, title, purpose, tenantName, userName, wide = false, children }: PanelPageProps) {
  return (
    <div class="page" data-panel={kind ?? 'unknown'}>
      <header class="page-header">
        <span class="product-mark" aria-hidden="true">
          <svg viewBox="0 0 24 24">
            <path d="M19 8a7.5 7.5 0 0 0-13.4-1.6M5 4v3h3M5 16a7.5 7.5 0 0 0 13.4 1.6M19 20v-3h-3" />
          </svg>
        </span>
        <span class="product-name">{PRODUCT_NAME}</span>
        {tenantName || userName ? (
          <span class="signed-in">
            {userName ? <span class="user-name">Signed in as {userName}</span> : null}
            {tenantName && userName ? ' · ' : null}
            {tenantName ? <span class="tenant-name">{tenantName}</span> : null}
          </span>
        ) : null}
      </header>

      <main class={wide ? 'page-body page-body-wide' : 'page-body'}>
        <h1 class="panel-title">{title}</h1>
        {purpose ? <p class="panel-purpose">{purpose}</p> : null}
        {children}
      </main>
    </div>
  );
}
