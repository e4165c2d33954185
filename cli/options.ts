import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../core/duration.ts';
import { InvalidInput } from '../core/errors.ts';

// This module is loaded by every command's registration, before any is chosen: it imports commander and
// zerodown's own small modules only (no pg, no parser), so `zerodown --help` stays cheap.

/** Options every database command takes. */
export interface CommonOptions {
  databaseUrl?: string;
  migrations: string;
  /** Milliseconds; undefined: the connection's default, `DEFAULT_LOCK_TIMEOUT_MS` (core/db/connection.ts). */
  lockTimeout?: number;
  statementTimeout: number;
  dryRun?: boolean;
  verbose?: boolean;
}

/** The lock_timeout every statement runs under unless --lock-timeout says otherwise, as help shows it. */
export const DEFAULT_LOCK_TIMEOUT_TEXT = '500ms';

/** Human text of a duration for help: the largest unit that divides it (`500ms`, `5s`, `1h`). */
export function durationText(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
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

/**
 * A duration option whose default help shows as a duration (`1h`, not `3600000`).
 *
 * @example
 * command.addOption(durationOption('--wait-timeout <duration>', 'how long --wait waits', 3_600_000));
 */
export function durationOption(flags: string, description: string, defaultMs?: number): Option {
  const what = flags.split(/[ ,]/)[0]!;
  const option = new Option(flags, description).argParser(durationArgument(what));
  return defaultMs === undefined ? option : option.default(defaultMs, durationText(defaultMs));
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

/** What a database command takes besides --database-url and --statement-timeout. */
export interface CommonOptionSet {
  /** --migrations <dir>. @default true */
  readonly migrations?: boolean;
  /** --lock-timeout: for commands that take locks. @default true */
  readonly lockTimeout?: boolean;
  /** --dry-run. @default true */
  readonly dryRun?: boolean;
  /** --verbose: for commands that have debug lines to show. @default true */
  readonly verbose?: boolean;
}

/**
 * Adds --database-url and --statement-timeout, and (unless `set` leaves them out) --migrations,
 * --lock-timeout, --verbose and --dry-run: a command accepts only the options it uses.
 */
export function withCommonOptions(command: Command, set: CommonOptionSet = {}): Command {
  command.addOption(new Option('--database-url <url>', 'PostgreSQL connection URL').env('DATABASE_URL'));
  if (set.migrations !== false) command.option('--migrations <dir>', 'migrations directory', './migrations');
  if (set.lockTimeout !== false) {
    command.addOption(
      new Option(
        '--lock-timeout <duration>',
        // the value stays undefined: the connection applies its default, the one source of it
        `lock_timeout for every statement (500ms, 2s; a bare number is milliseconds; above 0, at most 60s) (default: ${DEFAULT_LOCK_TIMEOUT_TEXT})`,
      ).argParser(lockTimeoutArgument),
    );
  }
  command.addOption(
    new Option(
      '--statement-timeout <duration>',
      'statement_timeout (0 = none; a bare number is milliseconds)',
    )
      .argParser(statementTimeoutArgument)
      .default(0, 'none'),
  );
  if (set.verbose !== false) command.option('--verbose', 'more log lines');
  if (set.dryRun !== false) command.option('--dry-run', 'print the SQL that would run (stdout), run nothing');
  return command;
}

/** `--format text|json` (text by default): JSON is one document on stdout, for scripts. */
export function formatOption(): Option {
  return new Option('--format <format>', 'output format (json: one document on stdout)')
    .choices(['text', 'json'])
    .default('text');
}

/** The database URL or a usage error that says how to give one. */
export function requireDatabaseUrl(options: Pick<CommonOptions, 'databaseUrl'>): string {
  if (!options.databaseUrl) {
    throw new InvalidInput('no database: pass --database-url postgres://… or set DATABASE_URL');
  }
  return checkDatabaseUrl(options.databaseUrl);
}

const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * The database URL as given, or a usage error when it cannot name a PostgreSQL server: another scheme,
 * or a URL that does not parse (node-postgres would take its text as a host name and fail later with
 * ENOTFOUND). The message never repeats the URL, which may hold a password. A text without a scheme (a
 * socket directory) is left to node-postgres.
 *
 * @example
 * checkDatabaseUrl('postgres://app@db:5432/app'); // returned as it is
 */
export function checkDatabaseUrl(url: string): string {
  const scheme = URL_SCHEME.exec(url)?.[0].toLowerCase();
  if (scheme === undefined) return url;
  if (!['postgres:', 'postgresql:', 'socket:'].includes(scheme)) {
    throw new InvalidInput(
      `the database URL (--database-url or DATABASE_URL) starts with "${scheme}", not postgres:; give one like postgres://user@host:5432/database`,
    );
  }
  if (!URL.canParse(url)) {
    throw new InvalidInput(
      'the database URL (--database-url or DATABASE_URL) does not parse as a URL: check the host, and percent-encode a user or password with @, / or : in it (@ is %40); give one like postgres://user@host:5432/database',
    );
  }
  return url;
}
