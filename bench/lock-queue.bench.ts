/**
 * The lock queue, side by side in one run: a long transaction holds a lock on a busy table (ACCESS
 * SHARE, as any open transaction that read it does) while four connections send single-row reads and
 * writes to it. An `ALTER TABLE … ADD COLUMN` is applied the plain way (`node-pg-migrate up`, no
 * lock_timeout, as psql would too) and through `zerodown up` at lock_timeout 100 ms, 500 ms and 2 s.
 * The plain ALTER queues behind the long transaction for ACCESS EXCLUSIVE and every statement after it
 * queues behind the ALTER, so the stream stalls as long as the blocker runs; zerodown's gives up at
 * lock_timeout, lets the queue drain, and tries again (with backoff) until the blocker is gone.
 * Reported: the stream's p50, p99 and max wait over each run, and the waits over time as a chart.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chart } from './chart.ts';
import { type BenchContext, connect, defineBench, met, percentile, round } from './harness.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/zerodown.mjs', import.meta.url));
const NODE_PG_MIGRATE = fileURLToPath(
  new URL('../node_modules/node-pg-migrate/bin/node-pg-migrate.js', import.meta.url),
);
const STREAMS = 4;
const EVERY_MS = 10;
const ROWS = 1_000;

interface Wait {
  /** When the statement was sent, ms after the blocker took its lock. */
  readonly at: number;
  readonly ms: number;
}

interface Scenario {
  readonly name: string;
  /** lock_timeout, ms; undefined for the plain way. */
  readonly lockTimeoutMs: number | undefined;
  readonly waits: Wait[];
  readonly applyMs: number;
  /** When the ALTER first asked for its lock, ms after the blocker took its own. */
  readonly queuedAt: number;
}

/** Single-row reads and writes on `busy` from `STREAMS` connections until stopped; each one's wait. */
function stream(url: string, origin: () => number) {
  const waits: Wait[] = [];
  let running = true;
  const workers = Array.from({ length: STREAMS }, async (_, worker) => {
    const client = await connect(url, 'zerodown-bench-stream');
    try {
      for (let i = 0; running; i++) {
        const id = 1 + ((i * 7919 + worker * 131) % ROWS);
        const at = origin();
        const started = performance.now();
        if (i % 2 === 0) await client.query('SELECT n FROM busy WHERE id = $1', [id]);
        else await client.query('UPDATE busy SET n = n + 1 WHERE id = $1', [id]);
        const ms = performance.now() - started;
        waits.push({ at, ms });
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, EVERY_MS - ms)));
      }
    } finally {
      await client.end();
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return waits;
    },
  };
}

/**
 * How long the longest-waiting statement of the stream has waited so far, every 20 ms: a stall shows
 * as a ramp that lasts as long as it, a wait cut short by lock_timeout as a tooth no higher than it.
 */
function waitInProgress(waits: readonly Wait[]): (readonly [number, number])[] {
  const end = Math.max(...waits.map((w) => w.at + w.ms));
  const points: (readonly [number, number])[] = [];
  for (let t = Math.min(...waits.map((w) => w.at)); t <= end; t += 20) {
    const age = Math.max(0, ...waits.filter((w) => w.at <= t && t < w.at + w.ms).map((w) => t - w.at));
    points.push([round(t / 1000, 3), round(age, 1)]);
  }
  return points;
}

async function scenario(
  context: BenchContext,
  name: string,
  lockTimeoutMs: number | undefined,
  blockMs: number,
): Promise<Scenario> {
  context.progress(name);
  const url = await context.freshDatabase('zd_lockq');
  const dir = await mkdtemp(join(tmpdir(), 'zerodown-lock-queue-'));
  const setup = await connect(url);
  const blocker = await connect(url, 'zerodown-bench-blocker');
  let load: ReturnType<typeof stream> | undefined;
  try {
    await setup.query(
      `CREATE TABLE busy (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
       INSERT INTO busy (id) SELECT g FROM generate_series(1, ${ROWS}) g; ANALYZE busy;`,
    );
    const alter = 'ALTER TABLE busy ADD COLUMN note text;';
    await writeFile(
      join(dir, '0001_note.sql'),
      lockTimeoutMs === undefined
        ? `-- Up Migration\n${alter}\n\n-- Down Migration\nALTER TABLE busy DROP COLUMN note;\n`
        : `-- migrate:up\n${alter}\n\n-- migrate:down\nALTER TABLE busy DROP COLUMN note;\n`,
    );
    let blockedAt = performance.now();
    load = stream(url, () => performance.now() - blockedAt);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // the long transaction: it read the table, so it holds ACCESS SHARE until it ends
    await blocker.query('BEGIN');
    await blocker.query('SELECT count(*) FROM busy');
    blockedAt = performance.now();
    const started = performance.now();
    const command =
      lockTimeoutMs === undefined
        ? [NODE_PG_MIGRATE, 'up', '-m', dir, '-d', 'ZD_BENCH_URL']
        : [BIN, 'up', '--migrations', dir, '--database-url', url, '--lock-timeout', `${lockTimeoutMs}ms`];
    let exited = false;
    const applied = run(process.execPath, command, { env: { ...process.env, ZD_BENCH_URL: url } }).finally(
      () => {
        exited = true;
      },
    );
    // the blocker stays `blockMs` from the moment the ALTER first asks for its lock (the process starts first)
    for (;;) {
      const { rowCount } = await setup.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND strpos(query, 'ALTER TABLE busy ADD') > 0",
      );
      if (rowCount) break;
      if (exited) throw new Error(`${name}: the ALTER ran without meeting the long transaction`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const queuedAt = performance.now() - blockedAt;
    await new Promise((resolve) => setTimeout(resolve, blockMs));
    await blocker.query('COMMIT');
    await applied;
    const applyMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const waits = await load.stop();
    const column = await setup.query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'note'",
    );
    if (column.rowCount !== 1) throw new Error(`${name}: the ALTER did not apply`);
    return { name, lockTimeoutMs, waits, applyMs, queuedAt };
  } finally {
    await load?.stop();
    await blocker.end().catch(() => undefined);
    await setup.end();
    await rm(dir, { recursive: true, force: true });
  }
}

