// Runs `server/main.ts` as a real process, the way `npm start` does, and reads what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AppProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `re` in stdout+stderr; rejects if the process exits first. */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Environment of the test run minus anything that would switch the app into production. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SUPEROFFICE_') || k === 'APP_MODE') delete env[k];
  return env;
}

export function startAppProcess(env: NodeJS.ProcessEnv, args: string[] = []): AppProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
    cwd: ROOT,
    env: { ...baseEnv(), LOG_LEVEL: 'info', ...env },
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor(re) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) return resolve(m);
          if (done) return reject(new Error(`process exited before printing ${re}:\n${out}`));
          waiters.push(check);
        };
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `url` until it answers `status`; fails at once if `app` exits meanwhile. */
export async function waitForStatus(url: string, status: number, app?: AppProcess): Promise<Response> {
  let exited = false;
  void app?.exited.then(() => (exited = true));
  for (;;) {
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === status) return res;
    if (exited) throw new Error(`the app exited before ${url} answered ${status}:\n${app!.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
