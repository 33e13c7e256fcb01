// Scope strings as clients send them: short Graph names (`Calendars.ReadWrite`), resource-qualified
// ones (`https://graph.microsoft.com/Calendars.ReadWrite`), `.default`, and the OIDC scopes msal adds
// to every request (`openid profile offline_access`).
import { DELEGATED_SCOPES, OIDC_SCOPES } from '../directory.ts';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

export interface ParsedScopes {
  /** Graph permissions by their canonical names (offline_access excluded). */
  graph: string[];
  oidc: string[];
  offline: boolean;
  /** `https://graph.microsoft.com/.default` (or bare `.default`): every permission granted. */
  isDefault: boolean;
  invalid: string[];
}

export function parseScopes(raw: string): ParsedScopes {
  const out: ParsedScopes = { graph: [], oidc: [], offline: false, isDefault: false, invalid: [] };
  for (const word of raw.split(/\s+/).filter(Boolean)) {
    const short = word.toLowerCase().startsWith(`${GRAPH_RESOURCE}/`) ? word.slice(GRAPH_RESOURCE.length + 1) : word;
    const lower = short.toLowerCase();
    if (lower === '.default') out.isDefault = true;
    else if (lower === 'offline_access') out.offline = true;
    else if ((OIDC_SCOPES as readonly string[]).includes(lower)) out.oidc.push(lower);
    else {
      const known = DELEGATED_SCOPES.find((s) => s.toLowerCase() === lower);
      if (known) {
        if (!out.graph.includes(known)) out.graph.push(known);
      } else out.invalid.push(word);
    }
  }
  return out;
}
