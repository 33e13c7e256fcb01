// One sync run of one link: read both sides, plan, apply, and only then move the cursors. The
// order is the engine's safety: a run cut short anywhere before the end re-reads the same changes
// next time, and because every applied action stored what it wrote, they plan as noops.
import { randomUUID } from 'node:crypto';
import { applyAction, type ApplyDeps, type Outcome } from './apply.ts';
import { AuthorizationRevoked, CursorExpired } from './errors.ts';
import type { CalendarEvent } from './event.ts';
import { contentHash } from './hash.ts';
import type { LinkStore, PendingDeletion, StoredRow } from './link-store.ts';
import { planSync } from './plan.ts';
import type { Change, Direction, SideName, SideRead, SyncAction } from './plan-types.ts';
import { scopeOf } from './scope.ts';
import type { EffectiveSettings } from './settings.ts';
import type { CalendarSide, ChangePage, SideChange, SideItem } from './side.ts';
import { hashFieldsFor, toCalendar, toSuperOffice } from './transform.ts';

export const RESTORE_DAYS = 30;
const SIDES = ['superoffice', 'calendar'] as const;

export interface RunDeps {
  store: LinkStore;
  sides: Record<SideName, CalendarSide>;
  settings: EffectiveSettings;
  /** The link's own direction (the user's choice, or the profile's default). */
  direction: Direction;
  /** The calendar mailbox, for the organiser rules of the invitation policy. */
  mailbox: string;
  /** Who or what caused this run, for the audit log ("webhook:activity.changed", "poll", "admin:5"). */
  actor: string;
  now?: () => Date;
  newKey?: () => string;
  /**
   * Read both sides whole, whatever the cursors say: the periodic safety net that finds what every
   * notification missed (a deletion whose webhook was lost shows as a tracked item no longer there).
   */
  fullRead?: boolean;
  /**
   * Sides whose change feed this run does not list (unless it has no cursor yet): only the items
   * hints name and rows whose last action failed are read there, and its cursor stays. For runs
   * whose cause concerns the other side only (the calendar poll), where that side's own safety
   * net covers what its webhooks miss.
   */
  hintsOnly?: readonly SideName[];
  log?: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
}

export interface RunReport {
  reads: Record<SideName, { mode: 'full' | 'delta'; changes: number; complete: boolean }>;
  actions: Partial<Record<SyncAction['kind'], number>>;
  writes: number;
  failed: Array<{ stableKey: string; message: string }>;
  /** Set when the run held back a mass deletion: the link now waits for an administrator. */
  heldDeletions?: number;
  /** Set when some items failed in a way worth retrying soon. */
  retrySoon: boolean;
  /** Set when the run stopped because a side withdrew authorisation; the link needs its user. */
  stopped?: { side: SideName; reason: string };
}

