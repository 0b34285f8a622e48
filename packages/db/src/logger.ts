/** The part of a pino logger that this package uses (a pino `Logger` satisfies it). */
export interface DbLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
