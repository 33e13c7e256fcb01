// The per-link sync task: find the link within its tenant, resolve its settings, build its two
// sides and run the engine once. The link's queue (one run at a time per link, across nodes) and
// the engine's cursor-last ordering make a run safe to repeat after any crash.
import { z } from 'zod';
import type { Db } from '../db/knex.ts';
import type { Keyring } from '../security/secrets.ts';
import { RateLimited, SyncError } from '../sync/errors.ts';
import { InstallationRevoked, TenantUnavailable, TicketExchangeFailed } from '../superoffice/errors.ts';
import { LinkStore } from '../sync/link-store.ts';
import type { Direction, SideName } from '../sync/plan-types.ts';
import { runSync, type RunReport } from '../sync/run.ts';
import { windowOf } from '../sync/scope.ts';
import { resolveSettings, SettingsInvalid, type EffectiveSettings } from '../sync/settings.ts';
import type { CalendarSide } from '../sync/side.ts';
import { RetryLaterError } from './errors.ts';
import type { Queue, TaskHandler } from './queue.ts';
import { loadTenantForWork, withTenantErrors, type TenantForWork } from './tenant-work.ts';

export const SYNC_LINK_TASK = 'sync-link';

/** After items failed in a way worth retrying (a 503, a concurrent edit), the link looks again this soon. */
export const FAILED_ITEMS_RETRY_MS = 30_000;

const payloadSchema = z.object({
  tenantId: z.uuid(),
  linkId: z.uuid(),
  reason: z.string().optional(),
});

/** Link states in which nothing may be synced until a person acts. */
const IDLE_STATES = new Set(['paused', 'unlinked', 'needs_reconnect', 'needs_confirmation']);

export interface LinkForSync {
  id: string;
  tenantId: string;
  associateId: number;
  mailbox: string;
  direction: Direction;
  profileId: string;
  calendarSystem: string;
}

/** The calendar system of the link's profile has no connector in this build (or it is disabled). */
export class CalendarUnavailable extends Error {
  override readonly name = 'CalendarUnavailable';
}

/** Builds the two sides of one link, bound to its user and its window. */
export type SidesFactory = (
  link: LinkForSync,
  window: { from: string; to: string },
  tenant: TenantForWork,
) => Promise<Record<SideName, CalendarSide>>;

export interface SyncLinkDeps {
  db: () => Db;
  /** Without it (a queue-only node or test) the task only checks the link and says the engine is absent. */
  engine?: {
    keyring: Keyring;
    sides: SidesFactory;
    queue: Pick<Queue, 'enqueueLinkSync'>;
    now?: () => Date;
  };
}

/** The reason the calendar's reconciliation poll gives (server/jobs/graph-subscribe.ts). */
export const POLL_REASON = 'poll';

export function createSyncLinkTask(deps: SyncLinkDeps): TaskHandler {
  return async (payload, ctx) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      // Retrying cannot fix a malformed payload; dropping it (loudly) beats 12 doomed attempts.
      ctx.log.error({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'sync-link: malformed payload dropped');
      return;
    }
    const { tenantId, linkId, reason } = parsed.data;
    const db = deps.db();
    // Scoped by tenant: a job can only ever reach the link of the tenant that asked for it.
    const row = await db('links')
      .join('profiles', 'profiles.id', 'links.profile_id')
      .where({ 'links.tenant_id': tenantId, 'links.id': linkId })
      .first(
        'links.id', 'links.state', 'links.direction', 'links.associate_id', 'links.mailbox', 'links.settings',
        'links.profile_id', 'profiles.calendar_system', 'profiles.settings as profile_settings', 'profiles.enabled',
      );
    if (!row) {
      ctx.log.info({ tenantId, linkId }, 'sync-link: no such link for this tenant (removed since?); nothing to do');
      return;
    }
    if (IDLE_STATES.has(row.state) || row.enabled === false) {
      ctx.log.info({ tenantId, linkId, state: row.state, direction: row.direction }, 'sync-link: link is idle; skipped');
      return;
    }
    const engine = deps.engine;
    if (!engine) {
      ctx.log.info({ tenantId, linkId, reason, state: row.state, attempt: ctx.attempt }, 'sync-link: sync due; no sync engine on this node');
      return;
    }
    const store = new LinkStore(db, tenantId, linkId);
    const now = engine.now ?? (() => new Date());
    let settings: EffectiveSettings;
    try {
      settings = resolveSettings(row.profile_settings, row.settings, row.direction);
    } catch (err) {
      if (!(err instanceof SettingsInvalid)) throw err;
      await store.stopLink('error', `The sync settings are not valid: ${err.message}`, now());
      ctx.log.error({ tenantId, linkId, problem: err.message }, 'sync-link: invalid settings; link stopped until they are fixed');
      return;
    }
    if (settings.direction === 'off') {
      ctx.log.info({ tenantId, linkId, state: row.state }, 'sync-link: direction is off for this link; skipped');
      return;
    }
    const t = await loadTenantForWork(db, engine.keyring, tenantId, ctx, SYNC_LINK_TASK);
    if (!t) return;
    const link: LinkForSync = {
      id: linkId,
      tenantId,
      associateId: row.associate_id,
      mailbox: row.mailbox,
      direction: settings.direction,
      profileId: row.profile_id,
      calendarSystem: row.calendar_system,
    };
    let report: RunReport | undefined;
    await withTenantErrors(db, t, ctx, SYNC_LINK_TASK, async () => {
      try {
        const sides = await engine.sides(link, windowOf(settings, now().toISOString()), t);
        report = await runSync({
          store, sides, settings, direction: link.direction, mailbox: link.mailbox, actor: `sync:${reason ?? 'unspecified'}`, now, log: ctx.log,
          // The calendar's poll leaves SuperOffice's feed alone: its webhooks name what they change,
          // and the tenant's reconciliation hints what they missed.
          ...(reason === POLL_REASON ? { hintsOnly: ['superoffice'] as const } : {}),
        });
      } catch (err) {
        if (err instanceof RateLimited) throw new RetryLaterError(Math.max(err.retryAfterMs, 1000), `rate limited: ${err.message}`);
        // The SuperOffice side keeps the tenant-level cause (not running, revoked, ticket refused)
        // under its domain error; withTenantErrors turns that into a deferral or a revoked tenant.
        if (err instanceof SyncError && isTenantError(err.cause)) throw err.cause;
        if (err instanceof CalendarUnavailable) {
          await store.stopLink('error', err.message, now());
          ctx.log.error({ tenantId, linkId, system: link.calendarSystem }, 'sync-link: no connector for this calendar system');
          return;
        }
        throw err;
      }
    });
    if (!report) return;
    ctx.log.info({ tenantId, linkId, reason, reads: report.reads, actions: report.actions, writes: report.writes, failed: report.failed.length, held: report.heldDeletions, stopped: report.stopped?.side }, 'sync-link: run finished');
    if (report.retrySoon) await engine.queue.enqueueLinkSync(tenantId, linkId, { reason: 'retry-failed-items', delayMs: FAILED_ITEMS_RETRY_MS });
  };
}

function isTenantError(e: unknown): e is Error {
  return e instanceof TenantUnavailable || e instanceof InstallationRevoked || e instanceof TicketExchangeFailed;
}
