/**
 * Backfill, side by side in one run on a table of 1,000,000 rows (quick: 100,000): one `UPDATE … SET`
 * statement (the physical limit), `zerodown backfill` as users run it (a whole process: start-up,
 * planning, progress output; one worker and two partitions), zerodown's engine in this process (one
 * worker, two partitions, the default target), fixed 1,000-row keyset batches (pgroll's default) and
 * the seed's loop corrected to valid SQL (`… WHERE id IN (SELECT … LIMIT n)`, which rescans from the
 * start). During each, a second connection runs single-row updates (one every 5 ms) and records their
 * latency. Every contender starts from the same freshly loaded, vacuumed table. Then the throughput at
 * growing table sizes (1M, 3M and 10M rows; quick: 50k to 500k), the statement against the command.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type pg from 'pg';
import {
  type BatchResult,
  DEFAULT_TARGET_BATCH_MS,
  runBackfillToCompletion,
} from '../core/backfill/index.ts';
import { silentLog } from '../core/log.ts';
import type { BackfillMigration } from '../core/migrations/types.ts';
import { chart } from './chart.ts';
import { type BenchContext, connect, defineBench, median, met, percentile, round } from './harness.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/zerodown.mjs', import.meta.url));
const TABLE = 'bench_rows';
/** zerodown's batch target for the engine runs: the default unless BENCH_TARGET_BATCH_MS says otherwise. */
const TARGET_BATCH_MS = Number(process.env.BENCH_TARGET_BATCH_MS ?? DEFAULT_TARGET_BATCH_MS);
/** The default before it was 100 ms, run beside it: longer batches, longer row locks. */
const LONGER_TARGET_MS = 200;

interface Outcome {
  name: string;
  rows: number;
  ms: number;
  batchMs: number[];
  capped?: boolean;
  latencies: number[];
}

type Work = (batch: (ms: number) => void) => Promise<{ capped?: boolean } | undefined>;

async function loadTable(client: pg.Client, rows: number): Promise<void> {
  // zerodown's state from the previous round goes too: each zerodown run starts from nothing
  await client.query('DROP SCHEMA IF EXISTS zerodown CASCADE');
  await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await client.query(
    `CREATE TABLE ${TABLE} (id bigserial PRIMARY KEY, username text NOT NULL, touched int NOT NULL DEFAULT 0, display_name text)`,
  );
  await client.query(`INSERT INTO ${TABLE} (username) SELECT 'user' || g FROM generate_series(1, $1) g`, [
    rows,
  ]);
  await client.query(`VACUUM (ANALYZE) ${TABLE}`);
  await client.query('CHECKPOINT');
}

/** Single-row updates of random rows, one every `everyMs`, until stopped; returns their latencies. */
function concurrentUpdates(url: string, rows: number, everyMs = 5) {
  const latencies: number[] = [];
  let running = true;
  const done = (async () => {
    const client = await connect(url);
    try {
      while (running) {
        const id = 1 + Math.floor(Math.random() * rows);
        const started = performance.now();
        await client.query(`UPDATE ${TABLE} SET touched = touched + 1 WHERE id = $1`, [id]);
        const ms = performance.now() - started;
        latencies.push(ms);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - ms)));
      }
    } finally {
      await client.end();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return latencies;
    },
  };
}

function migration(partitions: number, targetBatchMs: number): BackfillMigration {
  return {
    kind: 'backfill',
    phase: 'backfill',
    id: `${partitions}.backfill`,
    version: String(partitions),
    name: 'bench',
    file: 'bench/backfill.bench.ts',
    path: 'bench/backfill.bench.ts',
    checksum: `bench-${partitions}-${targetBatchMs}`,
    spec: { table: TABLE, set: { display_name: 'username' }, where: 'display_name IS NULL', targetBatchMs },
  };
}

const rate = (o: Outcome) => o.rows / (o.ms / 1000);

const SINGLE = 'one UPDATE … SET statement';
const COMMAND = '`zerodown backfill`, whole process';
const COMMAND_TWO = '`zerodown backfill --partitions 2`, whole process';
const ONE_WORKER = 'zerodown engine, 1 worker';
const TWO_PARTITIONS = 'zerodown engine, 2 partitions';

class BackfillRun {
  constructor(
    private readonly context: BenchContext,
    private readonly url: string,
    private readonly client: pg.Client,
    private readonly dir: string,
  ) {}

