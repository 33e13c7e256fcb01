// The tenant's directory through the app's own access, against the simulator: every user across
// pages, users found by mail or UPN, and the consent check that names Microsoft's reason when the
// administrator's consent is gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listDirectoryUsers, usersByEmail, verifyConsent } from '../../../server/providers/graph/directory.ts';
import { AuthorizationRevoked } from '../../../server/sync/errors.ts';
import { ADA, startGraphHarness, type GraphHarness } from './harness.ts';

let h: GraphHarness;
before(async () => {
  h = await startGraphHarness({ extraUsers: 7 });
});
after(() => h.close());

test('every directory user is listed, page after page, and found by mail or UPN', async () => {
  h.sent.length = 0;
  const users = await listDirectoryUsers(h.app, { pageSize: 3 });
  assert.equal(users.length, h.sim.users.length);
  assert.equal(h.sent.length, Math.ceil(h.sim.users.length / 3));
  const ada = h.sim.users.find((u) => u.userPrincipalName === ADA)!;
  assert.deepEqual(users.find((u) => u.id === ada.id), { id: ada.id, userPrincipalName: ada.userPrincipalName, mail: ada.mail, displayName: ada.displayName });
  const index = usersByEmail(users);
  assert.equal(index.get(ADA)?.id, ada.id);
  assert.equal(index.get(ada.mail.toLowerCase())?.id, ada.id);
});

test('consent is verified by reading the directory; a tenant without it is refused with the AADSTS reason', async () => {
  await verifyConsent(h.app);
  h.sim.control.revokeAdminConsent({ expireTokens: true });
  try {
    // A profile whose app never held a token: the sign-in itself is refused.
    const fresh = h.clients.application({ ...h.profile, id: 'profile-unconsented' });
    const err = await verifyConsent(fresh).catch((e: unknown) => e);
    assert.ok(err instanceof AuthorizationRevoked, String(err));
    assert.match(err.message, /^Microsoft 365 refused the sign-in: .*\(AADSTS\d+\)$/);
    // The app with a token from before: Graph refuses it, a new one is refused at sign-in.
    const again = await verifyConsent(h.app).catch((e: unknown) => e);
    assert.ok(again instanceof AuthorizationRevoked, String(again));
  } finally {
    h.sim.control.grantAdminConsent();
  }
  await verifyConsent(h.app);
});
