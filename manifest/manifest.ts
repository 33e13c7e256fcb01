// The app manifest (app.json): the web panels and the webhook this app installs into a SuperOffice
// tenant. Provisioning and the sandbox shell both read it through here, so the certification rules
// (every panel URL carries <uctx> and <usid>, none carries <usec>) are checked in one place.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** SuperOffice's Navigation enum, for the places this app may put a panel (specs/superoffice.md 5.2). */
export const VISIBLE_IN = {
  NavigatorButton: 2,
  ContactCard: 5,
  ProjectCard: 7,
  SaleCard: 9,
  PersonCard: 10,
  ActivityDialog: 11,
  BrowserPanel: 13,
  DiaryMinicard: 21,
  AppointmentDialogTask: 24,
  Dashboard: 66,
} as const;
export type VisibleIn = keyof typeof VISIBLE_IN;

export type PanelKey = 'admin' | 'user' | 'appointment';

/** A SuperOffice URL tag: four characters between angle brackets, e.g. <uctx>, <adm?>, <ser#>. */
const TAG = /<([A-Za-z0-9?#]{4})>/g;
/** The NetServer secret: it would leak a credential into logs and Referer headers. */
const FORBIDDEN_TAG = 'usec';

const panelSchema = z.object({
  key: z.enum(['admin', 'user', 'appointment']),
  progId: z.string().regex(/^[A-Za-z][\w.]*$/, 'a stable ProgId such as CalendarSync.UserPanel'),
  name: z.string().min(1),
  tooltip: z.string(),
  description: z.string().min(1),
  visibleIn: z.enum(Object.keys(VISIBLE_IN) as [VisibleIn, ...VisibleIn[]]),
  urlEncoding: z.enum(['None', 'ANSI', 'Unicode']),
  /** Who the app lets in; SuperOffice shows every panel to all user groups (a certification rule). */
  audience: z.enum(['administrators', 'everyone']),
  /** Relative to the app's public URL, no leading slash, so an app served under a path works too. */
  url: z.string().regex(/^[^/:][^:]*$/, 'a URL relative to the public URL, without a leading slash or scheme'),
});

const manifestSchema = z.object({
  appName: z.string().min(1),
  webPanels: z.array(panelSchema).min(1),
  webhook: z.object({
    name: z.string().min(1),
    events: z.array(z.enum(['activity.created', 'activity.changed', 'activity.deleted'])).min(1),
    targetPath: z.string().regex(/^[^/:][^:]*$/, 'a path relative to the public URL, without a leading slash'),
  }),
});

export type WebPanelDefinition = z.infer<typeof panelSchema>;
export type WebhookDefinition = z.infer<typeof manifestSchema>['webhook'];
export interface AppManifest extends z.infer<typeof manifestSchema> {
  panel(key: PanelKey): WebPanelDefinition;
}

export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid app manifest:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

/** The tag names a URL template uses, in order of appearance. */
export function panelUrlTags(template: string): string[] {
  return [...template.matchAll(TAG)].map((m) => m[1]!);
}

/** Checks a parsed manifest against SuperOffice's rules for panels; returns what is wrong. */
function ruleProblems(m: z.infer<typeof manifestSchema>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const p of m.webPanels) {
    const tags = panelUrlTags(p.url);
    const at = `webPanels[${p.key}]`;
    if (seen.has(p.key)) problems.push(`${at}: the key appears twice`);
    seen.add(p.key);
    if (!tags.includes('uctx')) problems.push(`${at}.url: must carry <uctx> (the tenant)`);
    if (!tags.includes('usid')) problems.push(`${at}.url: must carry <usid> (the signed-in associate)`);
    if (p.url.toLowerCase().includes(`<${FORBIDDEN_TAG}>`)) problems.push(`${at}.url: must never carry <usec>`);
    if (p.visibleIn === 'ActivityDialog' && !tags.includes('baid')) {
      problems.push(`${at}.url: an appointment-dialog panel must carry <baid> (the appointment id)`);
    }
    if (!p.description.includes(m.appName)) problems.push(`${at}.description: must name the app ("${m.appName}")`);
  }
  for (const key of ['admin', 'user', 'appointment'] as const) {
    if (!seen.has(key)) problems.push(`webPanels: the ${key} panel is missing`);
  }
  if (new Set(m.webPanels.map((p) => p.progId)).size !== m.webPanels.length) problems.push('webPanels: ProgIds must be unique');
  return problems;
}

export function parseManifest(json: unknown): AppManifest {
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    throw new ManifestError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const problems = ruleProblems(result.data);
  if (problems.length) throw new ManifestError(problems);
  const data = result.data;
  return {
    ...data,
    panel(key) {
      // ruleProblems guarantees each key exists exactly once.
      return data.webPanels.find((p) => p.key === key)!;
    },
  };
}

export const MANIFEST_PATH = new URL('./app.json', import.meta.url);

/** Reads and checks manifest/app.json (or another file, for tests). Throws ManifestError. */
export function loadManifest(path: URL | string = MANIFEST_PATH): AppManifest {
  return parseManifest(JSON.parse(readFileSync(path, 'utf8')));
}

export type TagValues = Partial<Record<string, string | number | boolean | null | undefined>>;

/**
 * Builds a panel's absolute URL the way SuperOffice does: each <tag> replaced by its URL-encoded value,
 * tags without a value replaced by nothing. <usec> is refused outright rather than substituted.
 */
export function renderPanelUrl(template: string, publicUrl: string, tags: TagValues): string {
  const filled = template.replace(TAG, (_whole, name: string) => {
    if (name.toLowerCase() === FORBIDDEN_TAG) {
      throw new ManifestError([`panel URL ${template}: <usec> (the NetServer secret) must never be put in a URL`]);
    }
    const value = tags[name];
    return value === undefined || value === null ? '' : encodeURIComponent(String(value));
  });
  const url = `${publicUrl.replace(/\/+$/, '')}/${filled.replace(/^\/+/, '')}`;
  new URL(url); // throws on a malformed public URL instead of framing nonsense
  return url;
}
