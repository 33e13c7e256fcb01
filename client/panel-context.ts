// What SuperOffice told the panel through its URL (the manifest's template with the tags filled in).
// These values are unsigned: anyone can type them. They say which tenant and user to sign in as, and
// the sign-in (OpenID Connect, with the panels issue) must confirm them before anything is shown.
export type PanelKind = 'admin' | 'user' | 'appointment';

export interface PanelContext {
  /** null when the path names no known panel. */
  kind: PanelKind | null;
  /** Last path segment, for the "unknown panel" message. */
  path: string;
  /** <uctx>: the tenant's context identifier, e.g. Cust12345. */
  contextIdentifier: string | null;
  /** <usid>: the signed-in user's associate id. */
  associateId: string | null;
  /** <baid>: the appointment the dialog is open on (appointment panel only). */
  appointmentId: string | null;
  /** <lani>: the user's language. */
  language: string | null;
}

const KINDS: readonly PanelKind[] = ['admin', 'user', 'appointment'];

export function readPanelContext(location: Pick<Location, 'pathname' | 'search'>): PanelContext {
  const q = new URLSearchParams(location.search);
  const value = (name: string) => {
    const v = q.get(name);
    return v === null || v.trim() === '' ? null : v;
  };
  const path = location.pathname.split('/').filter(Boolean).pop() ?? '';
  return {
    kind: (KINDS as readonly string[]).includes(path) ? (path as PanelKind) : null,
    path,
    contextIdentifier: value('ctx'),
    associateId: value('assoc'),
    appointmentId: value('appointment'),
    language: value('lang'),
  };
}
