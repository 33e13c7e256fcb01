// What every group of setting controls receives, and the small helpers they share.
import type { EffectiveSettings } from './settings-types.ts';

export interface SectionProps {
  value: EffectiveSettings;
  /** What applies when nothing is chosen: shown as "Default: …" beside each control. */
  defaults: EffectiveSettings;
  onChange: (next: EffectiveSettings) => void;
  /** Server issues by dotted path ("window.daysAhead"). */
  issues: Record<string, string>;
  disabled?: boolean;
}

/** The issues at `path` or inside it ("filters.appointmentTypes[1]" belongs to "filters.appointmentTypes"). */
export function issueAt(issues: Record<string, string>, path: string): string | undefined {
  const found = Object.entries(issues)
    .filter(([p]) => p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`))
    .map(([, m]) => m);
  return found.length > 0 ? found.join(' ') : undefined;
}

type Settings = EffectiveSettings;
type Group = 'window' | 'filters' | 'reminders' | 'massDeletion';
/** A setting named as the server's issues name it: a top-level key, or "group.key". */
type SettingPath = keyof Settings | { [G in Group]: `${G}.${keyof Settings[G] & string}` }[Group];
type ValueAt<P extends SettingPath> = P extends `${infer G extends Group}.${infer K}`
  ? Settings[G][K & keyof Settings[G]]
  : P extends keyof Settings
    ? Settings[P]
    : never;
/** The paths of the settings whose value is exactly a V (so writing a V there is sound). */
export type PathOf<V> = { [P in SettingPath]: [ValueAt<P>] extends [V] ? ([V] extends [ValueAt<P>] ? P : never) : never }[SettingPath];

/** What a control bound to one setting receives besides the section. */
export type SettingProps<V> = SectionProps & { path: PathOf<V>; label: string; hint?: string };

function split(path: string): [keyof Settings, string | undefined] {
  const [top, key] = path.split('.');
  return [top as keyof Settings, key];
}

export function settingAt<V>(settings: Settings, path: PathOf<V>): V {
  const [top, key] = split(path);
  const at: unknown = key === undefined ? settings[top] : (settings[top] as Record<string, unknown>)[key];
  return at as V;
}

export function withSetting<V>(settings: Settings, path: PathOf<V>, v: V): Settings {
  const [top, key] = split(path);
  return { ...settings, [top]: key === undefined ? v : { ...(settings[top] as object), [key]: v } };
}
