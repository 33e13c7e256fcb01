// What changed in a tenant's appointments since a watermark, read from the FindAppointment archive:
// the safety net under webhooks (a lost delivery costs at most one reconciliation interval).
//
// Two scans, because updatedDate stays 0001-01-01 until a row's first update, so a new appointment
// is only visible through registeredDate; archive restrictions join with `and` only, so the `or`
// is two queries whose results are merged here. Each scan pages by primary key (keyset, not page
// numbers): rows that change while we read would shift offset pages and skip others.
//
// Both columns are of restriction type `date` ("only the date part is used"): each scan asks from a
// day before the watermark's date in the tenant's zone, and the exact stamps decide
// (server/providers/superoffice/archive-dates.ts), so a server that honours the time and one that
// reads only the date give the same answer.
import { ArchiveAgent, type ArchiveListItem } from '@superoffice/webapi';
import { changedSince, stampedSince } from '../providers/superoffice/archive-dates.ts';
import { cell, dateCell } from '../providers/superoffice/client.ts';
import { DEFAULT_TIME_ZONE } from '../providers/superoffice/mapping.ts';
import { isTimeZone } from '../providers/wall-clock.ts';
import type { AgentFactory } from './api-client.ts';

export interface ChangedAppointment {
  appointmentId: number;
  /** The owner; undefined when SuperOffice did not say. */
  associateId: number | undefined;
  /** Last change as the archive reports it (updated, else registered); second precision. */
  updated: Date | undefined;
}

/** Runs one SuperOffice request for the tenant (SuperOfficeApi.call bound to it). */
export type TenantCall = <T>(fn: (agent: AgentFactory) => Promise<T>) => Promise<T>;

const COLUMNS = 'appointmentId,associateId,updatedDate,registeredDate';
const DEFAULT_PAGE_SIZE = 200;

/** "[I:63]" → 63. */
function intValue(v: string | undefined): number | undefined {
  const m = v && /^\[I:(-?\d+)\]$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

function toChange(item: ArchiveListItem): ChangedAppointment {
  const id = item.primaryKey ?? intValue(cell(item, 'appointmentId'));
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error('FindAppointment returned a row without a primary key');
  const updated = dateCell(item, 'updatedDate');
  const registered = dateCell(item, 'registeredDate');
  return { appointmentId: id, associateId: intValue(cell(item, 'associateId')), updated: updated ?? registered };
}

/**
 * Pages of appointments registered or updated at or after `since`, each appointment once. A page is
 * one archive request (it may be empty of changes, and is then not yielded); the caller may act on
 * each page before the next is read. `timeZone` is the tenant's (default Europe/Oslo).
 */
export async function* changedAppointments(
  call: TenantCall,
  since: Date,
  opts: { pageSize?: number; timeZone?: string | null } = {},
): AsyncGenerator<ChangedAppointment[]> {
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const zone = opts.timeZone && isTimeZone(opts.timeZone) ? opts.timeZone : DEFAULT_TIME_ZONE;
  const seen = new Set<number>();
  for (const dateColumn of ['registeredDate', 'updatedDate'] as const) {
    let after = 0;
    for (;;) {
      const restriction = `${changedSince(dateColumn, since, zone)} and appointmentId > ${after}`;
      const rows = await call((agent) =>
        agent(ArchiveAgent).getArchiveListByColumns2Async('FindAppointment', COLUMNS, 'appointmentId asc', restriction, 'appointment', 0, pageSize),
      );
      const page = rows.map(toChange);
      const fresh = page.filter((c) => !seen.has(c.appointmentId) && stampedSince(c.updated, since));
      for (const c of fresh) seen.add(c.appointmentId);
      if (fresh.length > 0) yield fresh;
      if (page.length < pageSize) break;
      const last = page[page.length - 1]!.appointmentId;
      // A provider that ignored the keyset restriction would loop for ever.
      if (last <= after) throw new Error('FindAppointment did not page by appointmentId');
      after = last;
    }
  }
}
