// With a data directory the simulator keeps what an app's stored grants depend on: the app's
// credentials, the admin consent and the refresh tokens. Calendars start empty after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as msal from '@azure/msal-node';
import { ADA, GRAPH_DEFAULT, startMsHarness } from './harness.ts';

test('Microsoft simulator: a restart with the same data directory keeps credentials, consent and refresh tokens', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'calsync-mssim-keep-'));
  try {
    const first = await startMsHarness({ dataDir });
    first.sim.control.grantAdminConsent();
    const cca = first.cca();
    const redirectUri = 'http://localhost:3999/cb';
    const url = await cca.getAuthCodeUrl({ scopes: ['Calendars.ReadWrite'], redirectUri, loginHint: ADA, extraQueryParameters: { sim_consent: 'accept' } });
    const code = new URL((await first.call(url)).headers.get('location')!).searchParams.get('code')!;
    const signedIn = await cca.acquireTokenByCode({ code, scopes: ['Calendars.ReadWrite'], redirectUri });
    const cache = cca.getTokenCache().serialize();
    const app = { ...first.sim.app };
    const port = Number(new URL(first.sim.loginUrl).port);
    assert.equal(((await stat(join(dataDir, 'microsoft-sim.json'))).mode & 0o777).toString(8), '600');
    await first.close();

    // Same port: msal files its tokens under the authority's host:port.
    const second = await startMsHarness({ dataDir, port });
    try {
      assert.deepEqual(second.sim.app, app);
      assert.ok(await second.cca().acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }), 'the admin consent survived');
      const again = second.cca();
      await again.getTokenCache().deserialize(cache);
      const refreshed = await again.acquireTokenSilent({ account: signedIn.account!, scopes: ['Calendars.ReadWrite'], forceRefresh: true });
      assert.ok(refreshed.accessToken, 'the refresh token survived');
      second.sim.control.revokeRefreshTokens(ADA);
      await assert.rejects(again.acquireTokenSilent({ account: signedIn.account!, scopes: ['Calendars.ReadWrite'], forceRefresh: true }), msal.InteractionRequiredAuthError);
    } finally {
      await second.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