  /** Loads the table, runs `work` with the concurrent updates going, checks every row. */
  async timed(name: string, rows: number, work: Work): Promise<Outcome> {
    await loadTable(this.client, rows);
    this.context.progress(`${name}, ${rows.toLocaleString('en-US')} rows`);
    const batchMs: number[] = [];
    const load = concurrentUpdates(this.url, rows);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    const result = await work((ms) => batchMs.push(ms));
    const ms = performance.now() - started;
    const latencies = await load.stop();
    const { rows: counts } = await this.client.query<{ done: number; wrong: number }>(
      `SELECT count(*) FILTER (WHERE display_name = username)::int AS done,
              count(*) FILTER (WHERE display_name IS DISTINCT FROM username AND display_name IS NOT NULL)::int AS wrong
         FROM ${TABLE}`,
    );
    if (counts[0]!.wrong > 0) throw new Error(`${name}: ${counts[0]!.wrong} rows got a wrong value`);
    if (!result?.capped && counts[0]!.done !== rows)
      throw new Error(`${name}: only ${counts[0]!.done} of ${rows} rows backfilled`);
    return { name, rows: counts[0]!.done, ms, batchMs, capped: result?.capped, latencies };
  }

  single: Work = async (batch) => {
    const started = performance.now();
    await this.client.query(`UPDATE ${TABLE} SET display_name = username WHERE display_name IS NULL`);
    batch(performance.now() - started);
    return undefined;
  };

  /** `zerodown backfill` as a user runs it (its progress lines come a chunk at a time, not a batch). */
  command =
    (partitions: number): Work =>
    async () => {
      const { stdout } = await run(
        process.execPath,
        [
          BIN,
          'backfill',
          '--format',
          'json',
          '--partitions',
          String(partitions),
          '--migrations',
          this.dir,
          '--database-url',
          this.url,
        ],
        { maxBuffer: 64 * 2 ** 20 },
      );
      if (!stdout.includes('"event":"finished"'))
        throw new Error(`zerodown backfill did not finish: ${stdout.slice(-500)}`);
      return undefined;
    };

  engine =
    (partitions: number, targetBatchMs = TARGET_BATCH_MS): Work =>
    async (batch) => {
      await runBackfillToCompletion(this.client, migration(partitions, targetBatchMs), {
        executionId: 'bench',
        log: silentLog,
        partitions,
        connect: () => connect(this.url),
        onBatch: (b: BatchResult) => batch(b.durationMs),
      });
      return undefined;
    };

  fixedKeysetBatches: Work = async (batch) => {
    let cursor = 0;
    for (;;) {
      const started = performance.now();
      // pgroll's batch: ORDER BY key LIMIT n FOR NO KEY UPDATE, then UPDATE … FROM that batch
      const { rows } = await this.client.query<{ last: string | null }>(
        `WITH batch AS (SELECT id FROM ${TABLE} WHERE id > $1 ORDER BY id LIMIT 1000 FOR NO KEY UPDATE),
              updated AS (UPDATE ${TABLE} SET display_name = username FROM batch WHERE ${TABLE}.id = batch.id RETURNING ${TABLE}.id)
         SELECT max(id)::text AS last FROM updated`,
        [cursor],
      );
      batch(performance.now() - started);
      if (rows[0]?.last == null) return undefined;
      cursor = Number(rows[0].last);
    }
  };

  seedLoop =
    (capMs: number): Work =>
    async (batch) => {
      const deadline = performance.now() + capMs;
      for (;;) {
        const started = performance.now();
        const { rowCount } = await this.client.query(
          `UPDATE ${TABLE} SET display_name = username WHERE id IN (SELECT id FROM ${TABLE} WHERE display_name IS NULL LIMIT 1000)`,
        );
        batch(performance.now() - started);
        if (!rowCount) return undefined;
        if (performance.now() > deadline) return { capped: true };
      }
    };
}

/** Each round's own ratio to the single statement (load from elsewhere moves both sides alike), median. */
function ratioOf(byMethod: Map<string, Outcome[]>, name: string): number {
  const single = byMethod.get(SINGLE)!.map(rate);
  return median(byMethod.get(name)!.map((o, i) => rate(o) / single[i]!));
}

