// A default appointment posts back unchanged (issue 12, 6). Against the whole simulator, with a
// real system-user ticket and @superoffice/webapi unchanged but for base URL and TLS trust: the
// system user is an associate of the tenant, so the default entity names it as owner and first
// participant, and SuperOffice takes the entity back as it gave it. A signed-in user's default is
// theirs in the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent as HttpsAgent } from 'node:https';
import { AppointmentAgent, AppointmentRestApi, ArchiveAgent, AssociateAgent, UserType } from '@superoffice/webapi';
import { startSuperOfficeSim, type SuperOfficeSim } from '../../helpers/superoffice-sim.ts';

let so: SuperOfficeSim;
let httpsAgent: HttpsAgent;
let base: string;
let ticket: string;
const tz = { timezone: 'UTC', timezoneInclude: true };

before(async () => {
  so = await startSuperOfficeSim();
  httpsAgent = new HttpsAgent({ ca: so.caPem });
  base = `${so.sim.url}/${so.store.hostAlias(so.tenant)}/${so.tenant.contextIdentifier}/api/`;
  ticket = so.store.issueTicket(so.seed.app.clientId, so.tenant).ticket;
});
after(async () => {
  httpsAgent.destroy();
  await so.close();
});

/** A config object of its own per agent: the SDK writes per-call headers into it. */
const systemCfg = () => ({ headers: { Authorization: `SOTicket ${ticket}`, 'SO-AppToken': so.seed.app.clientSecret }, httpsAgent });

test('REST: a system user default entity names the system associate and posts back unchanged', async () => {
  const systemId = so.tenant.systemAssociateId;
  const def = await new AppointmentRestApi(base, systemCfg()).getDefaultAsync(tz);
  const created = await new AppointmentRestApi(base, systemCfg()).postAsync(def, tz);
  assert.equal(def.associate?.associateId, systemId);
  assert.equal(def.associate?.type, UserType.SystemAssociate);
  assert.deepEqual(def.participants?.map((p) => p.associateId), [systemId]);
  assert.ok(created.appointmentId! > 0);
  assert.equal(created.associate?.associateId, systemId);
  assert.equal(created.startDate?.toISOString(), def.startDate?.toISOString());
  assert.deepEqual(created.participants?.map((p) => [p.associateId, p.personId]), def.participants?.map((p) => [p.associateId, p.personId]));
});

test('Agent: CreateDefaultAppointmentEntity then SaveAppointmentEntity, unchanged, with a system user ticket', async () => {
  const def = await new AppointmentAgent(base, systemCfg()).createDefaultAppointmentEntityAsync(tz);
  const saved = await new AppointmentAgent(base, systemCfg()).saveAppointmentEntityAsync(def, tz);
  assert.equal(def.associate?.associateId, so.tenant.systemAssociateId);
  assert.ok(saved.appointmentId! > 0);
  assert.equal(saved.associate?.associateId, so.tenant.systemAssociateId);
});

test('the system associate is known by id, as a SystemAssociate, and the AllUsers archive leaves it out', async () => {
  const systemId = so.tenant.systemAssociateId;
  const list = await new AssociateAgent(base, systemCfg()).getAssociateListAsync([systemId]);
  assert.deepEqual(list.map((a) => [a.associateId, a.type]), [[systemId, UserType.SystemAssociate]]);
  const users = await new ArchiveAgent(base, systemCfg()).getArchiveListByColumns2Async('AllUsers', 'associateDbId', 'associateDbId', '', 'all', 0, 100);
  assert.ok(users.length > 0);
  assert.deepEqual(users.map((r) => r.primaryKey).sort(), so.store.users(so.tenant).map((a) => a.associateId).sort());
  assert.ok(!users.some((r) => r.primaryKey === systemId));
});
