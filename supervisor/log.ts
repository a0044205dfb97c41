import { pino, type Logger } from 'pino';
import { redact } from './secrets.ts';

export type { Logger };

/**
 * One JSON-lines stream for the whole appliance. Components get child loggers tagged
 * `component`, so a child's output and the supervisor's own lines can be told apart.
 * Redaction is a backstop: code must not pass secrets to the logger in the first place.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.password', '*.secretAccessKey', '*.sessionToken', '*.authorization', '*.Authorization', 'password', 'secretAccessKey', 'sessionToken'],
        censor: '[redacted]',
      },
      // Every line, whatever field a secret ended up in (a child's echoed error, a refused bundle's message).
      hooks: { streamWrite: redact },
    },
    options.destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

/** A logger that drops everything: for library use where the caller wants silence. */
export const silentLogger: Logger = pino({ level: 'silent' });
