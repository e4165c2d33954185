import { type Command, Option } from 'commander';
import type { BaselineOptions } from '../actions/baseline.ts';
import { formatOption, versionArgument, withCommonOptions } from '../options.ts';

/**
 * `zerodown baseline --from node-pg-migrate|flyway|dbmate`: takes over another tool's history, recording
 * the files it applied as applied (with checksums) without running them; refuses mismatches by name.
 */
export function registerBaseline(program: Command): void {
  withCommonOptions(
    program
      .command('baseline')
      .description(
        'record the migrations another tool applied (its history table) as applied, running nothing; refuses a row with no file or a changed Flyway checksum, naming each',
      )
      .addOption(
        new Option('--from <tool>', 'the tool whose history to take over')
          .choices(['node-pg-migrate', 'flyway', 'dbmate'])
          .makeOptionMandatory(),
      )
      .option(
        '--table <name>',
        'its history table (default: pgmigrations, flyway_schema_history or schema_migrations; schema.name works)',
      )
      .option('--to <version>', 'record only the rows up to this version', versionArgument('--to'))
      .addOption(formatOption()),
    { lockTimeout: false, dryRun: false, verbose: false },
  )
    .option(
      '--dry-run',
      'show what would be recorded and every mismatch; write nothing (exit 1 on a mismatch)',
    )
    .action(async (options: BaselineOptions) => {
      const { runBaseline } = await import('../actions/baseline.ts');
      await runBaseline(options);
    });
}