export async function runSync(deps: RunDeps): Promise<RunReport> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const nowIso = started.toISOString();
  const { store, settings } = deps;
  const sides = { superoffice: tagged('superoffice', deps.sides.superoffice), calendar: tagged('calendar', deps.sides.calendar) };
  await store.purgeTombstones(started);
  const link = await store.linkState();
  const hashOf = (side: SideName, e: CalendarEvent) => contentHash(e, hashFieldsFor(side, settings));
  const report: RunReport = {
    reads: { superoffice: { mode: 'delta', changes: 0, complete: true }, calendar: { mode: 'delta', changes: 0, complete: true } },
    actions: {},
    writes: 0,
    failed: [],
    retrySoon: false,
  };

  const seen: Record<SideName, Map<string, SideItem>> = { superoffice: new Map(), calendar: new Map() };
  const apply: ApplyDeps = {
    store,
    sides,
    seen,
    write: (target, source, current) =>
      target === 'calendar' ? toCalendar(source, current, settings, { mailbox: deps.mailbox }) : toSuperOffice(source, current, settings),
    hashOf,
    newKey: deps.newKey ?? (() => `cs1-${randomUUID()}`),
    actor: deps.actor,
    now,
    restoreDays: RESTORE_DAYS,
  };
  const deletionsConfirmed = link?.confirmDeletions === true;
  try {
    // An administrator confirmed deletions a run held back: exactly those, each still checked
    // against the version it was planned on, before anything else is read.
    if (deletionsConfirmed) for (const d of link?.pendingDeletions ?? []) record(report, await applyAction(stripDescription(d), apply));
  } catch (err) {
    if (calendarRevoked(err)) return stop(deps, report, err, started);
    throw err;
  }
  const rows = await store.rows();
  const hints = await store.hints();
  const reads = {} as Record<SideName, SideRead>;
  const cursors = {} as Record<SideName, string>;
  try {
    // Both sides are read at once: they are independent, and each read is a few round trips.
    // Every read finishes (or fails) before anything is decided; the first failure, in side
    // order, is the one handled.
    const settled = await Promise.allSettled(
      SIDES.map(async (side) => {
        const cursor = deps.fullRead ? null : await store.cursor(side);
        const listed = !deps.hintsOnly?.includes(side);
        return readSide(side, sides[side], cursor, rows, hints.ids[side], listed);
      }),
    );
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    for (const [i, side] of SIDES.entries()) {
      const read = (settled[i] as PromiseFulfilledResult<SideReadResult>).value;
      for (const c of read.changes) if (!('deleted' in c)) seen[side].set(c.id, c);
      reads[side] = {
        mode: read.mode,
        complete: read.complete,
        changes: read.changes.map((c) => toChange(c, hashOf(side, 'deleted' in c ? EMPTY : c.event), settings, nowIso)),
      };
      cursors[side] = read.nextCursor;
      report.reads[side] = { mode: read.mode, changes: read.changes.length, complete: read.complete };
    }
  } catch (err) {
    if (calendarRevoked(err)) return stop(deps, report, err, started);
    throw err;
  }

  const actions = planSync({
    links: rows,
    superoffice: reads.superoffice,
    calendar: reads.calendar,
    policy: { direction: deps.direction, conflict: settings.conflict, massDeletion: settings.massDeletion, deletionsConfirmed },
    now: nowIso,
  });

  let held: PendingDeletion[] | null = null;
  try {
    for (const action of actions) {
      report.actions[action.kind] = (report.actions[action.kind] ?? 0) + 1;
      if (action.kind === 'needs_confirmation') {
        held = action.wouldDelete.map((d) => describe(d, seen));
        continue;
      }
      record(report, await applyAction(action, apply));
    }
  } catch (err) {
    if (calendarRevoked(err)) return stop(deps, report, err, started);
    throw err;
  }

  if (held) {
    report.heldDeletions = held.length;
    deps.log?.warn({ wouldDelete: held.length }, 'sync: mass deletion held back for an administrator to confirm');
  }
  if (deletionsConfirmed) await store.clearConfirmedDeletions(now());
  const lastError = held
    ? `Would delete ${held.length} items at once; waiting for an administrator to confirm or reject.`
    : report.failed.length > 0
      ? `${report.failed.length} item(s) failed; the latest: ${report.failed[report.failed.length - 1]?.message}`
      : null;
  await store.finishRun({
    cursors,
    hintsRead: hints.ids,
    readAt: hints.readAt,
    state: held ? 'needs_confirmation' : 'active',
    lastError,
    ...(held ? { pendingDeletions: held } : deletionsConfirmed ? { pendingDeletions: null } : {}),
    now: now(),
  });
  return report;
}

const EMPTY = {} as CalendarEvent;

interface SideReadResult {
  changes: SideChange[];
  mode: 'full' | 'delta';
  complete: boolean;
  nextCursor: string;
}

/**
 * Reads one side's changes, then re-reads by id what the change feed cannot be trusted to say:
 * items a webhook named (SuperOffice's feed lists no deletions), rows whose last action failed,
 * and, after a complete full read that listed anything, tracked items it did not list. Those come
 * back from `get` as present (perhaps outside the window) or as explicitly deleted; absence alone
 * never deletes.
 */
