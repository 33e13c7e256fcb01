// Entry point: `tsx server/main.ts [--role web|worker|all]`.
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './log.ts';
import { PortInUseError } from './http/listen.ts';
import { startApp } from './app.ts';
import { EgressConfigError } from './net/egress.ts';
import { SandboxKeyError } from './security/sandbox-key.ts';
import { SecretError } from './security/secrets.ts';
import { RsaKeyError } from './superoffice/rsa-key.ts';
import { resolve } from 'node:path';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

// The sandbox keeps its console for the one line that matters (and warnings); the full log goes to
// a file. Production logs JSON lines to stdout for the platform to collect.
const logFile = config.mode === 'sandbox' ? resolve(config.DATA_DIR, 'sandbox.log') : undefined;
const log = createLogger(config.LOG_LEVEL, undefined, { file: logFile });

// A stray rejection or exception is logged with its cause; the process then stops cleanly
// rather than limping on in an unknown state (the supervisor restarts it).
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));

try {
  const app = await startApp(config, log);
  // Ctrl-C reaches us twice: from the terminal's process group and relayed by tsx. Only a signal
  // that comes well after the first one means "stop now, don't wait".
  let firstSignalAt = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (firstSignalAt) {
      if (Date.now() - firstSignalAt < 2000) return;
      log.warn({ signal: sig }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    if (config.mode === 'sandbox') console.log('Stopping: finishing running jobs (press Ctrl-C again to quit at once)');
    app.stop(sig).then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await app.ready;
  // After a signal during start-up there is nothing to announce: the shutdown says the rest.
  if (!firstSignalAt && config.mode === 'sandbox') {
    console.log(`Calendar Sync sandbox is ready: open ${app.url}/sandbox  (log: ${logFile})`);
  } else if (!firstSignalAt) {
    log.info({ url: app.url }, 'ready');
  }
} catch (err) {
  if (err instanceof PortInUseError) {
    console.error(err.message);
    process.exit(1);
  }
  // Configuration found wrong only while starting (a proxy URL, the sandbox key file, the RSA key).
  if (err instanceof EgressConfigError || err instanceof SandboxKeyError || err instanceof SecretError || err instanceof RsaKeyError) {
    console.error(`Invalid configuration:\n  - ${err.message}`);
    process.exit(2);
  }
  log.fatal({ err }, 'could not start');
  process.exit(1);
}
