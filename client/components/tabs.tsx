// WAI-ARIA tabs: arrow keys, Home and End move between tabs (and select them); Tab moves into the
// panel. Only the chosen panel is rendered, so hidden tabs do not poll.
import type { ComponentChildren } from 'preact';
import { useId, useRef } from 'preact/hooks';

export interface TabDef<K extends string> {
  key: K;
  label: string;
  /** A count or warning shown after the label, e.g. the links waiting for confirmation. */
  badge?: string | number | null;
}

export interface TabsProps<K extends string> {
  label: string;
  tabs: TabDef<K>[];
  selected: K;
  onSelect: (key: K) => void;
  children: ComponentChildren;
}

export function Tabs<K extends string>({ label, tabs, selected, onSelect, children }: TabsProps<K>) {
  const base = useId();
  const list = useRef<HTMLDivElement>(null);
  const move = (index: number) => {
    const next = tabs[(index + tabs.length) % tabs.length];
    if (!next) return;
    onSelect(next.key);
    const button = list.current?.querySelector<HTMLButtonElement>(`[data-tab="${next.key}"]`);
    button?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const at = tabs.findIndex((t) => t.key === selected);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    move(to);
  };
  return (
    <div class="tabs">
      <div class="tab-list" role="tablist" aria-label={label} ref={list} onKeyDown={onKeyDown}>
        {tabs.map((t) => {
          const on = t.key === selected;
          return (
            <button
              key={t.key}
              type="button"
              role="tab"
              data-tab={t.key}
              id={`${base}-tab-${t.key}`}
              aria-selected={on}
              aria-controls={`${base}-panel`}
              tabIndex={on ? 0 : -1}
              class={on ? 'tab tab-on' : 'tab'}
              onClick={() => onSelect(t.key)}
            >
              {t.label}
              {t.badge !== undefined && t.badge !== null && t.badge !== 0 ? <span class="tab-badge">{t.badge}</span> : null}
            </button>
          );
        })}
      </div>
      <div class="tab-panel" role="tabpanel" id={`${base}-panel`} aria-labelledby={`${base}-tab-${selected}`} tabIndex={0}>
        {children}
      </div>
    </div>
  );
}
