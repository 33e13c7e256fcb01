// One schema for every environment variable the app reads. Anything invalid or half-given stops the
// process with exit code 2 and a message listing each bad variable, so a typo in production never
// turns into a silent fallback to the sandbox.
import { z } from 'zod';

export type Mode = 'sandbox' | 'production';
export type Role = 'web' | 'worker' | 'all';

const port = (dflt: number) => {
  const msg = 'a port number 0-65535';
  return z.coerce.number({ error: msg }).int(msg).min(0, msg).max(65535, msg).default(dflt);
};

const positiveInt = (dflt: number) => {
  const msg = 'a positive whole number';
  return z.coerce.number({ error: msg }).int(msg).positive(msg).default(dflt);
};

const httpsUrl = z
  .string()
  .url('an absolute URL such as https://sync.example.com')
  .refine((u) => u.startsWith('https://') || u.startsWith('http://'), 'an http(s) URL');

const postgresUrl = z
  .string()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'a postgres:// connection URL');

/** `id:base64` where the base64 decodes to 32 bytes (AES-256). */
const secretKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]+$/, 'KEYID:BASE64 with a 32-byte key (openssl rand -base64 32)')
  .refine((v) => Buffer.from(v.slice(v.indexOf(':') + 1), 'base64').length === 32, 'a key of exactly 32 bytes');

/** Each variable with its meaning and default; README's configuration table mirrors this list. */
export const variables = {
  APP_MODE: z.enum(['sandbox', 'production'], { error: 'sandbox or production' }).optional(),
  PORT: port(3000),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: httpsUrl.optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: positiveInt(10),
  SECRET_KEY: secretKey.optional(),
  SECRET_KEYS_PREVIOUS: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v.split(',').every((k) => secretKey.safeParse(k.trim()).success),
      'a comma-separated list of KEYID:BASE64 keys',
    ),
  SUPEROFFICE_ENVIRONMENT: z.enum(['sod', 'stage', 'online'], { error: 'sod, stage or online' }).optional(),
  SUPEROFFICE_CLIENT_ID: z.string().min(1).optional(),
  SUPEROFFICE_CLIENT_SECRET: z.string().min(1).optional(),
  SUPEROFFICE_PRIVATE_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.includes('PRIVATE KEY') || v.includes('<RSAKeyValue>'), 'an RSA private key (PEM or RSA XML)'),
  // The app's own multi-tenant Entra ID registration: customers' administrators consent to it.
  MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  MICROSOFT_LOGIN_URL: httpsUrl.default('https://login.microsoftonline.com'),
  MICROSOFT_GRAPH_URL: httpsUrl.default('https://graph.microsoft.com/v1.0'),
  FRAME_ANCESTORS: z.string().optional(),
  /** Bearer token for GET /metrics; without it /metrics is off in production (open in the sandbox). */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters (openssl rand -hex 32)').optional(),
  /** Rate limits per client address (per /56 for IPv6), counted in PostgreSQL across nodes. */
  RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
  /** Sign-in starts (/superoffice/install, /panel-auth/start) per address per window: each writes a row. */
  RATE_LIMIT_SIGN_IN: positiveInt(60),
  /** Other unauthenticated requests (sign-in and consent callbacks, the session claim) per address per window. */
  RATE_LIMIT_PUBLIC: positiveInt(600),
  /** Sign-ins under way at once (pending_logins rows); a start beyond it answers 503. The table's own ceiling is 100,000. */
  PENDING_LOGINS_MAX: positiveInt(10_000).pipe(z.number().max(100_000, 'at most 100000')),
  WORKER_CONCURRENCY: positiveInt(4),
  SHUTDOWN_TIMEOUT_MS: positiveInt(20_000),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size such as 1mb or 200kb').default('1mb'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'fatal, error, warn, info, debug, trace or silent' })
    .default('info'),
  DATA_DIR: z.string().min(1).default('.data'),
  /** Sandbox only: whether the demo tenant's Microsoft 365 profile is set up at start or left to the administrator panel. */
  SANDBOX_DEMO_MICROSOFT: z.enum(['connect', 'skip'], { error: 'connect or skip' }).default('connect'),
};

/** Production needs all of these; giving only some of them is the "half-given" case. */
const productionRequired = [
  'PUBLIC_URL',
  'DATABASE_URL',
  'SECRET_KEY',
  'SUPEROFFICE_ENVIRONMENT',
  'SUPEROFFICE_CLIENT_ID',
  'SUPEROFFICE_CLIENT_SECRET',
  'SUPEROFFICE_PRIVATE_KEY',
] as const;

/** Setting any of these means the operator wants production, never the sandbox. */
const productionSignals = productionRequired.filter((k) => k.startsWith('SUPEROFFICE_'));

