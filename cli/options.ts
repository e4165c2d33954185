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
      'lock_timeout for every statement (500ms, 2s)',
      durationArgument('--lock-timeout'),
      DEFAULT_LOCK_TIMEOUT_MS,
    )
    .option(
      '--statement-timeout <duration>',
      'statement_timeout (0 = none)',
      durationArgument('--statement-timeout'),
      0,
    )
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
