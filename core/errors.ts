/**
 * Errors a user can meet. Each class sets `name`, which the workflow uses as the Step Functions
 * error name, and passes `cause` through.
 */
export class ZerodownError extends Error {
  override name = 'ZerodownError';
}

/** A migration file cannot be loaded: bad name, duplicate version, unreadable, invalid content. */
export class MigrationLoadError extends ZerodownError {
  override name = 'MigrationLoadError';
  constructor(
    readonly file: string,
    problem: string,
    options?: ErrorOptions & { line?: number },
  ) {
    super(`${file}${options?.line ? `:${options.line}` : ''}: ${problem}`, options);
    this.line = options?.line;
  }
  readonly line: number | undefined;
}

/** An applied migration's file changed since it was applied. */
export class DriftDetected extends ZerodownError {
  override name = 'DriftDetected';
}

/** The lease lock (or the advisory lock) is held by someone else. */
export class LockHeld extends ZerodownError {
  override name = 'LockHeld';
}

/** A statement kept failing on lock_timeout after every retry. */
export class LockTimeout extends ZerodownError {
  override name = 'LockTimeout';
}

/**
 * Work ran past statement_timeout and more tries would not help: a backfill batch that timed out again
 * after being shrunk. What committed before it stays (the backfill's cursor).
 */
export class StatementTimeout extends ZerodownError {
  override name = 'StatementTimeout';
}

/**
 * The database could not be reached, or dropped the session mid-statement: a restart, a failover, a
 * terminated backend, a network cut. Nothing half-done stays (the statement's transaction is undone),
 * so the step can simply run again: the workflow retries it with backoff.
 */
export class DatabaseUnavailable extends ZerodownError {
  override name = 'DatabaseUnavailable';
}

/** The lease this process held expired and was taken over, or vanished. */
export class LeaseLost extends ZerodownError {
  override name = 'LeaseLost';
}

/** A migration failed to apply. */
export class MigrationFailed extends ZerodownError {
  override name = 'MigrationFailed';
  constructor(
    readonly file: string,
    message: string,
    options?: ErrorOptions & { line?: number },
  ) {
    super(message, options);
    this.line = options?.line;
  }
  readonly line: number | undefined;
}

/** A rollback reached a migration that has no down. */
export class IrreversibleMigration extends ZerodownError {
  override name = 'IrreversibleMigration';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file} cannot be rolled back: ${reason}`);
  }
}

/** Lint found error-level findings and nobody took responsibility for them. */
export class LintFailed extends ZerodownError {
  override name = 'LintFailed';
}

/** Input a user gave (options, workflow input, spec) is invalid. */
export class InvalidInput extends ZerodownError {
  override name = 'InvalidInput';
}

/**
 * A release asked for a versioned schema where it cannot have one: a PostgreSQL older than 15 (no
 * `security_invoker` views), or a schema name another release already has.
 */
export class VersionedSchemaUnavailable extends ZerodownError {
  override name = 'VersionedSchemaUnavailable';
}

/** Step Functions no longer waits on this token: the gate timed out, or the execution ended. */
export class GateNotWaiting extends ZerodownError {
  override name = 'GateNotWaiting';
}

/**
 * The embedded PostgreSQL server cannot start here (binaries missing or not executable, a directory
 * its user cannot enter, initdb or the server failing). The message is one line: the cause, then the fix.
 */
export class EmbeddedPostgresUnavailable extends ZerodownError {
  override name = 'EmbeddedPostgresUnavailable';
}

/**
 * The parser's message as a syntax error: `syntax error at or near ";"` as it is, `unterminated quoted
 * string …` with "syntax error: " before it (never "syntax error: syntax error at …").
 *
 * @example
 * syntaxErrorText('unterminated quoted string at or near "\'x"'); // 'syntax error: unterminated …'
 */
export function syntaxErrorText(message: string): string {
  return /^syntax error\b/i.test(message) ? message : `syntax error: ${message}`;
}

/**
 * A syntax error from the PostgreSQL parser, with the 1-based line in the whole file where it stopped.
 * Not a `ZerodownError`: the loader turns it into a `MigrationLoadError` naming the file.
 */
export class SqlSyntaxError extends Error {
  override name = 'SqlSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * A statement of a migration failed: carries the statement (its line) with the database error, keeping
 * its SQLSTATE (`code`) for the retry decisions. The runner turns it into a `MigrationFailed`.
 */
export class StatementError extends Error {
  override name = 'StatementError';
  readonly code: string | undefined;
  constructor(
    readonly statement: { readonly sql: string; readonly line: number },
    readonly original: unknown,
  ) {
    super((original as Error).message);
    this.code = (original as { code?: string }).code;
  }
}