export default defineBench({
  name: 'lock-queue',
  async run(context) {
    const blockMs = context.sized({ full: 5_000, quick: 3_000, tiny: 600 });
    const timeouts = context.sized({ full: [100, 500, 2_000], quick: [100, 500, 2_000], tiny: [100] });
    const scenarios: Scenario[] = [
      await scenario(context, '`node-pg-migrate up` (no lock_timeout)', undefined, blockMs),
    ];
    for (const ms of timeouts)
      scenarios.push(await scenario(context, `\`zerodown up --lock-timeout ${ms}ms\``, ms, blockMs));
    const rows = scenarios.map((s) => {
      const ms = s.waits.map((w) => w.ms);
      const max = Math.max(...ms);
      const limit = s.lockTimeoutMs === undefined ? undefined : 1.1 * s.lockTimeoutMs;
      return {
        name: s.name,
        lockTimeoutMs: s.lockTimeoutMs ?? null,
        statements: ms.length,
        p50: round(percentile(ms, 50), 1),
        p99: round(percentile(ms, 99), 1),
        max: round(max, 1),
        over100ms: ms.filter((v) => v > 100).length,
        applySeconds: round(s.applyMs / 1000),
        goal: limit === undefined ? null : `max wait at most ${Math.round(limit)} ms`,
        met: limit === undefined ? null : max <= limit,
      };
    });
    const plain = rows[0]!;
    const shown = scenarios.filter((s) => s.lockTimeoutMs === undefined || s.lockTimeoutMs === 500);
    const svg = chart({
      title: `Stream wait over time while a ${blockMs / 1000} s transaction blocks an ALTER TABLE`,
      x: 'seconds since the long transaction took its lock',
      y: 'longest wait in progress (ms)',
      series: shown.map((s) => ({
        name: s.lockTimeoutMs === undefined ? 'node-pg-migrate up' : 'zerodown up, 500 ms',
        points: waitInProgress(s.waits),
      })),
    });
    const chartFile = 'lock-queue.svg';
    return {
      markdown: [
        '## Lock queue: an ALTER TABLE behind a long transaction',
        '',
        `Table \`busy\` of ${ROWS.toLocaleString('en-US')} rows; ${STREAMS} connections each send a single-row \`SELECT\` or \`UPDATE\` every ${EVERY_MS} ms. A transaction that read the table is open when \`ALTER TABLE busy ADD COLUMN note text\` is applied as a whole process, by \`node-pg-migrate up\` (no lock_timeout), then by \`zerodown up\` at each lock_timeout; it stays open ${blockMs / 1000} s after the ALTER first asks for its lock. Each run on a fresh database; waits are every stream statement's latency over the run (from 300 ms before the long transaction to 300 ms after the ALTER).`,
        '',
        '| how | statements | p50 wait | p99 wait | max wait | statements over 100 ms | command took | goal | met |',
        '|---|---:|---:|---:|---:|---:|---:|---|---|',
        ...rows.map(
          (r) =>
            `| ${r.name} | ${r.statements} | ${r.p50} ms | ${r.p99} ms | ${r.max} ms | ${r.over100ms} | ${r.applySeconds} s | ${r.goal ?? 'waits as long as the blocker'} | ${r.met === null ? (plain.max >= 0.8 * blockMs ? 'it did' : 'it did not') : met(r.met)} |`,
        ),
        '',
        `![Stream waits over time](benchmarks/${chartFile})`,
        '',
        `The plain ALTER waits for its ACCESS EXCLUSIVE lock behind the long transaction, and every statement on the table queues behind it: the stream stalls for the ${blockMs / 1000} s the long transaction has left. zerodown's ALTER gives up at lock_timeout, the queue drains, and it tries again after a backoff; a statement caught behind one attempt waits at most about the lock_timeout. The goal is a max wait of at most 1.1x lock_timeout; on a loaded 2-core machine a statement's own latency adds to it.`,
      ].join('\n'),
      figures: { blockerMs: blockMs, streams: STREAMS, everyMs: EVERY_MS, scenarios: rows },
      charts: { [chartFile]: svg },
    };
  },
});
