import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import { type BackfillProgress, runBackfillToCompletion } from '../../core/backfill/index.ts';
import { updateSql } from '../../core/backfill/sql.ts';
import { syncTriggerSql } from '../../core/backfill/sync-trigger.ts';
import { describeTarget } from '../../core/backfill/target.ts';
import { openConnection } from '../../core/db/connection.ts';
import { parseDuration } from '../../core/duration.ts';
import { newRunId } from '../../core/locks/hold.ts';
import type { Log } from '../../core/log.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { assertKnownVersion, pendingMigrations } from '../../core/migrations/pending.ts';
import type { BackfillMigration } from '../../core/migrations/types.ts';
import { assertNoDrift, readApplied } from '../../core/state/records.ts';
import { holdLocksUntilInterrupted } from '../interrupt.ts';
import {
  type CommonOptions,
  durationArgument,
  positiveInteger,
  requireDatabaseUrl,
  versionArgument,
  withCommonOptions,
} from '../options.ts';
import { stderrLog } from '../output.ts';
import { withConnection } from '../session.ts';

interface BackfillOptions extends CommonOptions {
  format: 'text' | 'json';
  partitions?: number;
  targetBatch?: number;
  to?: string;
  restart?: boolean;
  waitForLock: string;
}

/** How progress reaches the person or the script: a bar on a terminal, JSON lines, or a line now and then. */
interface ProgressView {
  start(migration: BackfillMigration): void;
  update(migration: BackfillMigration, progress: BackfillProgress & { partition: number }): void;
  finish(migration: BackfillMigration, progress: BackfillProgress, seconds: number): void;
}

function totals(partitions: Map<number, BackfillProgress>) {
  const all = [...partitions.values()];
  return {
    rowsDone: all.reduce((sum, p) => sum + p.rowsDone, 0),
    rowsEstimated: all.reduce((sum, p) => sum + p.rowsEstimated, 0),
    rowsPerSecond: all.reduce((sum, p) => sum + (p.done ? 0 : p.rowsPerSecond), 0),
  };
}

function jsonView(): ProgressView {
  const line = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);
  return {
    start: (m) => line({ event: 'started', file: m.file, version: m.version }),
    update: (m, p) => line({ event: 'progress', file: m.file, version: m.version, ...p }),
    finish: (m, p, seconds) =>
      line({ event: 'finished', file: m.file, version: m.version, rows: p.rowsDone, seconds }),
  };
}

function barView(): ProgressView {
  let bar: cliProgress.SingleBar | undefined;
  let partitions = new Map<number, BackfillProgress>();
  return {
    start(m) {
      partitions = new Map();
      bar = new cliProgress.SingleBar(
        {
          format: `${m.file} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(1, 0, { rate: 0 });
    },
    update(_m, p) {
      partitions.set(p.partition, p);
      const t = totals(partitions);
      bar?.setTotal(Math.max(1, t.rowsEstimated));
      bar?.update(t.rowsDone, { rate: Math.round(t.rowsPerSecond) });
    },
    finish(m, p, seconds) {
      bar?.update(p.rowsDone);
      bar?.stop();
      process.stdout.write(`backfilled ${m.file}: ${p.rowsDone} rows in ${seconds.toFixed(1)}s\n`);
    },
  };
}

function lineView(log: Log): ProgressView {
  let partitions = new Map<number, BackfillProgress>();
  let last = 0;
  return {
    start(m) {
      partitions = new Map();
      log.info(`backfilling ${m.file}`);
    },
    update(m, p) {
      partitions.set(p.partition, p);
      if (performance.now() - last < 5000) return;
      last = performance.now();
      const t = totals(partitions);
      log.info(`${m.file}: ${t.rowsDone}/${t.rowsEstimated} rows, ${Math.round(t.rowsPerSecond)} rows/s`);
    },
    finish(m, p, seconds) {
      process.stdout.write(`backfilled ${m.file}: ${p.rowsDone} rows in ${seconds.toFixed(1)}s\n`);
    },
  };
}

/** `zerodown backfill`: runs the pending backfills to completion here, with their progress. */
export function registerBackfill(program: Command): void {
  withCommonOptions(
    program
      .command('backfill')
      .description(
        'run the pending backfills to completion on this machine (resumes where a stopped run left off)',
      )
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('--partitions <n>', 'key-range partitions run side by side (first start only)', positiveInteger)
      .option(
        '--target-batch <duration>',
        'batch duration adaptive sizing aims at (default: the spec, else 200ms)',
        durationArgument('--target-batch'),
      )
      .option('--to <version>', 'stop after this version', versionArgument('--to'))
      .option('--restart', 'forget the progress of an earlier start and backfill from the beginning')
      .option(
        '--wait-for-lock <duration>',
        'wait this long for another run to finish instead of failing',
        '0s',
      ),
  ).action(async (options: BackfillOptions) => {
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
        for (const migration of await pending()) {
          const target = await describeTarget(client, migration);
          const batch = updateSql(target, {
            after: target.key.map(() => '…'),
            upTo: target.key.map(() => '…'),
          });
          log.info(`-- ${migration.file}: batches of\n${batch.text}`);
          if (migration.spec.sync)
            log.info(`-- sync trigger\n${syncTriggerSql(target, migration.version).join(';\n')};`);
        }
        return;
      }
      await holdLocksUntilInterrupted(
        client,
        connection,
        { owner: executionId, waitMs: parseDuration(options.waitForLock, '--wait-for-lock'), log },
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
  });
}
