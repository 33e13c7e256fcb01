// One pino logger for the whole process. Secrets never reach the log: known secret-bearing fields
// are redacted wherever they appear, and request URLs are logged without their query strings.
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'ticket',
  'authorization',
  'cookie',
  'clientSecret',
  'refreshToken',
  'accessToken',
  'systemToken',
  'ciphertext',
  '*.password',
  '*.secret',
  '*.token',
  '*.ticket',
  '*.authorization',
  '*.cookie',
  '*.clientSecret',
  '*.refreshToken',
  '*.accessToken',
  '*.systemToken',
  '*.ciphertext',
  // Two levels down as well: payloads nest credentials (job.credential.secret).
  '*.*.password',
  '*.*.secret',
  '*.*.token',
  '*.*.ticket',
  '*.*.clientSecret',
  '*.*.refreshToken',
  '*.*.accessToken',
  '*.*.systemToken',
  '*.*.ciphertext',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["so-apptoken"]',
  'req.headers["x-superoffice-signature"]',
  'res.headers["set-cookie"]',
];

export interface LogTargets {
  /** Write every line at `level` to this file instead of stdout (the sandbox keeps its console quiet). */
  file?: string;
  /** With `file`: lines at this level and above also go to stderr. */
  consoleLevel?: pino.Level;
}

export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
  targets: LogTargets = {},
): Logger {
  if (!destination && targets.file) {
    destination = pino.multistream([
      { level: level as pino.Level, stream: pino.destination({ dest: targets.file, mkdir: true, sync: false }) },
      { level: targets.consoleLevel ?? 'warn', stream: pino.destination(2) },
    ]);
  }
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
