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
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["so-apptoken"]',
  'req.headers["x-superoffice-signature"]',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
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
