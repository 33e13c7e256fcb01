// FindAppointment's date columns are of restriction type `date` ("only the date part is used"), so
// the side's delta reads and the reconciliation must not depend on a server honouring the time of
// a restriction value, nor on the zone it takes a row's date in. Run against the simulator with
// the documented date-only meaning (its default) and with the old precise one, with the tenant in
// UTC and in Oslo, around midnight in Oslo, on a clock the test sets for both the side and the
// simulator's Registered/Updated stamps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SoSettings } from '../../../sandbox/superoffice/store.ts';
import { changedAppointments } from '../../../server/superoffice/reconcile.ts';
import type { CalendarSide } from '../../../server/sync/side.ts';
import { ADA, CTX, startSideHarness, type SideHarness } from './harness.ts';

let clock = 0;
const at = (iso: string) => {
  clock = Date.parse(iso);
};
const harnesses = new Map<SoSettings['archiveDates'], SideHarness>();

before(async () => {
  for (const mode of ['date-only', 'precise'] as const) {
    harnesses.set(mode, await startSideHarness({ settings: { archiveDates: mode }, appointmentClock: () => new Date(clock) }));
  }
});
after(async () => {
  for (const h of harnesses.values()) await h.close();
});

const cases = () =>
  [...harnesses].flatMap(([mode, h]) => (['UTC', 'Europe/Oslo'] as const).map((zone) => ({ mode, zone, h, name: `${mode}, tenant in ${zone}` })));

function create(h: SideHarness, title: string): string {
  // A date in the window of the harness's sides; the stamps are what matter here.
  const made = h.so.simulator.api.editAsUser(CTX, ADA, { op: 'create', appointment: { StartDate: '2026-06-10T09:00:00Z', EndDate: '2026-06-10T10:00:00Z', Title: title } });
  return String(made?.AppointmentId);
}

async function ids(side: CalendarSide, cursor: string | null) {
  const page = await side.listChanges(cursor);
  return { ids: page.changes.map((c) => c.id), next: page.nextCursor };
}

test('a change late in the day is found by the next delta read, and what came before the cursor is not read again', async () => {
  let day = 1;
  for (const c of cases()) {
    c.h.so.simulator.api.setBaseTimeZone(CTX, c.zone);
    const d = `2030-06-${String(day++).padStart(2, '0')}`;
    const side = c.h.side({ timeZone: 'Europe/Oslo', now: () => new Date(clock) });
    at(`${d}T08:00:00Z`);
    const morning = create(c.h, 'Morning');
    at(`${d}T21:50:00Z`); // 23:50 in Oslo
    const full = await ids(side, null);
    at(`${d}T21:58:30Z`);
    const late = create(c.h, 'Late');
    at(`${d}T22:05:00Z`); // 00:05 the next day in Oslo
    const next = await ids(side, full.next);
    assert.ok(next.ids.includes(late), `${c.name}: the late change is found`);
    assert.ok(!next.ids.includes(morning), `${c.name}: the morning's row, before the cursor, is not read again`);
    at(`${d}T22:20:00Z`);
    assert.deepEqual((await ids(side, next.next)).ids, [], `${c.name}: nothing new, nothing re-read`);
  }
});

test('nothing is missed across midnight in Oslo, whichever zone the server takes the date in', async () => {
  let day = 10;
  for (const c of cases()) {
    c.h.so.simulator.api.setBaseTimeZone(CTX, c.zone);
    const d = `2030-06-${String(day++).padStart(2, '0')}`;
    const side = c.h.side({ timeZone: 'Europe/Oslo', now: () => new Date(clock) });
    at(`${d}T21:57:00Z`); // 23:57 in Oslo
    const full = await ids(side, null);
    at(`${d}T21:59:30Z`);
    const beforeMidnight = create(c.h, 'Before midnight in Oslo');
    at(`${d}T22:00:30Z`);
    const afterMidnight = create(c.h, 'After midnight in Oslo');
    at(`${d}T22:03:00Z`);
    const first = await ids(side, full.next);
    assert.deepEqual(first.ids.sort(), [beforeMidnight, afterMidnight].sort(), c.name);
    // The cursor's date in Oslo is now the next day, the row's in UTC still this one.
    at(`${d}T22:10:00Z`);
    c.h.so.simulator.api.editAsUser(CTX, ADA, { op: 'update', appointmentId: Number(beforeMidnight), changes: { Title: 'Moved' } });
    at(`${d}T22:15:00Z`);
    const second = await ids(side, first.next);
    assert.deepEqual(second.ids, [beforeMidnight], c.name);
  }
});

test('the reconciliation reads the same way: a change just after midnight in Oslo is found, older ones are not', async () => {
  let day = 20;
  for (const c of cases()) {
    c.h.so.simulator.api.setBaseTimeZone(CTX, c.zone);
    const d = `2030-06-${String(day++).padStart(2, '0')}`;
    at(`${d}T21:00:00Z`);
    const old = create(c.h, 'Before the watermark');
    at(`${d}T22:05:00Z`); // 00:05 in Oslo
    const fresh = create(c.h, 'After the watermark');
    const since = new Date(`${d}T22:01:00Z`);
    const found: string[] = [];
    for await (const page of changedAppointments((fn) => c.h.services.api.call(c.h.who, fn), since, { timeZone: 'Europe/Oslo', pageSize: 2 })) {
      found.push(...page.map((x) => String(x.appointmentId)));
    }
    assert.ok(found.includes(fresh), c.name);
    assert.ok(!found.includes(old), c.name);
    assert.equal(new Set(found).size, found.length, `${c.name}: each once`);
  }
});