async function readSide(side: SideName, cal: CalendarSide, cursor: string | null, rows: StoredRow[], hinted: string[], list = true): Promise<SideReadResult> {
  let page: ChangePage;
  let mode: 'full' | 'delta' = cursor === null ? 'full' : 'delta';
  try {
    // Not listed (never when there is no cursor yet): nothing from the feed, and the cursor stays.
    page = list || cursor === null ? await cal.listChanges(cursor) : { changes: [], complete: true, nextCursor: cursor };
  } catch (err) {
    if (!(err instanceof CursorExpired)) throw err;
    // The whole window again; items that did not change plan as noops, so nothing is rewritten.
    mode = 'full';
    page = await cal.listChanges(null);
  }
  const half = side === 'superoffice' ? 'so' : 'ext';
  const listed = new Set(page.changes.map((c) => c.id));
  const recheck = new Set<string>(hinted);
  const absenceCounts = mode === 'full' && page.complete && page.changes.some((c) => !('deleted' in c));
  for (const r of rows) {
    const id = r[half]?.id;
    if (!id || r.state !== 'active') continue;
    if (r.dirty || (absenceCounts && !listed.has(id))) recheck.add(id);
  }
  for (const id of listed) recheck.delete(id);
  const changes = [...page.changes];
  if (recheck.size > 0) {
    const found = await cal.get([...recheck]);
    for (const id of recheck) changes.push(found.get(id) ?? { id, deleted: true });
  }
  return { changes, mode, complete: page.complete, nextCursor: page.nextCursor };
}

function stripDescription(d: PendingDeletion): Extract<SyncAction, { kind: 'delete' }> {
  return { kind: 'delete', side: d.side, reason: d.reason, stableKey: d.stableKey, targetId: d.targetId, ifVersion: d.ifVersion };
}

function toChange(c: SideChange, hash: string, settings: EffectiveSettings, now: string): Change {
  if ('deleted' in c) return { id: c.id, deleted: true };
  return {
    id: c.id,
    version: c.version,
    hash,
    ...(c.modifiedAt !== undefined ? { modifiedAt: c.modifiedAt } : {}),
    ...(c.event.stableKey !== undefined ? { stableKey: c.event.stableKey } : {}),
    scope: scopeOf(c.event, settings, now),
  };
}

function record(report: RunReport, outcome: Outcome): void {
  if (outcome.status === 'applied') {
    if (outcome.wrote) report.writes += 1;
    return;
  }
  report.failed.push({ stableKey: outcome.stableKey, message: outcome.message });
  if (outcome.retry) report.retrySoon = true;
}

function describe(d: Extract<SyncAction, { kind: 'delete' }>, seen: Record<SideName, Map<string, SideItem>>): PendingDeletion {
  const item = seen[d.side].get(d.targetId);
  const timing = item?.event.timing;
  const start = timing ? (timing.allDay ? timing.startDate : timing.start.instant) : undefined;
  return { ...d, ...(item ? { title: item.event.title } : {}), ...(start ? { start } : {}) };
}

/**
 * The calendar withdrew access: only this link waits for its user. SuperOffice withdrawing it is
 * the whole installation's matter, so that error goes up to the job (and the tenant).
 */
function calendarRevoked(err: unknown): err is AuthorizationRevoked {
  return err instanceof AuthorizationRevoked && err.side === 'calendar';
}

async function stop(deps: RunDeps, report: RunReport, err: AuthorizationRevoked, at: Date): Promise<RunReport> {
  const reason = !err.reconnectHelps
    ? err.message
    : err.fixedBy === 'administrator'
      ? `The calendar refused access (${err.message}). An administrator needs to grant consent again in the administrator panel.`
      : `The calendar refused access (${err.message}). The user needs to reconnect.`;
  await deps.store.stopLink(err.reconnectHelps ? 'needs_reconnect' : 'error', reason, at);
  deps.log?.warn({ reason }, 'sync: stopped; the calendar withdrew authorisation');
  return { ...report, stopped: { side: 'calendar', reason } };
}

/** The same side, with a withdrawn authorisation labelled by the side it came from. */
function tagged(name: SideName, side: CalendarSide): CalendarSide {
  const label = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn.apply(side, args);
      } catch (err) {
        if (err instanceof AuthorizationRevoked) err.side ??= name;
        throw err;
      }
    };
  return {
    capabilities: side.capabilities,
    listChanges: label(side.listChanges),
    get: label(side.get),
    create: label(side.create),
    update: label(side.update),
    delete: label(side.delete),
    findByStableKey: label(side.findByStableKey),
  };
}
