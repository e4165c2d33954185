/** Where core writes what it does. The CLI prints it; Lambdas pass a Powertools Logger, which fits. */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

/** A log that drops everything (tests, library use). */
export const silentLog: Log = { info() {}, warn() {}, error() {}, debug() {} };
