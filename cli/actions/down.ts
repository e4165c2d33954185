import { createInterface } from 'node:readline/promises';
import { InvalidInput } from '../../core/errors.ts';
import { newRunId } from '../../core/locks/hold.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { assertKnownVersion } from '../../core/migrations/pending.ts';
import type { AppliedResult } from '../../core/runner/apply.ts';
import { rollback, selectForRollback } from '../../core/runner/rollback.ts';
import { type AppliedMigration, readApplied } from '../../core/state/records.ts';
import { holdLocksUntilInterrupted } from '../interrupt.ts';
import { type CommonOptions, requireDatabaseUrl } from '../options.ts';
import { type OutputFormat, printResult, stderrLog } from '../output.ts';
import { withConnection } from '../session.ts';

/** The options of `zerodown down` (cli/commands/down.ts). */
export interface DownOptions extends CommonOptions {
  count?: number;
  to?: string;
  yes?: boolean;
  format: OutputFormat;
}

/**
 * More than one migration is rolled back only when a person says so: `--yes`, or "y" at the prompt on a
 * terminal. Without a terminal (CI, a script) and without `--yes`, a usage error that lists them.
 */
async function confirmRollback(selected: readonly AppliedMigration[], options: DownOptions): Promise<void> {
  if (selected.length <= 1 || options.yes || options.dryRun) return;
  const list = selected.map((a) => a.file).join(', ');
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new InvalidInput(
      `down would roll back ${selected.length} migrations (${list}); pass --yes to confirm, or --dry-run to see what runs`,
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`roll back ${selected.length} migrations (${list})? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim()))
      throw new InvalidInput('rollback not confirmed; nothing was rolled back');
  } finally {
    prompt.close();
  }
}

/** Rolls back the selected migrations under the locks (a dry run takes none and writes nothing). */
export async function runDown(options: DownOptions): Promise<void> {
  if (options.count !== undefined && options.to !== undefined) {
    throw new InvalidInput('give --count or --to, not both');
  }
  const log = stderrLog({ verbose: options.verbose });
  requireDatabaseUrl(options); // a usage error (exit 2) before anything else
  const dryRun = options.dryRun === true;
  const work = async (): Promise<{ dryRun: boolean; rolledBack: AppliedResult[] }> => {
    const migrations = await loadMigrations(options.migrations);
    assertKnownVersion(migrations, options.to, '--to', ['0']);
    const executionId = newRunId();
    return await withConnection(options, async (client, connection) => {
      await confirmRollback(selectForRollback(await readApplied(client), options), options);
      const run = () =>
        rollback(client, migrations, {
          count: options.count,
          to: options.to,
          executionId,
          log,
          dryRun,
          showSql: options.format === 'json' ? () => {} : (sql) => process.stdout.write(`${sql}\n`),
        });
      const { rolledBack } = dryRun
        ? await run()
        : await holdLocksUntilInterrupted(client, connection, { owner: executionId, log }, run);
      log.info(
        rolledBack.length === 0
          ? 'nothing to roll back'
          : dryRun
            ? `dry run: ${rolledBack.length} migration(s) would be rolled back`
            : `rolled back ${rolledBack.length} migration(s)`,
      );
      return { dryRun, rolledBack };
    });
  };
  await printResult(options.format, work);
}
