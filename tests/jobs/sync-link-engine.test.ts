// The engine through the queue, end to end: the SuperOffice simulator sends its signed activity
// webhooks to the app's receiver, which records and enqueues; the queue runs sync-link with the
// real SuperOffice side (SDK against the simulator) and an in-memory calendar side. Edits travel
// both ways, deletes follow the webhook, a duplicated delivery changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifest } from '../../manifest/manifest.ts';
import { createLinkSides } from '../../server/jobs/link-sides.ts';
import { createProvisionTenantTask } from '../../server/jobs/provision-tenant.ts';
import { createRouteActivityTask, ROUTE_ACTIVITY_TASK } from '../../server/jobs/route-activity.ts';
import { createSyncLinkTask, SYNC_LINK_TASK } from '../../server/jobs/sync-link.ts';
import { startSuperOfficeApp, type SuperOfficeApp } from '../helpers/superoffice-app.ts';
import { MemorySide } from '../support/memory-side.ts';

const CTX = 'Cust12345';
const ADA = 5;
let h: SuperOfficeApp;
const cal = new MemorySide({ name: 'cal' });

before(async () => {
  h = await startSuperOfficeApp({
    tasks: ({ db, keyring, services, queue }) => ({
      [SYNC_LINK_TASK]: createSyncLinkTask({
        db: () => db,
        engine: {
          keyring,
          queue,
          sides: createLinkSides({ api: services.api, calendars: { graph: async () => cal }, superofficeOptions: () => ({ timeZone: 'Europe/Oslo' }) }),
        },
      }),
      [ROUTE_ACTIVITY_TASK]: createRouteActivityTask({ db, keyring, api: services.api, queue }),
    }),
  });
  // The activity webhook with its sealed secret, as after an install.
  await createProvisionTenantTask({ db: h.t.db, keyring: h.keyring, api: h.services.api, manifest: loadManifest(), publicUrl: h.appUrl })({ tenantId: h.tenantId }, h.ctx());
});

after(() => h.close());

