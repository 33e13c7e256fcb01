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

export function setTop<K extends keyof EffectiveSettings>(value: EffectiveSettings, key: K, v: EffectiveSettings[K]): EffectiveSettings {
  return { ...value, [key]: v };
}

type Group = 'window' | 'filters' | 'reminders' | 'massDeletion';
export function setIn<G extends Group, K extends keyof EffectiveSettings[G]>(
  value: EffectiveSettings,
  group: G,
  key: K,
  v: EffectiveSettings[G][K],
): EffectiveSettings {
  return { ...value, [group]: { ...value[group], [key]: v } };
}
