// The sync settings as the panels edit them. The shape and the field names mirror
// server/sync/settings.ts (profileSettingsSchema, userOverridesSchema); the client never imports
// server code, so a change there must be copied here.

export type Direction = 'two_way' | 'to_calendar' | 'to_superoffice' | 'off';
export type ConflictPolicy = 'superoffice_wins' | 'calendar_wins' | 'newest_wins';
export type InvitationPolicy = 'never' | 'organizer_copy';

/** Copied from SYNCED_FIELDS in server/sync/hash.ts; keep the two lists alike. */
export const SYNCED_FIELDS = [
  'title',
  'description',
  'location',
  'timing',
  'showAs',
  'private',
  'reminderMinutes',
  'organizer',
  'attendees',
  'recurrence',
  'category',
  'crmLinks',
] as const;
export type SyncedField = (typeof SYNCED_FIELDS)[number];

/** Copied from SUBJECT_PLACEHOLDERS in server/sync/settings.ts. */
export const SUBJECT_PLACEHOLDERS = ['title', 'type', 'company', 'person'] as const;

export interface EffectiveSettings {
  direction: Direction;
  conflict: ConflictPolicy;
  fieldDirections: Partial<Record<SyncedField, Direction>>;
  window: { daysBack: number; daysAhead: number };
  filters: {
    /** null = every type. */
    appointmentTypes: string[] | null;
    allDay: boolean;
    free: boolean;
    private: boolean;
    recurring: boolean;
  };
  defaultType: string | null;
  subjectTemplate: string;
  participantsInDescription: boolean;
  invitationPolicy: InvitationPolicy;
  reminders: { toCalendar: boolean; toSuperOffice: boolean };
  linkPersonByEmailInText: boolean;
  massDeletion: { minItems: number; minFraction: number };
  usersMayEdit: boolean;
  profileOverridesUsers: boolean;
}

type Groups = 'window' | 'filters' | 'reminders' | 'massDeletion';
export type UserOverrides = { [K in Exclude<keyof EffectiveSettings, Groups>]?: EffectiveSettings[K] } & {
  [K in Groups]?: Partial<EffectiveSettings[K]>;
};

const GROUPS: readonly Groups[] = ['window', 'filters', 'reminders', 'massDeletion'];
const isGroup = (key: string): key is Groups => (GROUPS as readonly string[]).includes(key);

/** Stored settings completed from the defaults, group by group (as the server reads them). */
export function completeSettings(defaults: EffectiveSettings, stored: Partial<EffectiveSettings> | UserOverrides | null | undefined): EffectiveSettings {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(stored ?? {})) {
    if (value === undefined) continue;
    const base = out[key];
    out[key] =
      (isGroup(key) || key === 'fieldDirections') && base && typeof base === 'object' && value && typeof value === 'object'
        ? { ...(base as object), ...(value as object) }
        : value;
  }
  return out as unknown as EffectiveSettings;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What a user changed on a form that started at `before`: top-level values, or the group's changed keys. */
export function changedValues(before: EffectiveSettings, after: EffectiveSettings): UserOverrides {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof EffectiveSettings)[]) {
    const a = after[key];
    const b = before[key];
    if (same(a, b)) continue;
    if (isGroup(key) && a && typeof a === 'object' && b && typeof b === 'object') {
      const group: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(a)) if (!same(v, (b as Record<string, unknown>)[k])) group[k] = v;
      out[key] = group;
    } else {
      out[key] = a;
    }
  }
  return out as UserOverrides;
}

/** Overrides on top of overrides: later values win, groups merge key by key. */
export function mergeOverrides(base: UserOverrides | null | undefined, more: UserOverrides): UserOverrides {
  const out: Record<string, unknown> = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(more)) {
    const prev = out[key];
    out[key] =
      (isGroup(key) || key === 'fieldDirections') && prev && typeof prev === 'object' && value && typeof value === 'object'
        ? { ...(prev as object), ...(value as object) }
        : value;
  }
  return out as UserOverrides;
}