function table(byMethod: Map<string, Outcome[]>, capMs: number): string {
  const lines = [
    '| method | rows/s (median) | vs one statement (median of rounds) | time (median) | batches | median batch | longest batch | concurrent updates p99 | max |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const single = byMethod.get(SINGLE)!.map(rate);
  for (const [name, runs] of byMethod) {
    const ratios = runs.map((o, i) => rate(o) / single[i]!);
    const latencies = runs.flatMap((o) => o.latencies);
    const batches = runs.flatMap((o) => o.batchMs);
    const capped = runs.some((o) => o.capped) ? ` (stopped after ${capMs / 1000} s)` : '';
    lines.push(
      `| ${name}${capped} | ${Math.round(median(runs.map(rate))).toLocaleString('en-US')} | ${median(ratios).toFixed(2)}x (${ratios.map((r) => r.toFixed(2)).join(', ')}) | ${(median(runs.map((o) => o.ms)) / 1000).toFixed(2)} s | ${batches.length === 0 ? '–' : median(runs.map((o) => o.batchMs.length))} | ${batches.length === 0 ? '–' : `${Math.round(median(batches))} ms`} | ${batches.length === 0 ? '–' : `${Math.round(Math.max(...batches))} ms`} | ${percentile(latencies, 99).toFixed(1)} ms | ${Math.max(0, ...latencies).toFixed(1)} ms |`,
    );
  }
  return lines.join('\n');
}

export default defineBench({
  name: 'backfill',
  async run(context) {
    const rows = context.sized({ full: 1_000_000, quick: 100_000, tiny: 2_000 });
    const rounds = Number(process.env.BENCH_ROUNDS ?? context.sized({ full: 3, quick: 1, tiny: 1 }));
    const scale = context.sized({
      full: [1_000_000, 3_000_000, 10_000_000],
      quick: [50_000, 150_000, 500_000],
      tiny: [1_000, 3_000],
    });
    // the seed's loop rescans from the start, so it gets slower every batch: stop it here, report its rate
    const capMs = context.sized({ full: 60_000, quick: 10_000, tiny: 2_000 });
    const url = await context.freshDatabase();
    const client = await connect(url);
    const dir = await mkdtemp(join(tmpdir(), 'zerodown-backfill-bench-'));
    try {
      await writeFile(
        join(dir, '0001_display_name.backfill.json'),
        JSON.stringify({ table: TABLE, set: { display_name: 'username' }, where: 'display_name IS NULL' }),
      );
      const bench = new BackfillRun(context, url, client, dir);
      const methods: [string, Work][] = [
        [SINGLE, bench.single],
        [COMMAND, bench.command(1)],
        [COMMAND_TWO, bench.command(2)],
        [ONE_WORKER, bench.engine(1)],
        [TWO_PARTITIONS, bench.engine(2)],
        [`zerodown engine, 1 worker, target ${LONGER_TARGET_MS} ms`, bench.engine(1, LONGER_TARGET_MS)],
        ['fixed 1,000-row keyset batches (pgroll)', bench.fixedKeysetBatches],
        ["the seed's loop (corrected)", bench.seedLoop(capMs)],
      ];
      const byMethod = new Map<string, Outcome[]>(methods.map(([name]) => [name, []]));
      const loadBefore = loadavg()[0]!;
      for (let round = 1; round <= rounds; round++) {
        context.progress(`round ${round}/${rounds}`);
        for (const [name, work] of methods) byMethod.get(name)!.push(await bench.timed(name, rows, work));
      }
      const loadAfter = loadavg()[0]!;
      // throughput against table size: the statement, the command, the command with two partitions
      const scaled = new Map<string, Outcome[]>([SINGLE, COMMAND, COMMAND_TWO].map((n) => [n, []]));
      for (const size of scale)
        for (const [name, work] of methods.filter(([n]) => scaled.has(n)))
          scaled.get(name)!.push(await bench.timed(name, size, work));

      const engineRuns = [...byMethod.get(ONE_WORKER)!, ...byMethod.get(TWO_PARTITIONS)!];
      const longest = Math.max(...engineRuns.flatMap((o) => o.batchMs));
      const p99 = (name: string) =>
        percentile(
          byMethod.get(name)!.flatMap((o) => o.latencies),
          99,
        );
      const updatesP99 = Math.max(p99(COMMAND), p99(COMMAND_TWO), p99(ONE_WORKER), p99(TWO_PARTITIONS));
      const flat = (name: string) => {
        const runs = scaled.get(name)!;
        return rate(runs.at(-1)!) / rate(runs[0]!);
      };
      const goals = [
        {
          goal: 'one worker, whole process, vs the statement',
          value: ratioOf(byMethod, COMMAND),
          limit: 'at least 0.9x',
          ok: ratioOf(byMethod, COMMAND) >= 0.9,
          unit: 'x',
        },
        {
          goal: 'two partitions, whole process, vs the statement',
          value: ratioOf(byMethod, COMMAND_TWO),
          limit: 'at least 1.1x',
          ok: ratioOf(byMethod, COMMAND_TWO) >= 1.1,
          unit: 'x',
        },
        {
          goal: 'one worker, in process, vs the statement',
          value: ratioOf(byMethod, ONE_WORKER),
          limit: 'at least 0.9x',
          ok: ratioOf(byMethod, ONE_WORKER) >= 0.9,
          unit: 'x',
        },
        {
          goal: 'two partitions, in process, vs the statement',
          value: ratioOf(byMethod, TWO_PARTITIONS),
          limit: 'at least 1.1x',
          ok: ratioOf(byMethod, TWO_PARTITIONS) >= 1.1,
          unit: 'x',
        },
        {
          goal: `throughput at ${scale.at(-1)!.toLocaleString('en-US')} rows vs ${scale[0]!.toLocaleString('en-US')}, the command`,
          value: flat(COMMAND),
          limit: 'at least 0.9x',
          ok: flat(COMMAND) >= 0.9,
          unit: 'x',
        },
        {
          goal: `longest batch, in process (target ${TARGET_BATCH_MS} ms)`,
          value: longest,
          limit: `at most ${2 * TARGET_BATCH_MS} ms`,
          ok: longest <= 2 * TARGET_BATCH_MS,
          unit: 'ms',
        },
        {
          goal: 'concurrent single-row updates p99 (zerodown runs)',
          value: updatesP99,
          limit: 'under 50 ms',
          ok: updatesP99 < 50,
          unit: 'ms',
        },
      ];
      const svg = chart({
        title: 'Backfill throughput against table size',
        x: 'rows in the table',
        y: 'rows/s',
        series: [...scaled].map(([name, runs]) => ({
          name:
            name === SINGLE
              ? 'one UPDATE statement'
              : name === COMMAND
                ? 'zerodown backfill'
                : 'zerodown, 2 partitions',
          points: runs.map((o) => [o.rows, rate(o)] as const),
        })),
      });
      const chartFile = 'backfill-scale.svg';
      return {
        markdown: [
          `## Backfill: ${rows.toLocaleString('en-US')} rows, and throughput as the table grows`,
          '',
          `Table \`${TABLE} (id bigserial PRIMARY KEY, username text, touched int, display_name text)\`, freshly loaded and vacuumed before each method; the backfill sets \`display_name = username\`. During each method another connection updates one random row (\`SET touched = touched + 1\`) every 5 ms; p99 and max are their latencies. The whole-process rows run \`node bin/zerodown.mjs backfill --format json\` on a backfill file with no \`targetBatchMs\` (the default, ${DEFAULT_TARGET_BATCH_MS} ms), timed from spawn to exit (it reports progress a chunk at a time, so their batch columns are empty). The engine rows call \`runBackfillToCompletion\` in this process with \`targetBatchMs: ${TARGET_BATCH_MS}\` (one of them with ${LONGER_TARGET_MS} ms, the default before), no sync trigger, no throttle.`,
          `${rounds} round${rounds === 1 ? '' : 's'} (BENCH_ROUNDS), the methods interleaved in each. The machine's 1-minute load average was ${loadBefore.toFixed(2)} before and ${loadAfter.toFixed(2)} after; the ratio column is the median of each round's own ratio.`,
          '',
          table(byMethod, capMs),
          '',
          '| goal | this run | limit | met |',
          '|---|---:|---|---|',
          ...goals.map(
            (g) =>
              `| ${g.goal} | ${g.unit === 'x' ? `${g.value.toFixed(2)}x` : `${Math.round(g.value)} ms`} | ${g.limit} | ${met(g.ok)} |`,
          ),
          '',
          `Throughput against table size (one run each, the same concurrent updates): ${[...scaled].map(([name, runs]) => `${name}: ${runs.map((o) => `${Math.round(rate(o)).toLocaleString('en-US')} rows/s at ${o.rows.toLocaleString('en-US')}`).join(', ')}`).join('; ')}.`,
          '',
          `![Backfill rows/s against table size](benchmarks/${chartFile})`,
          '',
          `Sizing aims the slowest of the last 8 batches at the target, so the typical batch takes less than the target and a batch that meets jitter (another backend on the core, a dirty buffer written out first) stays under about twice it.`,
        ].join('\n'),
        figures: {
          rows,
          rounds,
          targetBatchMs: TARGET_BATCH_MS,
          methods: Object.fromEntries(
            [...byMethod].map(([name, runs]) => [
              name,
              {
                rowsPerSecond: runs.map((o) => Math.round(rate(o))),
                ratioToStatement: round(ratioOf(byMethod, name)),
                medianSeconds: round(median(runs.map((o) => o.ms)) / 1000),
                longestBatchMs: Math.round(Math.max(0, ...runs.flatMap((o) => o.batchMs))),
                updatesP99Ms: round(
                  percentile(
                    runs.flatMap((o) => o.latencies),
                    99,
                  ),
                  1,
                ),
                capped: runs.some((o) => o.capped),
              },
            ]),
          ),
          scale: Object.fromEntries(
            [...scaled].map(([name, runs]) => [
              name,
              runs.map((o) => ({ rows: o.rows, rowsPerSecond: Math.round(rate(o)) })),
            ]),
          ),
          goals: goals.map((g) => ({ goal: g.goal, value: round(g.value), limit: g.limit, met: g.ok })),
        },
        charts: { [chartFile]: svg },
      };
    } finally {
      await client.end();
      await rm(dir, { recursive: true, force: true });
    }
  },
});
