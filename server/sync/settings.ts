// A profile's sync settings (profiles.settings) and a user's overrides of them (links.settings),
// read and checked in one place, so the engine only ever sees a complete, valid EffectiveSettings.
// Names and defaults follow the market leader's preferences (product-anchors 1.3/1.4) where it has one.
import { z } from 'zod';
import { SyncError } from './errors.ts';
import { SYNCED_FIELDS } from './hash.ts';
import type { ConflictPolicy, Direction } from './plan-types.ts';

/** Keys of a record as a tuple for z.enum; the `satisfies` at each call keeps the list in step with the type. */
function literals<T extends string>(all: Record<T, true>): [T, ...T[]] {
  return Object.keys(all) as [T, ...T[]];
}

const direction = z.enum(literals({ two_way: true, to_calendar: true, to_superoffice: true, off: true } satisfies Record<Direction, true>));
const conflict = z.enum(literals({ superoffice_wins: true, calendar_wins: true, newest_wins: true } satisfies Record<ConflictPolicy, true>));

/**
 * Per field, which way it may travel: 'to_calendar' only SuperOffice -> calendar, 'to_superoffice'
 * only calendar -> SuperOffice, 'off' never (each side keeps its own value). A missing field is 'two_way'.
 */
const fieldDirections = z.partialRecord(z.enum(SYNCED_FIELDS), direction);

const SUBJECT_PLACEHOLDERS = ['title', 'type', 'company', 'person'] as const;
export type SubjectPlaceholder = (typeof SUBJECT_PLACEHOLDERS)[number];
export type SubjectToken = { text: string } | { placeholder: SubjectPlaceholder };

const PLACEHOLDER = /\{([^{}]*)\}/g;
const isPlaceholder = (name: string): name is SubjectPlaceholder => (SUBJECT_PLACEHOLDERS as readonly string[]).includes(name);

/** The template split into literal text and placeholders; braces that form no known placeholder stay text. */
export function subjectTokens(template: string): SubjectToken[] {
  const tokens: SubjectToken[] = [];
  let at = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (!isPlaceholder(name)) continue;
    if (m.index > at) tokens.push({ text: template.slice(at, m.index) });
    tokens.push({ placeholder: name });
    at = m.index + m[0].length;
  }
  if (at < template.length) tokens.push({ text: template.slice(at) });
  return tokens;
}

const subjectTemplate = z.string().superRefine((template, ctx) => {
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
  for (const name of names.filter((n) => !isPlaceholder(n))) {
    ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}}; use ${SUBJECT_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
  }
  // Without the title the calendar subject could not be turned back into the SuperOffice one.
  if (!names.includes('title')) ctx.addIssue({ code: 'custom', message: 'must contain {title}' });
});

const typeName = z.string().trim().min(1);
const windowShape = { daysBack: z.int().min(0).max(3650), daysAhead: z.int().min(1).max(3650) };
const filtersShape = {
  /** null = every type. */
  appointmentTypes: z.array(typeName).nullable(),
  allDay: z.boolean(),
  free: z.boolean(),
  private: z.boolean(),
  recurring: z.boolean(),
};
const remindersShape = { toCalendar: z.boolean(), toSuperOffice: z.boolean() };
const massDeletionShape = { minItems: z.int().min(0), minFraction: z.number().min(0).max(1) };
const invitationPolicy = z.enum(['never', 'organizer_copy']);

// Objects are strict: a misspelt key would otherwise fall back to its default without a word.
// A group given in part (`window: { daysBack: 7 }`) is completed field by field from the layer below.
export const profileSettingsSchema = z.strictObject({
  /** A user's direction when the link row does not say otherwise. */
  direction: direction.default('two_way'),
  conflict: conflict.default('newest_wins'),
  fieldDirections: fieldDirections.default(() => ({})),
  window: z.strictObject({ daysBack: windowShape.daysBack.default(30), daysAhead: windowShape.daysAhead.default(180) }).prefault({}),
  /** Each flag says "sync items of this kind". */
  filters: z
    .strictObject({
      appointmentTypes: filtersShape.appointmentTypes.default(null),
      allDay: filtersShape.allDay.default(true),
      free: filtersShape.free.default(true),
      private: filtersShape.private.default(true),
      recurring: filtersShape.recurring.default(true),
    })
    .prefault({}),
  /** SuperOffice type given to incoming items that carry none. */
  defaultType: typeName.nullable().default(null),
  subjectTemplate: subjectTemplate.default('{title}'),
  participantsInDescription: z.boolean().default(true),
  invitationPolicy: invitationPolicy.default('never'),
  reminders: z.strictObject({ toCalendar: remindersShape.toCalendar.default(true), toSuperOffice: remindersShape.toSuperOffice.default(true) }).prefault({}),
  linkPersonByEmailInText: z.boolean().default(false),
  massDeletion: z.strictObject({ minItems: massDeletionShape.minItems.default(20), minFraction: massDeletionShape.minFraction.default(0.3) }).prefault({}),
  usersMayEdit: z.boolean().default(false),
  profileOverridesUsers: z.boolean().default(false),
});

