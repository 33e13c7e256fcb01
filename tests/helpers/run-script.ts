// Runs one of the project's TypeScript scripts as a real process (the way operators and other
// nodes run it) and collects what it printed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ScriptResult {
  code: number | null;
  /** stdout and stderr, interleaved as they arrived. */
  out: string;
}

/**
 * `env` is the child's whole environment: build it from `envWithout` so that nothing of the
 * test run's own configuration (a proxy, a secret key) leaks in by accident.
 */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** process.env minus the variables whose names match `drop`. */
export function envWithout(drop: RegExp): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !drop.test(k)));
}