const schema = z.object(variables);
type Parsed = z.infer<typeof schema>;

export interface Config extends Omit<Parsed, 'SECRET_KEYS_PREVIOUS' | 'APP_MODE' | 'FRAME_ANCESTORS' | 'HOST'> {
  /** 127.0.0.1 in the sandbox (nothing outside this machine reaches it), 0.0.0.0 in production. */
  HOST: string;
  mode: Mode;
  role: Role;
  frameAncestors: string[];
  secretKeysPrevious: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const SUPEROFFICE_HOSTS = {
  sod: ['https://sod.superoffice.com', 'https://*.superoffice.com'],
  stage: ['https://qaonline.superoffice.com', 'https://*.superoffice.com'],
  online: ['https://online.superoffice.com', 'https://*.superoffice.com'],
};

function parseRole(argv: string[]): Role | string {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (i < 0) return 'all';
  const value = argv[i]!.includes('=') ? argv[i]!.split('=')[1]! : argv[i + 1];
  return value ?? '';
}

/** Reads configuration from an environment (process.env by default). Throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): Config {
  const problems: string[] = [];
  // Empty strings are how shells and .env files say "not set".
  const input = Object.fromEntries(Object.keys(variables).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const result = schema.safeParse(input);
  if (!result.success) {
    const seen = new Set<string>();
    for (const issue of result.error.issues) {
      const name = String(issue.path[0]);
      if (seen.has(name)) continue; // one line per variable: the first thing wrong with it
      seen.add(name);
      // Secrets are named but never echoed back.
      const got = /SECRET|KEY|TOKEN|DATABASE_URL/.test(name) ? 'a value that does not fit' : JSON.stringify(input[name]);
      problems.push(`${name}: expected ${issue.message}, got ${got}`);
    }
  }
  const role = parseRole(argv);
  if (role !== 'web' && role !== 'worker' && role !== 'all') {
    problems.push(`--role: expected one of web, worker, all, got ${JSON.stringify(role)}`);
  }
  const given = (k: string) => input[k] !== undefined;
  let mode: Mode = (input.APP_MODE as Mode | undefined) ?? (productionSignals.some(given) ? 'production' : 'sandbox');
  if (mode === 'production') {
    for (const k of productionRequired) {
      if (!given(k)) problems.push(`${k}: required in production (${describeMissing(k)})`);
    }
  }
  // One without the other is the half-written case: say so rather than run without Microsoft 365.
  if (given('MICROSOFT_CLIENT_ID') !== given('MICROSOFT_CLIENT_SECRET')) {
    const missing = given('MICROSOFT_CLIENT_ID') ? 'MICROSOFT_CLIENT_SECRET' : 'MICROSOFT_CLIENT_ID';
    problems.push(`${missing}: required together with ${missing === 'MICROSOFT_CLIENT_ID' ? 'MICROSOFT_CLIENT_SECRET' : 'MICROSOFT_CLIENT_ID'} (the app's Entra ID registration for Microsoft 365)`);
  }
  if (problems.length) throw new ConfigError(problems);
  const c = result.data!;
  const frameAncestors = c.FRAME_ANCESTORS
    ? c.FRAME_ANCESTORS.split(/[\s,]+/).filter(Boolean)
    : mode === 'production'
      ? SUPEROFFICE_HOSTS[c.SUPEROFFICE_ENVIRONMENT ?? 'online']
      : ["'self'"];
  const { SECRET_KEYS_PREVIOUS, APP_MODE: _m, FRAME_ANCESTORS: _f, ...rest } = c;
  return {
    ...rest,
    HOST: rest.HOST ?? (mode === 'sandbox' ? '127.0.0.1' : '0.0.0.0'),
    mode,
    role: role as Role,
    frameAncestors,
    secretKeysPrevious: SECRET_KEYS_PREVIOUS ? SECRET_KEYS_PREVIOUS.split(',').map((k) => k.trim()) : [],
  };
}

function describeMissing(k: (typeof productionRequired)[number]): string {
  return {
    PUBLIC_URL: 'the https URL SuperOffice reaches this app at',
    DATABASE_URL: 'a postgres:// connection URL',
    SECRET_KEY: 'KEYID:BASE64 with a 32-byte key, for encrypting secrets at rest',
    SUPEROFFICE_ENVIRONMENT: 'sod, stage or online',
    SUPEROFFICE_CLIENT_ID: 'the app\'s client id from the SuperOffice developer portal',
    SUPEROFFICE_CLIENT_SECRET: 'the app\'s client secret (application token)',
    SUPEROFFICE_PRIVATE_KEY: 'the RSA private key registered for the system user',
  }[k];
}
