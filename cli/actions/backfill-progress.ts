import cliProgress from 'cli-progress';
import type { BackfillProgress } from '../../core/backfill/index.ts';
import type { Log } from '../../core/log.ts';
import type { BackfillMigration } from '../../core/migrations/types.ts';

/** How progress reaches the person or the script: a bar on a terminal, JSON lines, or a line now and then. */
export interface ProgressView {
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

export function jsonView(): ProgressView {
  const line = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);
  return {
    start: (m) => line({ event: 'started', file: m.file, version: m.version }),
    update: (m, p) => line({ event: 'progress', file: m.file, version: m.version, ...p }),
    finish: (m, p, seconds) =>
      line({ event: 'finished', file: m.file, version: m.version, rows: p.rowsDone, seconds }),
  };
}

export function barView(): ProgressView {
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

export function lineView(log: Log): ProgressView {
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
