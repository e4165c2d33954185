import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../core/db/connection.ts';
import { parseDuration } from '../core/duration.ts';
import { InvalidInput } from '../core/errors.ts';

/** Options every database command takes. */
export interface CommonOptions {
  databaseUrl?: string;
  migrations: string;
  lockTimeout: number;
  statementTimeout: number;
  dryRun?: boolean;
  verbose?: boolean;
}

export function durationArgument(what: string) {
  return (value: string) => {
    try {
      return parseDuration(value, what);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** A migration version as an option value (`20240101120000`, Flyway's `1.2`), or a usage error. */
export function versionArgument(what: string) {
  return (value: string) => {
    if (!/^\d+(?:[._]\d+)*$/.test(value))
      throw new InvalidArgumentError(
        `${what} "${value}" is not a version: give the digits a file name starts with`,
      );
    return value;
  };
}

/** Longest --lock-timeout: beyond it, traffic would queue behind a waiting DDL for that long. */
export const MAX_LOCK_TIMEOUT_MS = 60_000;

function lockTimeoutArgument(value: string): number {
  const ms = durationArgument('--lock-timeout')(value);
  if (ms < 1)
    throw new InvalidArgumentError(
      '0 would switch the lock_timeout guard off and let a DDL queue every query behind it; give a duration such as 500ms',
    );
  if (ms > MAX_LOCK_TIMEOUT_MS)
    throw new InvalidArgumentError(
      `at most ${MAX_LOCK_TIMEOUT_MS / 1000}s: every query on the table waits behind a DDL for as long as lock_timeout; keep it short and let the retries wait`,
    );
  return ms;
}

/** PostgreSQL's largest statement_timeout (an int of milliseconds, about 24.8 days). */
const MAX_STATEMENT_TIMEOUT_MS = 2_147_483_647;

function statementTimeoutArgument(value: string): number {
  const ms = durationArgument('--statement-timeout')(value);
  if (ms > MAX_STATEMENT_TIMEOUT_MS)
    throw new InvalidArgumentError("at most 2147483647ms (about 24 days), PostgreSQL's limit; 0 means none");
  return ms;
}

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return Number(value);
}

/** Adds --database-url, --migrations, --lock-timeout, --statement-timeout, --dry-run. */
export function withCommonOptions(
  command: Command,
  options: { dryRun?: boolean } = { dryRun: true },
): Command {
  command
    .addOption(new Option('--database-url <url>', 'PostgreSQL connection URL').env('DATABASE_URL'))
    .option('--migrations <dir>', 'migrations directory', './migrations')
    .option(
      '--lock-timeout <duration>',
      'lock_timeout for every statement (500ms, 2s; above 0, at most 60s)',
      lockTimeoutArgument,
      DEFAULT_LOCK_TIMEOUT_MS,
    )
    .option('--statement-timeout <duration>', 'statement_timeout (0 = none)', statementTimeoutArgument, 0)
    .option('--verbose', 'more log lines');
  if (options.dryRun) command.option('--dry-run', 'print the SQL, run nothing');
  return command;
}

/** The database URL or a usage error that says how to give one. */
export function requireDatabaseUrl(options: CommonOptions): string {
  if (!options.databaseUrl) {
    throw new InvalidInput('no database: pass --database-url postgres://… or set DATABASE_URL');
  }
  return options.databaseUrl;
}
