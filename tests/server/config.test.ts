import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../server/config.ts';

const key = (id: string, byte = 1) => `${id}:${Buffer.alloc(32, byte).toString('base64')}`;
const production = {
  PUBLIC_URL: 'https://sync.example.com',
  DATABASE_URL: 'postgres://app@db.example.com/calsync',
  SECRET_KEY: key('k1'),
  SUPEROFFICE_ENVIRONMENT: 'online',
  SUPEROFFICE_CLIENT_ID: 'client-id',
  SUPEROFFICE_CLIENT_SECRET: 'client-secret',
  SUPEROFFICE_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
};

function problems(env: Record<string, string>, argv: string[] = []): string[] {
  try {
    loadConfig(env, argv);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('no configuration at all means the sandbox, with defaults', () => {
  const c = loadConfig({}, []);
  assert.equal(c.mode, 'sandbox');
  assert.equal(c.role, 'all');
  assert.equal(c.PORT, 3000);
  assert.equal(c.HOST, '127.0.0.1');
  assert.deepEqual(c.frameAncestors, ["'self'"]);
  assert.equal(c.DATA_DIR, '.data');
  assert.equal(c.SANDBOX_DEMO_MICROSOFT, 'connect');
});

test('the sandbox can leave the Microsoft 365 set-up to the administrator panel', () => {
  assert.equal(loadConfig({ SANDBOX_DEMO_MICROSOFT: 'skip' }, []).SANDBOX_DEMO_MICROSOFT, 'skip');
  assert.deepEqual(problems({ SANDBOX_DEMO_MICROSOFT: 'no' }), ['SANDBOX_DEMO_MICROSOFT: expected connect or skip, got "no"']);
});

test('a complete production configuration is accepted and frames only SuperOffice hosts', () => {
  const c = loadConfig(production, ['--role', 'worker']);
  assert.equal(c.mode, 'production');
  assert.equal(c.role, 'worker');
  assert.equal(c.HOST, '0.0.0.0');
  assert.ok(c.frameAncestors.every((h) => h.endsWith('superoffice.com')));
});

test('one SuperOffice variable alone never falls back to the sandbox: every missing one is listed', () => {
  const p = problems({ SUPEROFFICE_CLIENT_ID: 'x' });
  for (const name of ['PUBLIC_URL', 'DATABASE_URL', 'SECRET_KEY', 'SUPEROFFICE_ENVIRONMENT', 'SUPEROFFICE_CLIENT_SECRET', 'SUPEROFFICE_PRIVATE_KEY']) {
    assert.ok(p.some((l) => l.startsWith(`${name}:`)), `${name} not listed in ${p.join('\n')}`);
  }
  assert.ok(!p.some((l) => l.startsWith('SUPEROFFICE_CLIENT_ID:')));
});

test('APP_MODE=production demands the production variables even without SuperOffice ones', () => {
  const p = problems({ APP_MODE: 'production' });
  assert.ok(p.some((l) => l.startsWith('DATABASE_URL:')));
});

test('each bad value is named once, with what it expects, and secrets are not echoed', () => {
  const p = problems({
    ...production,
    PORT: 'eighty',
    SECRET_KEY: 'k1:c2hvcnQ=',
    DATABASE_URL: 'mysql://secret-password@x/y',
    LOG_LEVEL: 'loud',
    WORKER_CONCURRENCY: '0',
  });
  assert.equal(p.length, 5, p.join('\n'));
  assert.match(p.find((l) => l.startsWith('PORT:'))!, /port number 0-65535.*"eighty"/);
  assert.match(p.find((l) => l.startsWith('SECRET_KEY:'))!, /32 bytes/);
  assert.ok(!p.join('\n').includes('secret-password'));
  assert.ok(!p.join('\n').includes('c2hvcnQ'));
  assert.match(p.find((l) => l.startsWith('LOG_LEVEL:'))!, /fatal, error, warn/);
  assert.match(p.find((l) => l.startsWith('WORKER_CONCURRENCY:'))!, /positive whole number/);
});

test('--role accepts web, worker, all and rejects anything else', () => {
  assert.equal(loadConfig({}, ['--role=web']).role, 'web');
  assert.equal(loadConfig({}, ['--role', 'all']).role, 'all');
  assert.match(problems({}, ['--role', 'cron'])[0]!, /--role: expected one of web, worker, all/);
});

test('previous secret keys are parsed for rotation and validated', () => {
  const c = loadConfig({ SECRET_KEY: key('k2', 2), SECRET_KEYS_PREVIOUS: `${key('k1')}, ${key('k0', 3)}` }, []);
  assert.deepEqual(c.secretKeysPrevious, [key('k1'), key('k0', 3)]);
  assert.match(problems({ SECRET_KEYS_PREVIOUS: 'nope' })[0]!, /SECRET_KEYS_PREVIOUS/);
});

test('empty strings count as unset, as shells and .env files write them', () => {
  const c = loadConfig({ SUPEROFFICE_CLIENT_ID: '', PORT: '' }, []);
  assert.equal(c.mode, 'sandbox');
  assert.equal(c.PORT, 3000);
});

test('FRAME_ANCESTORS overrides the default list', () => {
  const c = loadConfig({ ...production, FRAME_ANCESTORS: 'https://a.example.com https://b.example.com' }, []);
  assert.deepEqual(c.frameAncestors, ['https://a.example.com', 'https://b.example.com']);
});

test('the Microsoft 365 registration is both variables or neither, and its endpoints default to the public cloud', () => {
  assert.deepEqual(problems({ ...production, MICROSOFT_CLIENT_ID: 'ms-client' }), [
    'MICROSOFT_CLIENT_SECRET: required together with MICROSOFT_CLIENT_ID (the app\'s Entra ID registration for Microsoft 365)',
  ]);
  assert.equal(problems({ ...production, MICROSOFT_CLIENT_SECRET: 'shh' })[0]?.startsWith('MICROSOFT_CLIENT_ID: required together'), true);
  const c = loadConfig({ ...production, MICROSOFT_CLIENT_ID: 'ms-client', MICROSOFT_CLIENT_SECRET: 'shh' }, []);
  assert.equal(c.MICROSOFT_LOGIN_URL, 'https://login.microsoftonline.com');
  assert.equal(c.MICROSOFT_GRAPH_URL, 'https://graph.microsoft.com/v1.0');
});
