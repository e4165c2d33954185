import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../cli/embedded-postgres.ts';
import type { LocalRunEvent } from '../../cli/local-runner/events.ts';
import type { LocalRunResult } from '../../cli/local-runner/execute-state-machine.ts';
import { runReleaseLocally, synthesizeExampleTemplate } from '../../cli/local-runner/run-release.ts';
import { silentLog } from '../../core/log.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

// The PostgreSQL server crashes and comes back (an immediate shutdown: every session dropped, crash
// recovery on start, as in a failover) in the middle of a release's backfill, on a server of this
// test's own. The failed step is DatabaseUnavailable, which the state machine retries with backoff
// until the server is back: the run finishes, every row ends right, and the lock is free.
let server: EmbeddedServer;
let url: string;
let template: object;
let dir: string;

const files = {
  '001_items_label.sql': `-- migrate:up
ALTER TABLE items ADD COLUMN label text;

-- migrate:down
ALTER TABLE items DROP COLUMN label;
`,
  '001_items_label.backfill.json': JSON.stringify({
    table: 'items',
    set: { label: "'item-' || id" },
    where: 'label IS NULL',
    key: 'id',
    sync: true,
    partitions: 2,
    batchSize: 500,
    maxBatchSize: 500,
    throttle: { pauseMs: 100 },
  }),
  '002_items_label_index.sql': `-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS items_label_idx ON items (label);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS items_label_idx;
`,
};

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE app');
  await admin.end();
  const target = new URL(server.url);
  target.pathname = '/app';
  url = target.toString();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE items (id bigserial PRIMARY KEY, price numeric NOT NULL);
    INSERT INTO items (price) SELECT g FROM generate_series(1, 20000) g;`);
  await client.end();
  dir = await migrationsDir(files);
  template = await synthesizeExampleTemplate(dir);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

function run(onEvent?: (event: LocalRunEvent) => void): Promise<LocalRunResult> {
  return runReleaseLocally({
    connection: { connection: url },
    migrationsDir: dir,
    input: { release: 'r1', gates: { afterExpand: false, beforeContract: false } },
    template,
    gatePollMs: 50,
    settings: { chunkBudgetMs: 1_000 },
    log: silentLog,
    onEvent,
  });
}

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('a PostgreSQL restart in the middle of a backfill', () => {
  it('rides it out on the retries of DatabaseUnavailable: every row right, the index valid, the lock free', async () => {
    // WHEN the server crashes and restarts half way through the backfill
    let restarted: Promise<void> | undefined;
    const events: LocalRunEvent[] = [];
    const first = await run((event) => {
      events.push(event);
      if (!restarted && event.type === 'backfill-progress' && event.rowsDone > 0 && !event.done) {
        restarted = server.restart('immediate');
      }
    });
    expect(restarted, 'the backfill ended before it was half way').toBeDefined();
    await restarted;
    // the old application version writes again once the server is back
    await query('INSERT INTO items (price) SELECT g FROM generate_series(1, 100) g');

    // THEN the run rode it out on the state machine's retries of DatabaseUnavailable
    expect(first.status, `${first.error}: ${first.cause}`).toBe('succeeded');
    const failed = events.filter((e) => e.type === 'state-failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const failure of failed) expect(failure).toMatchObject({ error: 'DatabaseUnavailable' });
    expect(events.some((e) => e.type === 'state-retried')).toBe(true);
    const rows = await query<{ n: number; right: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE label = 'item-' || id)::int AS right FROM items",
    );
    expect(rows[0]).toEqual({ n: 20_100, right: 20_100 });
    const index = await query<{ valid: boolean }>(
      "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'items_label_idx'::regclass",
    );
    expect(index).toEqual([{ valid: true }]);
    const lock = await query<{ owner: string | null }>('SELECT owner FROM zerodown.lock');
    expect(lock).toEqual([{ owner: null }]);
    const backfills = await query<{ status: string }>('SELECT DISTINCT status FROM zerodown.backfills');
    expect(backfills).toEqual([{ status: 'done' }]);
  });
});
