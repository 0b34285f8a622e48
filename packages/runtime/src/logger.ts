import { pino, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

/** Paths redacted from every log line (values replaced by "[Redacted]"). */
export const REDACT_PATHS: readonly string[] = [
  'apiKey',
  'token',
  'password',
  'secret',
  '*.apiKey',
  '*.token',
  '*.password',
  '*.secret',
  // Telegram user session (apps/telegram-poller): the session string signs in as the account.
  'session',
  '*.session',
  'apiHash',
  '*.apiHash',
  'TELEGRAM_SESSION',
  '*.TELEGRAM_SESSION',
  'TELEGRAM_API_HASH',
  '*.TELEGRAM_API_HASH',
  'headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers.cookie',
];

export interface CreateLoggerOptions {
  name: string;
  level?: string;
  /** Human-readable output through pino-pretty (development only). Default false: JSON lines. */
  pretty?: boolean;
  /** Where lines go. Default: stdout (synchronous writes, so nothing is lost at exit). */
  destination?: NodeJS.WritableStream;
}

/**
 * The root logger of a process. Packages never call this; they receive a logger (usually a
 * `child({ component })`) from the app that owns the process. Errors go under `err`.
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[Redacted]' },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.pretty) {
    const stream = pinoPretty({
      destination: opts.destination ?? 1,
      colorize: opts.destination === undefined && process.stdout.isTTY === true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
    return pino(options, stream);
  }
  if (opts.destination) return pino(options, opts.destination);
  return pino(options, pino.destination({ dest: 1, sync: true }));
}
