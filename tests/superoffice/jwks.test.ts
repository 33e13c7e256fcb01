// SuperOfficeKeys against the simulator's system-user tickets. No SuperOffice document says the
// ticket's header names its key (`kid`), so the simulator can leave it out or name a key its JWKS
// lacks (control settings `ticketKid`); either way the app verifies the ticket by the key that
// signed it, and refuses one that no key of the set signed.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { TicketKid } from '../../sandbox/superoffice/store.ts';
import { InvalidSuperOfficeToken } from '../../server/superoffice/errors.ts';
import { CLAIM, SuperOfficeKeys } from '../../server/superoffice/jwks.ts';
import { startSuperOfficeSim, type SuperOfficeSim } from '../helpers/superoffice-sim.ts';

let so: SuperOfficeSim;

before(async () => {
  so = await startSuperOfficeSim();
});
afterEach(() => setTicketKid('listed'));
after(() => so.close());

async function setTicketKid(ticketKid: TicketKid): Promise<void> {
  const res = await so.fetch(`${so.sim.url}/control/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ticketKid }),
  });
  assert.equal(res.status, 200);
}

/** The ticket JWT, straight from PartnerSystemUser/Authenticate. */
async function ticketJwt(): Promise<string> {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const data = `${so.systemToken}.${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
  const res = await so.fetch(`${so.sim.url}/Login/api/PartnerSystemUser/Authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      SignedSystemToken: `${data}.${sign('RSA-SHA256', Buffer.from(data), so.privateKey).toString('base64')}`,
      ApplicationToken: so.seed.app.clientSecret,
      ContextIdentifier: so.tenant.contextIdentifier,
      ReturnTokenType: 'JWT',
    }),
  });
  const body = (await res.json()) as { IsSuccessful: boolean; Token: string | null; ErrorMessage: string };
  assert.equal(body.IsSuccessful, true, body.ErrorMessage);
  return body.Token!;
}

function counting(): { fetch: typeof fetch; jwksReads: () => number } {
  let reads = 0;
  return {
    fetch: (input, init) => {
      if (String(input).endsWith('/jwks')) reads++;
      return so.fetch(input, init);
    },
    jwksReads: () => reads,
  };
}

const newKeys = (fetchFn: typeof fetch = so.fetch) => new SuperOfficeKeys(`${so.sim.url}/login/.well-known/jwks`, fetchFn);
const ticketChecks = () => ({ issuer: 'SuperOffice AS', audience: `spn:${so.tenant.serial}` });
const header = (token: string) => jwt.decode(token, { complete: true })!.header;

/** The claims of `token` signed again by a key SuperOffice does not have. */
function forged(token: string, kid: string | undefined): string {
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  // By hand: the ticket's `iat` is a string, which jsonwebtoken's sign() refuses.
  const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', ...(kid !== undefined && { kid }) })).toString('base64url');
  const input = `${head}.${token.split('.')[1]}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), foreign).toString('base64url')}`;
}

test('a ticket whose header names no kid is verified by the JWKS key that signed it, on a fresh key set and a loaded one', async () => {
  const loaded = newKeys();
  await loaded.verify(await ticketJwt(), ticketChecks());
  await setTicketKid('none');
  const token = await ticketJwt();
  assert.equal(header(token).kid, undefined);
  for (const keys of [newKeys(), loaded]) {
    const claims = await keys.verify(token, ticketChecks());
    assert.equal(claims[CLAIM('ctx')], so.tenant.contextIdentifier);
    assert.match(String(claims[CLAIM('ticket')]), /^7T:/);
  }
});

test('a ticket naming a kid the JWKS lacks is verified after one JWKS read', async () => {
  await setTicketKid('unlisted');
  const token = await ticketJwt();
  const { kid } = header(token);
  assert.ok(kid);
  const listedKids = ((await (await so.fetch(`${so.sim.url}/login/.well-known/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
  assert.ok(!listedKids.includes(kid), 'the header names a key the JWKS does not list');
  const c = counting();
  const claims = await newKeys(c.fetch).verify(token, ticketChecks());
  assert.equal(claims[CLAIM('ctx')], so.tenant.contextIdentifier);
  assert.equal(c.jwksReads(), 1);
});

test('a ticket without kid, or with an unknown kid, signed by a foreign key is refused; the claims stay checked', async () => {
  const keys = newKeys();
  const genuine = await ticketJwt();
  for (const kid of [undefined, 'not-in-the-jwks']) {
    await assert.rejects(keys.verify(forged(genuine, kid), ticketChecks()), (e: Error) => {
      assert.ok(e instanceof InvalidSuperOfficeToken, e.message);
      assert.match(e.message, /invalid signature: no key of SuperOffice's signing keys verifies it/);
      return true;
    });
  }
  await setTicketKid('none');
  const withoutKid = await ticketJwt();
  await assert.rejects(keys.verify(withoutKid, { ...ticketChecks(), audience: 'spn:1234567890' }), (e: Error) => e instanceof InvalidSuperOfficeToken && /audience/.test(e.message));
  await assert.rejects(keys.verify(withoutKid, { ...ticketChecks(), issuer: 'https://sod.superoffice.com' }), (e: Error) => e instanceof InvalidSuperOfficeToken && /issuer/.test(e.message));
});
