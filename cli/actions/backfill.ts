import { runBackfillToCompletion } from '../../core/backfill/index.ts';
import { updateSql } from '../../core/backfill/sql.ts';
import { syncTriggerSql } from '../../core/backfill/sync-trigger.ts';
import { describeTarget } from '../../core/backfill/target.ts';
import { openConnection } from '../../core/db/connection.ts';
import { newRunId } from '../../core/locks/hold.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { assertKnownVersion, pendingMigrations } from '../../core/migrations/pending.ts';
import type { BackfillMigration } from '../../core/migrations/types.ts';
import { assertNoDrift, readApplied } from '../../core/state/records.ts';
import { holdLocksUntilInterrupted } from '../interrupt.ts';
import { type CommonOptions, requireDatabaseUrl } from '../options.ts';
import { type OutputFormat, stderrLog } from '../output.ts';
import { withConnection } from '../session.ts';
import { barView, jsonView, lineView } from './backfill-progress.ts';

/** The options of `zerodown backfill` (cli/commands/backfill.ts). */
export interface BackfillOptions extends CommonOptions {
  format: OutputFormat;
  partitions?: number;
  targetBatch?: number;
  to?: string;
  restart?: boolean;
  waitForLock: number;
}

const jsonLine = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);

/** Runs the pending backfills to completion under the locks; a dry run prints their SQL (stdout). */
export async function runBackfill(options: BackfillOptions): Promise<void> {
  try {
    await backfillPending(options);
  } catch (error) {
    if (options.format === 'json') {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      jsonLine({ event: 'failed', error: { name, message } });
    }
    throw error;
  }
}

async function backfillPending(options: BackfillOptions): Promise<void> {
  const log = stderrLog({ verbose: options.verbose });
  requireDatabaseUrl(options); // a usage error (exit 2) before anything else
  const migrations = await loadMigrations(options.migrations);
  assertKnownVersion(migrations, options.to, '--to');
  const executionId = newRunId();
  const view = options.format === 'json' ? jsonView() : process.stderr.isTTY ? barView() : lineView(log);
  await withConnection(options, async (client, connection) => {
    const pending = async () => {
      const applied = await readApplied(client);
      assertNoDrift(migrations, applied);
      return pendingMigrations(migrations, applied, { phases: ['backfill'], to: options.to }).filter(
        (m): m is BackfillMigration => m.kind === 'backfill',
      );
    };
    if (options.dryRun) {
      const todo = await pending();
      if (todo.length === 0) log.info('dry run: nothing to backfill');
      for (const migration of todo) {
        const target = await describeTarget(client, migration);
        const batch = updateSql(target, {
          after: target.key.map(() => '…'),
          upTo: target.key.map(() => '…'),
        });
        const sync = migration.spec.sync ? `${syncTriggerSql(target, migration.version).join(';\n')};` : '';
        if (options.format === 'json') {
          jsonLine({
            event: 'would-run',
            file: migration.file,
            version: migration.version,
            batch: batch.text,
            sync,
          });
          continue;
        }
        process.stdout.write(`-- ${migration.file}: batches of\n${batch.text};\n`);
        if (sync) process.stdout.write(`-- sync trigger\n${sync}\n`);
      }
      return;
    }
    await holdLocksUntilInterrupted(
      client,
      connection,
      { owner: executionId, waitMs: options.waitForLock, log },
      async () => {
        const todo = await pending();
        if (todo.length === 0) log.info('nothing to backfill: every backfill is applied');
        for (const migration of todo) {
          const started = performance.now();
          view.start(migration);
          const progress = await runBackfillToCompletion(client, migration, {
            executionId,
            log: options.format === 'text' && process.stderr.isTTY ? { ...log, info: () => {} } : log,
            partitions: options.partitions,
            targetBatchMs: options.targetBatch,
            lockTimeoutMs: options.lockTimeout,
            restart: options.restart,
            connect: () => openConnection({ ...connection, applicationName: 'zerodown-backfill' }),
            onProgress: (p) => view.update(migration, p),
          });
          view.finish(migration, progress, (performance.now() - started) / 1000);
        }
      },
    );
  });
}
