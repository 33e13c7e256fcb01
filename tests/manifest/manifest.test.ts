import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  loadManifest,
  MANIFEST_PATH,
  ManifestError,
  panelUrlTags,
  parseManifest,
  renderPanelUrl,
  VISIBLE_IN,
} from '../../manifest/manifest.ts';

type RawManifest = { webPanels: Array<Record<string, unknown> & { key: string }> } & Record<string, unknown>;
const raw = () => JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as RawManifest;
const panelOf = (m: RawManifest, key: string) => m.webPanels.find((p) => p.key === key)!;

test('every web panel URL carries <uctx> and <usid> and never <usec>', () => {
  const m = loadManifest();
  assert.equal(m.webPanels.length, 3);
  for (const p of m.webPanels) {
    const tags = panelUrlTags(p.url);
    assert.ok(tags.includes('uctx'), `${p.key} carries uctx`);
    assert.ok(tags.includes('usid'), `${p.key} carries usid`);
    assert.ok(!p.url.toLowerCase().includes('usec'), `${p.key} never carries usec`);
    assert.ok(p.description.includes('Calendar Sync for SuperOffice'), `${p.key} names the app in its description`);
    assert.ok(!p.url.startsWith('/') && !/^[a-z]+:/i.test(p.url), `${p.key} is relative to the public URL`);
  }
  assert.ok(panelUrlTags(m.panel('appointment').url).includes('baid'));
  assert.equal(VISIBLE_IN[m.panel('appointment').visibleIn], 11, 'the appointment panel sits in the ActivityDialog');
  assert.equal(new Set(m.webPanels.map((p) => p.progId)).size, 3, 'ProgIds are unique');
  assert.deepEqual(m.webhook.events, ['activity.created', 'activity.changed', 'activity.deleted']);
});

test('a manifest that breaks a certification rule is refused with every problem named', () => {
  const bad = raw();
  panelOf(bad, 'admin').url = 'panel/admin?ctx=<uctx>&secret=<usec>';
  panelOf(bad, 'appointment').url = 'panel/appointment?ctx=<uctx>&assoc=<usid>';
  panelOf(bad, 'user').description = 'A panel';
  assert.throws(
    () => parseManifest(bad),
    (err: unknown) => {
      assert.ok(err instanceof ManifestError);
      const all = err.problems.join('\n');
      assert.match(all, /webPanels\[admin\]\.url: must carry <usid>/);
      assert.match(all, /webPanels\[admin\]\.url: must never carry <usec>/);
      assert.match(all, /webPanels\[appointment\]\.url: an appointment-dialog panel must carry <baid>/);
      assert.match(all, /webPanels\[user\]\.description: must name the app/);
      return true;
    },
  );
  const absolute = raw();
  panelOf(absolute, 'user').url = 'https://evil.example/panel?ctx=<uctx>&assoc=<usid>';
  assert.throws(() => parseManifest(absolute), /relative to the public URL/);
});

test('renderPanelUrl substitutes tags URL-encoded, empties unknown ones and joins to the public URL', () => {
  const url = renderPanelUrl('panel/user?ctx=<uctx>&assoc=<usid>&name=<user>&x=<ser#>&admin=<adm?>', 'https://sync.example.com/app/', {
    uctx: 'Cust12345',
    usid: 5,
    user: 'Bjørn Haugen & Co=1?',
    'adm?': 1,
  });
  assert.equal(
    url,
    'https://sync.example.com/app/panel/user?ctx=Cust12345&assoc=5&name=Bj%C3%B8rn%20Haugen%20%26%20Co%3D1%3F&x=&admin=1',
  );
  const parsed = new URL(url);
  assert.equal(parsed.searchParams.get('name'), 'Bjørn Haugen & Co=1?', 'the value survives a round trip');
  assert.equal(parsed.searchParams.get('x'), '');
  assert.equal(renderPanelUrl('panel/a?c=<uctx>', 'http://127.0.0.1:3000', { uctx: 'a/b' }), 'http://127.0.0.1:3000/panel/a?c=a%2Fb');
});

test('renderPanelUrl refuses <usec> even when a value for it is given', () => {
  assert.throws(() => renderPanelUrl('panel/x?ctx=<uctx>&s=<usec>', 'https://a.example', { uctx: 'C', usec: 'secret' }), /usec/);
  assert.throws(() => renderPanelUrl('panel/x?s=<USEC>', 'https://a.example', {}), /usec/);
});

test('renderPanelUrl refuses a public URL that is not a URL', () => {
  assert.throws(() => renderPanelUrl('panel/x?ctx=<uctx>', 'not a url', { uctx: 'C' }));
});
