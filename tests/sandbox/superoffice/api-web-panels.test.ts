// List agent web panels through the SDK's ListAgent: provisioning by ProgId stays idempotent, and the
// app-scoped calls see only the calling app's panels.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ListAgent } from '@superoffice/webapi';
import { startHarness, type Harness } from './api-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const list = (appToken = 'app-token') => new ListAgent(h.baseUrl, h.cfg('test-ticket', appToken));

/** What an installer does: look the panel up by ProgId, then create or update it. */
async function provision(progId: string, url: string) {
  const existing = await list().getWebPanelByProgIdAsync(progId);
  const panel = existing ?? (await list().createDefaultWebPanelEntityAsync());
  Object.assign(panel, { name: 'Calendar Sync', progId, url, visibleIn: 'ActivityDialog', urlEncoding: 'Unicode', tooltip: 'Calendar Sync by Example AS' });
  return list().saveWebPanelEntityAsync(panel);
}

test('panels are saved, found by ProgId and updated in place, never duplicated', async () => {
  const first = await provision('calsync.appointment', 'https://app.example/panel?ctx=<uctx>&assoc=<usid>');
  assert.ok(first.webPanelId! > 0);
  assert.equal(first.visibleIn, 'ActivityDialog');
  const again = await provision('calsync.appointment', 'https://app.example/panel/v2?ctx=<uctx>&assoc=<usid>');
  assert.equal(again.webPanelId, first.webPanelId);
  const all = await list().getWebPanelListAsync();
  assert.equal(all.filter((p) => p.progId === 'calsync.appointment').length, 1);
  assert.equal((await list().getWebPanelEntityAsync(first.webPanelId!)).url, 'https://app.example/panel/v2?ctx=<uctx>&assoc=<usid>');
  assert.equal(await list().getWebPanelByProgIdAsync('no.such.panel'), null);

  // Numeric enums are accepted too (ActivityDialog = 11).
  const raw = await h.raw('POST', 'v1/Agents/List/SaveWebPanelEntity', { name: 'Numeric', progId: 'calsync.numeric', visibleIn: 11, urlEncoding: 3 });
  assert.equal((raw.body as Record<string, unknown>).VisibleIn, 'ActivityDialog');
  assert.equal((raw.body as Record<string, unknown>).UrlEncoding, 'Unicode');
});

test('GetAppWebPanels and DeleteAppWebPanels are scoped to the calling app', async () => {
  const other = await list('other-token').saveWebPanelEntityAsync({ ...(await list('other-token').createDefaultWebPanelEntityAsync()), name: 'Other', progId: 'other.panel' });
  const mine = (await list().getAppWebPanelsAsync()).map((p) => p.progId).sort();
  assert.deepEqual(mine, ['calsync.appointment', 'calsync.numeric']);
  assert.deepEqual((await list('other-token').getAppWebPanelsAsync()).map((p) => p.progId), ['other.panel']);
  await list().deleteAppWebPanelsAsync();
  assert.deepEqual(await list().getAppWebPanelsAsync(), []);
  assert.deepEqual((await list().getWebPanelListAsync()).map((p) => p.webPanelId), [other.webPanelId]);
  await list().deleteWebPanelAsync(other.webPanelId!);
  assert.deepEqual(await list().getWebPanelListAsync(), []);
});