/** A user's overrides: the same shape, every field (and every field of a group) optional. */
export const userOverridesSchema = z.strictObject({
  direction: direction.optional(),
  conflict: conflict.optional(),
  fieldDirections: fieldDirections.optional(),
  window: z.strictObject(windowShape).partial().optional(),
  filters: z.strictObject(filtersShape).partial().optional(),
  defaultType: typeName.nullable().optional(),
  subjectTemplate: subjectTemplate.optional(),
  participantsInDescription: z.boolean().optional(),
  invitationPolicy: invitationPolicy.optional(),
  reminders: z.strictObject(remindersShape).partial().optional(),
  linkPersonByEmailInText: z.boolean().optional(),
  massDeletion: z.strictObject(massDeletionShape).partial().optional(),
  usersMayEdit: z.boolean().optional(),
  profileOverridesUsers: z.boolean().optional(),
});

export type EffectiveSettings = z.output<typeof profileSettingsSchema>;
type UserOverrides = z.output<typeof userOverridesSchema>;

export const DEFAULT_SETTINGS: Readonly<EffectiveSettings> = deepFreeze(profileSettingsSchema.parse({}));

export interface SettingsIssue {
  /** Which stored value is wrong. */
  source: 'profile' | 'user overrides' | 'link';
  /** Dotted path of the field (`window.daysAhead`, `filters.appointmentTypes[1]`); '' for the whole value. */
  path: string;
  message: string;
}

/** A stored configuration that cannot be used; the link stops until someone fixes it. */
export class SettingsInvalid extends SyncError {
  override readonly name = 'SettingsInvalid';
  readonly retryable = false;
  constructor(readonly issues: readonly SettingsIssue[]) {
    super(`invalid sync settings: ${issues.map((i) => `${i.source} ${i.path || '(whole value)'}: ${i.message}`).join('; ')}`);
  }
}

/**
 * The settings one link syncs with: defaults <- profile <- the user's overrides <- the link row's
 * own direction. Overrides always apply when present; who may write them (usersMayEdit,
 * profileOverridesUsers) is enforced by the panel that writes them, not here. Groups merge field
 * by field, fieldDirections key by key; appointmentTypes is replaced whole (null = all types).
 * Each value may be the parsed JSON, its text, or null/undefined for "nothing set".
 */
export function resolveSettings(profileJson: unknown, linkOverridesJson: unknown, linkDirection?: Direction | null): EffectiveSettings {
  const issues: SettingsIssue[] = [];
  const profile = read(profileSettingsSchema, profileJson, 'profile', issues);
  const overrides = read(userOverridesSchema, linkOverridesJson, 'user overrides', issues);
  if (linkDirection != null && !direction.safeParse(linkDirection).success) {
    issues.push({ source: 'link', path: 'direction', message: `not a direction: ${JSON.stringify(linkDirection)}` });
  }
  if (issues.length > 0 || !profile || !overrides) throw new SettingsInvalid(issues);
  const merged = merge(profile, overrides);
  return linkDirection == null ? merged : { ...merged, direction: linkDirection };
}

function read<S extends z.ZodType>(schema: S, raw: unknown, source: SettingsIssue['source'], issues: SettingsIssue[]): z.output<S> | null {
  let value: unknown = raw ?? {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch (err) {
      issues.push({ source, path: '', message: `not valid JSON (${(err as Error).message})` });
      return null;
    }
  }
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const path = pathText(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ source, path: path ? `${path}.${key}` : key, message: 'unknown setting' });
    } else {
      issues.push({ source, path, message: issue.message });
    }
  }
  return null;
}

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function merge(base: EffectiveSettings, o: UserOverrides): EffectiveSettings {
  return {
    direction: o.direction ?? base.direction,
    conflict: o.conflict ?? base.conflict,
    fieldDirections: { ...base.fieldDirections, ...o.fieldDirections },
    window: { ...base.window, ...defined(o.window) },
    filters: { ...base.filters, ...defined(o.filters) },
    defaultType: o.defaultType === undefined ? base.defaultType : o.defaultType,
    subjectTemplate: o.subjectTemplate ?? base.subjectTemplate,
    participantsInDescription: o.participantsInDescription ?? base.participantsInDescription,
    invitationPolicy: o.invitationPolicy ?? base.invitationPolicy,
    reminders: { ...base.reminders, ...defined(o.reminders) },
    linkPersonByEmailInText: o.linkPersonByEmailInText ?? base.linkPersonByEmailInText,
    massDeletion: { ...base.massDeletion, ...defined(o.massDeletion) },
    usersMayEdit: o.usersMayEdit ?? base.usersMayEdit,
    profileOverridesUsers: o.profileOverridesUsers ?? base.profileOverridesUsers,
  };
}

// A caller building overrides in code may pass `{ daysBack: undefined }`; that means "not set".
function defined<T extends object>(group: T | undefined): Partial<T> {
  if (!group) return {};
  return Object.fromEntries(Object.entries(group).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
