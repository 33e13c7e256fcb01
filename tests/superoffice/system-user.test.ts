// The app's system-user tickets and tenant-state checks against the SuperOffice simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { InstallationRevoked, TenantUnavailable, TicketExchangeFailed } from '../../server/superoffice/errors.ts';
import { SuperOfficeKeys } from '../../server/superoffice/jwks.ts';
import { SystemUserTickets, type SystemUserTenant } from '../../server/superoffice/system-user.ts';
import { TenantStates } from '../../server/superoffice/tenant-state.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from '../helpers/superoffice-sim.ts';

let so: SuperOfficeSim;
let keys: SuperOfficeKeys;
let tenant: SystemUserTenant;

before(async () => {
  so = await startSuperOfficeSim();
  keys = new SuperOfficeKeys(`${so.sim.url}/login/.well-known/jwks`, so.fetch);
  tenant = { tenantId: 't-1', contextIdentifier: 'Cust12345', systemToken: so.systemToken };
});
after(() => so.close());

function tickets(over: Partial<ConstructorParameters<typeof SystemUserTickets>[0]> = {}) {
  return new SystemUserTickets({
    identityBaseUrl: so.sim.url,
    clientSecret: so.seed.app.clientSecret,
    privateKey: so.privateKey,
    keys,
    fetch: so.fetch,
    ...over,
  });
}

async function currentPrincipal(ticket: string): Promise<Response> {
  return so.fetch(`${so.store.webApiUrl(so.tenant)}v1/User/currentPrincipal`, {
    headers: { authorization: `SOTicket ${ticket}`, 'so-apptoken': so.seed.app.clientSecret, accept: 'application/json' },
  });
}

test('a ticket is exchanged once, verified, cached per tenant, and works on the tenant API', async () => {
  let exchanges = 0;
  const counting: typeof fetch = (input, init) => {
    if (String(input).includes('PartnerSystemUser')) exchanges++;
    return so.fetch(input, init);
  };
  const t = tickets({ fetch: counting });
  const [a, b] = await Promise.all([t.ticket(tenant), t.ticket(tenant)]);
  assert.equal(a, b);
  assert.equal(await t.ticket(tenant), a);
  assert.equal(exchanges, 1);
  assert.equal((await currentPrincipal(a)).status, 200);
});

test('a ticket for another serial than the one held is accepted once everything else holds, and the new serial is kept', async () => {
  const learnt: Array<[string, string]> = [];
  const t = tickets({ serialChanged: async (id, serial) => void learnt.push([id, serial]) });
  // What the app kept from the installation is not the tenant's serial any more.
  const stale = { ...tenant, tenantId: 't-serial', serial: '1000000001' };
  const ticket = await t.ticket(stale);
  assert.equal((await currentPrincipal(ticket)).status, 200);
  assert.deepEqual(learnt, [['t-serial', so.tenant.serial]]);
  // A ticket for another tenant is still refused, whatever its serial.
  await assert.rejects(tickets().ticket({ ...stale, tenantId: 't-other', contextIdentifier: 'Cust99999' }), (e: Error) => e instanceof TicketExchangeFailed || /audience|ticket is for/.test(e.message));
});

test('a ticket unused for its sliding lifetime is renewed; invalidate() forces a fresh one', async () => {
  let now = Date.now();
  const t = tickets({ now: () => now, ticketLifetimeMs: 60_000 });
  const first = await t.ticket(tenant);
  now += 30_000;
  assert.equal(await t.ticket(tenant), first, 'used within the window: same ticket');
  now += 50_000;
  assert.equal(await t.ticket(tenant), first, 'each use slides the window');
  now += 60_000;
  const renewed = await t.ticket(tenant);
  assert.notEqual(renewed, first);
  t.invalidate(tenant.tenantId);
  assert.notEqual(await t.ticket(tenant), renewed);
});

test('a key SuperOffice does not know gives TicketExchangeFailed with SuperOffice\'s own message', async () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  await assert.rejects(tickets({ privateKey: other }).ticket(tenant), (e: Error) => {
    assert.ok(e instanceof TicketExchangeFailed, e.message);
    assert.ok(e.superOfficeMessage.length > 0);
    return true;
  });
});

test('withdrawn consent is a refused exchange with SuperOffice\'s own words, not a revocation decided here', async () => {
  const revokedTenant = so.store.createTenant({ contextIdentifier: 'Cust77777', companyName: 'Leaving AS' });
  const admin = so.store.addAssociate(revokedTenant, { firstName: 'Lea', lastName: 'Ving', email: 'lea@leaving.example', isAdministrator: true });
  const consent = so.store.grantConsent(so.seed.app, revokedTenant, admin.associateId);
  const t = tickets();
  const who = { tenantId: 't-2', contextIdentifier: 'Cust77777', systemToken: consent.systemToken };
  await t.ticket(who);
  so.store.revokeConsent(so.seed.app.clientId, 'Cust77777');
  t.invalidate('t-2');
  await assert.rejects(t.ticket(who), (e: Error) => {
    assert.ok(e instanceof TicketExchangeFailed, `${e.name}: ${e.message}`);
    assert.ok(e.superOfficeMessage.length > 0);
    return true;
  });
});

test('a refusal is TicketExchangeFailed with its ErrorMessage verbatim, whatever it says and whatever the status', async () => {
  const texts = [
    'The installation was revoked',
    'Consent withdrawn by the customer',
    'The system user token is not valid for this application and tenant.',
    'Unknown system user',
    '  Zugriff verweigert: Einwilligung widerrufen  ',
  ];
  for (const status of [200, 400, 401, 403, 500]) {
    for (const text of texts) {
      const refusing: typeof fetch = async () => Response.json({ IsSuccessful: false, Token: null, ErrorMessage: text }, { status });
      await assert.rejects(tickets({ fetch: refusing }).ticket(tenant), (e: Error) => {
        assert.ok(!(e instanceof InstallationRevoked), `${status} "${text}" was taken for a revocation`);
        assert.ok(e instanceof TicketExchangeFailed, `${e.name}: ${e.message}`);
        assert.equal(e.superOfficeMessage, text, 'the message is kept exactly as SuperOffice wrote it');
        assert.equal(e.status, status);
        return true;
      });
    }
  }
  const silent: typeof fetch = async () => new Response('not json', { status: 403 });
  await assert.rejects(tickets({ fetch: silent }).ticket(tenant), (e: Error) => e instanceof TicketExchangeFailed && /HTTP 403/.test(e.superOfficeMessage));
});

test('tenant state: running gives the numbered API URL; a move changes it; maintenance defers', async () => {
  const states = new TenantStates(so.sim.url, so.fetch);
  const running = await states.requireRunning('Cust12345');
  assert.equal(running.webApiUrl, so.store.webApiUrl(so.tenant));
  assert.match(running.webApiUrl, /\/sod\d+\/Cust12345\/api\/$/);
  so.store.moveTenant(so.tenant);
  assert.equal((await states.get('Cust12345')).webApiUrl, running.webApiUrl, 'cached until told otherwise');
  states.forget('Cust12345');
  const moved = await states.get('Cust12345');
  assert.notEqual(moved.webApiUrl, running.webApiUrl);
  assert.equal(moved.webApiUrl, so.store.webApiUrl(so.tenant));
  so.tenant.state = 'OfflineMaintenance';
  try {
    states.forget('Cust12345');
    await assert.rejects(states.requireRunning('Cust12345'), (e: Error) => e instanceof TenantUnavailable && /OfflineMaintenance/.test(e.message));
  } finally {
    so.tenant.state = 'Running';
  }
});