/** Polls until `check` holds; the guard only stops a hung test, it measures nothing. */
async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const guard = Date.now() + 60_000;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > guard) {
      const link = await h.t.db('links').where({ id: h.linkId }).first('state', 'last_error', 'last_sync_at');
      throw new Error(`never happened: ${what}; link ${JSON.stringify(link)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const soAppointment = (id: number) => h.so.simulator.api.appointments(CTX).find((a) => Number(a.AppointmentId) === id) as Record<string, unknown> | undefined;
const calItem = (title: string) => cal.snapshot().find((i) => i.event.title === title);

test('an appointment created in SuperOffice reaches the calendar through webhook, queue and engine', async () => {
  const created = h.so.simulator.api.editAsUser(CTX, ADA, {
    op: 'create',
    appointment: { StartDate: '2026-12-01T09:00:00Z', EndDate: '2026-12-01T10:00:00Z', Title: 'Pilot review', Description: 'Agenda: scope', Location: 'Oslo' },
  });
  const id = Number(created?.AppointmentId);
  const item = await eventually('the calendar has the appointment', () => calItem('Pilot review'));
  assert.equal(item.event.location, 'Oslo');
  assert.ok(item.event.timing.allDay === false && Date.parse(item.event.timing.start.instant) === Date.parse('2026-12-01T09:00:00Z'));
  assert.ok(item.event.stableKey, 'stamped with the stable key');
  // The calendar shows the item as soon as it is written; the pair is recorded in the next moment.
  const row = await eventually('the pair recorded', async () => (await h.t.db('synced_items').where({ tenant_id: h.tenantId, so_id: String(id) }).first('ext_id')) as { ext_id: string } | undefined);
  assert.equal(row.ext_id, item.id);
  // The item shows as soon as it is written; the run records itself on the link when it ends.
  const link = await eventually('the run recorded on the link', async () => {
    const l = await h.t.db('links').where({ id: h.linkId }).first('state', 'last_sync_at', 'last_error');
    return l?.last_sync_at ? l : undefined;
  });
  assert.equal(link.state, 'active');
  assert.equal(link.last_error, null);
});

test('an edit in the calendar comes back to SuperOffice when the calendar notifies', async () => {
  const item = calItem('Pilot review');
  assert.ok(item);
  cal.userUpdate(item.id, { title: 'Pilot review (moved to Bergen)', location: 'Bergen' });
  // What a calendar change notification does: ask for the link's sync.
  await h.queue.enqueueLinkSync(h.tenantId, h.linkId, { reason: 'calendar-notification' });
  const row = await h.t.db('synced_items').where({ tenant_id: h.tenantId, ext_id: item.id }).first('so_id');
  const appt = await eventually('SuperOffice has the new title', () => {
    const a = soAppointment(Number(row.so_id));
    return a?.Title === 'Pilot review (moved to Bergen)' ? a : undefined;
  });
  assert.equal(appt.Location, 'Bergen');
});

test('a duplicated webhook delivery writes nothing twice', async () => {
  h.so.simulator.api.injectWebhookFaults(CTX, { duplicate: 1 });
  h.so.simulator.api.editAsUser(CTX, ADA, { op: 'create', appointment: { StartDate: '2026-12-03T09:00:00Z', EndDate: '2026-12-03T10:00:00Z', Title: 'Steering group' } });
  await eventually('the calendar has it', () => calItem('Steering group'));
  await h.so.simulator.api.idle();
  await h.queue.enqueueLinkSync(h.tenantId, h.linkId, { reason: 'test: one more run' });
  await eventually('the extra run finished', async () => ((await h.t.db('graphile_worker.jobs').where({ key: `sync-link:${h.linkId}` })).length === 0 ? true : undefined));
  assert.equal(cal.snapshot().filter((i) => i.event.title === 'Steering group').length, 1);
});

test('a delete in SuperOffice deletes the calendar copy (the webhook names it) and keeps a tombstone', async () => {
  const item = calItem('Steering group');
  assert.ok(item);
  const row = await h.t.db('synced_items').where({ tenant_id: h.tenantId, ext_id: item.id }).first('so_id', 'stable_key');
  h.so.simulator.api.editAsUser(CTX, ADA, { op: 'delete', appointmentId: Number(row.so_id) });
  await eventually('the calendar copy is gone', () => (calItem('Steering group') ? undefined : true));
  // The copy goes first; the row turns into a tombstone in the transaction right after.
  const after = await eventually('the tombstone recorded', async () => {
    const r = await h.t.db('synced_items').where({ tenant_id: h.tenantId, stable_key: row.stable_key }).first('state', 'tombstone');
    return r?.state === 'tombstone' ? r : undefined;
  });
  assert.equal(after.tombstone.event.title, 'Steering group');
  const audit = await h.t.db('audit_log').where({ tenant_id: h.tenantId, action: 'delete' }).first('side', 'reason', 'actor');
  assert.deepEqual({ side: audit.side, reason: audit.reason }, { side: 'calendar', reason: 'deleted_in_superoffice' });
  assert.match(audit.actor, /^sync:webhook:activity\.deleted$/);
});

test('SuperOffice\'s documented activity.changed, which names no owner, still brings an appointment not yet synced to the calendar at once', async () => {
  // Its creation's webhook is lost, so nothing of it is synced yet; then its owner edits it.
  h.so.simulator.api.injectWebhookFaults(CTX, { drop: 1 });
  const created = h.so.simulator.api.editAsUser(CTX, ADA, { op: 'create', appointment: { StartDate: '2026-12-07T09:00:00Z', EndDate: '2026-12-07T10:00:00Z', Title: 'Board meeting' } });
  await h.so.simulator.api.idle();
  h.so.simulator.api.editAsUser(CTX, ADA, { op: 'update', appointmentId: Number(created?.AppointmentId), changes: { Title: 'Board meeting (room 3)' } });
  await eventually('the calendar has the edited appointment', () => calItem('Board meeting (room 3)'));
  // What arrived was the documented shape: no FieldValues, so no owner in the payload.
  const changed = await h.t.db('inbound_events').where({ tenant_id: h.tenantId, source: 'superoffice', event_type: 'activity.changed' }).orderBy('received_at', 'desc').first('payload');
  assert.equal((changed?.payload as { FieldValues?: unknown }).FieldValues, undefined);
});
