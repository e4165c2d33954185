import type { Command } from 'commander';
import { InvalidInput } from '../../core/errors.ts';
import { holdMigrationLocks, newRunId } from '../../core/locks/hold.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { rollback } from '../../core/runner/rollback.ts';
import { type CommonOptions, positiveInteger, requireDatabaseUrl, withCommonOptions } from '../options.ts';
import { stderrLog } from '../output.ts';
import { withConnection } from '../session.ts';

interface DownOptions extends CommonOptions {
  count?: number;
  to?: string;
}

/** `zerodown down`: rolls back applied migrations, newest first. */
export function registerDown(program: Command): void {
  withCommonOptions(
    program
      .command('down')
      .description('roll back applied migrations, newest first (1 by default)')
      .option('--count <n>', 'roll back the newest N applied migrations', positiveInteger)
      .option('--to <version>', 'roll back every migration with a version above this one'),
  ).action(async (options: DownOptions) => {
    if (options.count !== undefined && options.to !== undefined) {
      throw new InvalidInput('give --count or --to, not both');
    }
    const log = stderrLog({ verbose: options.verbose });
    requireDatabaseUrl(options); // a usage error (exit 2) before anything else
    const migrations = await loadMigrations(options.migrations);
    const executionId = newRunId();
    await withConnection(options, async (client, connection) => {
      const run = async () => {
        const { rolledBack } = await rollback(client, migrations, {
          count: options.count,
          to: options.to,
          executionId,
          log,
          dryRun: options.dryRun,
        });
        log.info(
          rolledBack.length === 0 ? 'nothing to roll back' : `rolled back ${rolledBack.length} migration(s)`,
        );
      };
      if (options.dryRun) return await run();
      await holdMigrationLocks(client, connection, { owner: executionId, log }, run);
    });
  });
}
