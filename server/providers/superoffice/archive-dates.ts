// Restrictions on FindAppointment's date, endDate, updatedDate and registeredDate. Their restriction
// type is `date`, of which "only the date part is used"; afterTime/beforeTime ("after or equal to",
// "before") are documented for `datetime` columns, with values written `yyyy-MM-ddThh:mm:ss`
// (docs/en/api/archive-providers/reference/findappointment.md, .../restriction-types.md). Whether a
// server reads the time of such a value, and in which zone it takes a row's date (the tenant's, or
// UTC in which the stamps are kept), no page says. So a restriction names whole days, widened by a
// day on each side, which holds under either reading; the caller then keeps the rows it wants by the
// exact stamps or times the rows carry.
import { addDays, dateIn } from '../wall-clock.ts';

/** Midnight of `date`, in the documented value format (no fraction, no offset). */
const dayValue = (date: string) => `${date}T00:00:00`;

/** A day before `instant`'s date in `zone`: afterTime it includes every row at or after `instant`. */
export function dayBefore(instant: Date, zone: string): string {
  return dayValue(addDays(dateIn(instant.getTime(), zone), -1));
}

/** Two days after `instant`'s date in `zone`: beforeTime it includes every row before `instant`. */
export function dayAfterNext(instant: Date, zone: string): string {
  return dayValue(addDays(dateIn(instant.getTime(), zone), 2));
}

/** `column afterTime <a day before since>`: a superset of the rows stamped at or after `since`. */
export function changedSince(column: 'updatedDate' | 'registeredDate', since: Date, zone: string): string {
  return `${column} afterTime '${dayBefore(since, zone)}'`;
}

/**
 * Whether a row's last-change stamp is at or after `since`. Stamps have whole seconds, so `since`
 * counts from the start of its second; a row without a stamp is kept (reading it again is safe).
 */
export function stampedSince(stamp: Date | string | undefined, since: Date): boolean {
  if (stamp === undefined) return true;
  const t = typeof stamp === 'string' ? Date.parse(stamp) : stamp.getTime();
  return Number.isNaN(t) || t >= Math.floor(since.getTime() / 1000) * 1000;
}
