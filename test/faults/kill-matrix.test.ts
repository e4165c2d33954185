import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalRunEvent } from '../../cli/local-runner/events.ts';
import { synthesizeExampleTemplate } from '../../cli/local-runner/run-release.ts';
import { type CliResult, NO_CDK_APP, runCli } from '../support/cli-process.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

// The whole workflow (`zerodown run --local` on the synthesized state machine, real task code) killed
// with SIGKILL at 22 points, then run again as the same release: after each, every table's data and the
// schema are exactly those of a run that was never interrupted, and the lock is free. Right after each
// kill the lease is held by the dead run and expiring, and `zerodown status` reads what was recorded.
//
// Points in the middle of a statement are held there by the database, not by timing: an unrelated open
// transaction keeps CREATE INDEX CONCURRENTLY waiting, a function that sleeps on one row keeps a backfill
// batch and the VALIDATE scan running, a lock keeps the rollback's ALTER TABLE queued.

const WORKER = fileURLToPath(new URL('../support/run-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROWS = 3_000;

const files = {
  '001_accounts_email_lower.sql': `-- migrate:up
ALTER TABLE accounts ADD COLUMN email_lower text;

-- migrate:down
ALTER TABLE accounts DROP COLUMN email_lower;
`,
  '001_accounts_email_lower.backfill.json': JSON.stringify({
    table: 'accounts',
    set: { email_lower: 'fx_lower(email, id)' },
    where: 'email_lower IS NULL',
    key: 'id',
    sync: true,
    partitions: 2,
    batchSize: 250,
    maxBatchSize: 250,
    // a pause after each batch: several chunks per partition, so there are points between them
    throttle: { pauseMs: 250 },
  }),
  '002_accounts_email_lower_index.sql': `-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_lower_idx ON accounts (email_lower);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS accounts_email_lower_idx;
`,
  '003_accounts_checks.contract.sql': `-- migrate:up
ALTER TABLE accounts ADD CONSTRAINT accounts_email_lower_set CHECK (email_lower IS NOT NULL) NOT VALID;
ALTER TABLE accounts ADD CONSTRAINT accounts_plan_known CHECK (fx_slow(id) AND plan IN ('free', 'team')) NOT VALID;

-- migrate:down
ALTER TABLE accounts DROP CONSTRAINT accounts_plan_known;
ALTER TABLE accounts DROP CONSTRAINT accounts_email_lower_set;
`,
  '004_accounts_checks_validate.contract.sql': `-- migrate:up
ALTER TABLE accounts VALIDATE CONSTRAINT accounts_email_lower_set;
ALTER TABLE accounts VALIDATE CONSTRAINT accounts_plan_known;

-- migrate:down
`,
  '005_accounts_email_lower_not_null.contract.sql': `-- migrate:up
ALTER TABLE accounts ALTER COLUMN email_lower SET NOT NULL;
ALTER TABLE accounts DROP CONSTRAINT accounts_email_lower_set;

-- migrate:down
ALTER TABLE accounts ADD CONSTRAINT accounts_email_lower_set CHECK (email_lower IS NOT NULL) NOT VALID;
ALTER TABLE accounts ALTER COLUMN email_lower DROP NOT NULL;
`,
};

/** The application's tables before the release; one row of each slow function's input sleeps. */
const SEED = `
  CREATE FUNCTION fx_lower(email text, id bigint) RETURNS text LANGUAGE plpgsql AS $$
  BEGIN
    IF id = ${ROWS / 2} THEN PERFORM pg_sleep(1.5); END IF;
    RETURN lower(email);
  END $$;
  CREATE FUNCTION fx_slow(id bigint) RETURNS boolean LANGUAGE plpgsql AS $$
  BEGIN
    IF id = ${ROWS / 2} THEN PERFORM pg_sleep(1.5); END IF;
    RETURN true;
  END $$;
  CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, plan text DEFAULT 'free');
  INSERT INTO accounts (email, plan)
    SELECT 'User' || g || '@Example.COM', CASE WHEN g % 3 = 0 THEN 'team' ELSE 'free' END
    FROM generate_series(1, ${ROWS}) g;
  CREATE TABLE notes (id serial PRIMARY KEY, body text);
  INSERT INTO notes (body) SELECT 'note ' || g FROM generate_series(1, 50) g;
`;

const serverUrl = () => inject('pgServerUrl');
function urlOf(database: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

const created: string[] = [];
const template = `zd_fault_tpl_${randomBytes(4).toString('hex')}`;

/** A database of its own, a copy of the seeded template. */
async function seededDatabase(): Promise<string> {
  const name = `zd_fault_${randomBytes(5).toString('hex')}`;
  await onServer((admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  created.push(name);
  return name;
}

async function withClient<T>(database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlOf(database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Every table's rows (count and a digest), columns, constraints, indexes and triggers of the app's schema. */
async function fingerprint(database: string): Promise<Record<string, unknown>> {
  return withClient(database, async (client) => {
    const tables = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    const data: Record<string, unknown> = {};
    for (const { name } of tables.rows) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM public."${name}" t`,
      );
      data[name] = rows[0];
    }
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = 'public' ORDER BY 1, 2`,
    );
    const constraints = await client.query(
      `SELECT conrelid::regclass::text AS table, conname, pg_get_constraintdef(oid) AS def, convalidated
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
    );
    const indexes = await client.query(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1`,
    );
    const triggers = await client.query(
      `SELECT tgrelid::regclass::text AS table, tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT tgisinternal AND c.relnamespace = 'public'::regnamespace ORDER BY 1, 2`,
    );
    return {
      data,
      columns: columns.rows,
      constraints: constraints.rows,
      indexes: indexes.rows,
      triggers: triggers.rows,
    };
  });
}

function events(stdout: string): LocalRunEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

interface Killed {
  signal: NodeJS.Signals | null;
  code: number | null;
  events: LocalRunEvent[];
  stderr: string;
}

let dir: string;
let templateFile: string;
let requestDir: string;

/**
 * A run of the worker against `database`: killed by itself at `point`, or by `killWhen` (polled on the
 * test's own connection while the run goes; it may act on the database first, e.g. reject a gate).
 */
async function runWorker(
  database: string,
  options: {
    release: string;
    input?: Record<string, unknown>;
    approveGates?: boolean;
    point?: string;
    killWhen?: (client: pg.Client, seen: LocalRunEvent[]) => Promise<boolean>;
  },
): Promise<Killed> {
  const requestFile = join(requestDir, `${database}-${randomBytes(3).toString('hex')}.json`);
  await writeFile(
    requestFile,
    JSON.stringify({
      databaseUrl: urlOf(database),
      migrationsDir: dir,
      templateFile,
      input: {
        release: options.release,
        gates: { afterExpand: true, beforeContract: true },
        ...options.input,
      },
      approveGates: options.approveGates ?? true,
      settings: { chunkBudgetMs: 1_000, leaseTtlMs: 120_000 },
    }),
  );
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER, requestFile, ...(options.point ? [options.point] : [])],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  // a run that never reaches its point (a gate nobody approves) must not outlive the test
  let overdue = false;
  const deadline = setTimeout(() => {
    overdue = true;
    child.kill('SIGKILL');
  }, 150_000);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (overdue) reject(new Error(`the run never reached its point:\n${stdout.slice(-2000)}`));
      else resolve({ code, signal });
    });
  });
  if (options.killWhen) {
    const watcher = new pg.Client({ connectionString: urlOf(database) });
    watcher.on('error', () => undefined);
    await watcher.connect();
    try {
      let ended = false;
      void closed.then(() => {
        ended = true;
      });
      while (!ended) {
        const seen = events(stdout.slice(0, stdout.lastIndexOf('\n') + 1));
        if (await options.killWhen(watcher, seen)) {
          child.kill('SIGKILL');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await watcher.end();
    }
  }
  const { code, signal } = await closed;
  return { code, signal, events: events(stdout), stderr };
}

/** `zerodown run --local` (the real CLI) on the same template: the same release again. */
function rerun(database: string, release: string, input: Record<string, unknown> = {}): Promise<CliResult> {
  return runCli(
    [
      'run',
      '--local',
      '--template',
      templateFile,
      '--database-url',
      urlOf(database),
      '--migrations',
      dir,
      '--release',
      release,
      '--approve-gates',
      '--chunk-budget',
      '1s',
      '--input',
      JSON.stringify({ gates: { afterExpand: true, beforeContract: true }, ...input }),
      '--format',
      'json',
    ],
    {},
    NO_CDK_APP,
  );
}

/** A statement of another session (not `client`'s), running or waiting, whose text matches. */
async function statementRunning(client: pg.Client, like: string, waitingOnLock = false): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND state = 'active' AND query ILIKE $1 AND ($2::boolean IS FALSE OR wait_event_type = 'Lock')`,
    [like, waitingOnLock],
  );
  return rows.length > 0;
}

/**
 * The lease right after a kill: free, or held by the dead run and expiring within its time to live —
 * or, once the run has waited at a gate, within the gate's timeout (a gate holds the lease while people
 * decide; the same release takes it over at once).
 */
async function leaseAfterKill(database: string, release: string, seen: LocalRunEvent[]): Promise<void> {
  const gate = seen.find((e) => e.type === 'gate-waiting' || e.type === 'gate-decided');
  const longest = gate ? 24 * 3600 + 120 : 120;
  await withClient(database, async (client) => {
    const exists = await client.query("SELECT to_regclass('zerodown.lock') IS NOT NULL AS ok");
    if (!exists.rows[0].ok) return;
    const { rows } = await client.query(
      `SELECT owner, release, extract(epoch FROM expires_at - now()) AS left FROM zerodown.lock`,
    );
    const lease = rows[0];
    if (lease.owner === null) return;
    expect(lease.release).toBe(release);
    expect(Number(lease.left)).toBeGreaterThan(0);
    expect(Number(lease.left)).toBeLessThanOrEqual(longest);
  });
}

async function leaseOwner(database: string): Promise<string | null> {
  return withClient(database, async (client) => {
    const { rows } = await client.query('SELECT owner FROM zerodown.lock WHERE id = 1');
    return rows[0]?.owner ?? null;
  });
}

/** `zerodown status` reads what the dead run recorded: applied migrations are a prefix of the plan. */
async function statusAfterKill(database: string): Promise<void> {
  const status = await runCli([
    'status',
    '--database-url',
    urlOf(database),
    '--migrations',
    dir,
    '--format',
    'json',
  ]);
  expect([0, 1], status.stderr).toContain(status.code);
  const report = JSON.parse(status.stdout);
  expect(report).toBeTypeOf('object');
}

let reference: Record<string, unknown>;
let original: Record<string, unknown>;

beforeAll(async () => {
  dir = await migrationsDir(files);
  requestDir = await mkdtemp(join(tmpdir(), 'zd-faults-'));
  templateFile = join(requestDir, 'template.json');
  await writeFile(templateFile, JSON.stringify(await synthesizeExampleTemplate(dir)));
  await onServer(async (admin) => {
    await admin.query(`CREATE DATABASE ${template}`);
  });
  await withClient(template, (client) => client.query(SEED));
  original = await fingerprint(template);
  // the uninterrupted run every faulted one must end like
  const clean = await seededDatabase();
  const run = await rerun(clean, 'r1');
  expect(run.code, run.stdout + run.stderr).toBe(0);
  reference = await fingerprint(clean);
  expect(reference).not.toEqual(original);
}, 120_000);

afterAll(async () => {
  await rm(requestDir, { recursive: true, force: true });
  await onServer(async (admin) => {
    for (const name of [...created, template])
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
});

/** A kill point of the release that, run again, must succeed. */
interface Point {
  name: string;
  /** The worker kills itself here (see test/support/run-worker.ts). */
  point?: string;
  approveGates?: boolean;
  input?: Record<string, unknown>;
  /** Something that holds the run in the middle of a statement, opened before the run starts. */
  hold?: (client: pg.Client) => Promise<void>;
  killWhen?: (client: pg.Client, seen: LocalRunEvent[]) => Promise<boolean>;
}

const forward: Point[] = [
  { name: 'entering Plan', point: 'entered:Plan' },
  { name: 'entering AcquireLock', point: 'entered:AcquireLock' },
  { name: 'entering Expand', point: 'entered:Expand' },
  {
    name: 'mid-CONCURRENTLY (the index build waiting for an unrelated transaction)',
    hold: async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await client.query('SELECT count(*) FROM notes');
    },
    killWhen: (client) => statementRunning(client, 'CREATE INDEX CONCURRENTLY%'),
  },
  { name: 'entering IsExpandDone', point: 'entered:IsExpandDone' },
  { name: 'inside the afterExpand gate', point: 'gate-waiting:afterExpand', approveGates: false },
  { name: 'entering PrepareBackfill', point: 'entered:PrepareBackfill' },
  { name: 'entering the first BackfillChunk', point: 'entered:BackfillChunk' },
  {
    name: 'mid-batch (the UPDATE running on the server)',
    killWhen: (client) => statementRunning(client, '%fx_lower(%'),
  },
  { name: 'between batches, half way', point: 'backfill-midway' },
  { name: 'entering the third BackfillChunk', point: 'entered:BackfillChunk#3' },
  { name: 'entering FinishBackfills', point: 'entered:FinishBackfills' },
  {
    name: 'inside the beforeContract gate',
    point: 'gate-waiting:beforeContract',
    approveGates: false,
    input: { gates: { afterExpand: false, beforeContract: true } },
  },
  { name: 'right after the gate is approved', point: 'gate-decided#2' },
  { name: 'entering Contract', point: 'entered:Contract' },
  {
    name: 'mid-VALIDATE (the scan running on the server)',
    killWhen: (client) => statementRunning(client, '%VALIDATE CONSTRAINT%'),
  },
  { name: 'entering IsContractDone', point: 'entered:IsContractDone' },
  { name: 'entering ReleaseLock', point: 'entered:ReleaseLock' },
  { name: 'entering Succeeded (all done, the process not yet ended)', point: 'entered:Succeeded' },
];

describe('SIGKILL of the local run at each step of the workflow, then the same release again', () => {
  it.each(forward)('$name: ends exactly as an uninterrupted run, lock free', async (p) => {
    const database = await seededDatabase();
    const holder = new pg.Client({ connectionString: urlOf(database) });
    holder.on('error', () => undefined);
    await holder.connect();
    let killed: Killed;
    try {
      await p.hold?.(holder);
      killed = await runWorker(database, {
        release: 'r1',
        point: p.point,
        approveGates: p.approveGates,
        input: p.input,
        killWhen: p.killWhen,
      });
      expect(killed.signal, `${killed.stderr}\n${JSON.stringify(killed.events.slice(-3))}`).toBe('SIGKILL');
      await holder.query('ROLLBACK').catch(() => undefined);
    } finally {
      await holder.end();
    }
    await leaseAfterKill(database, 'r1', killed.events);
    await statusAfterKill(database);

    const again = await rerun(database, 'r1');
    expect(again.code, again.stdout.slice(-2000) + again.stderr).toBe(0);
    expect(await fingerprint(database)).toEqual(reference);
    expect(await leaseOwner(database)).toBeNull();
  });

  it('a second kill during the rerun, then a third run: ends exactly as an uninterrupted run', async () => {
    const database = await seededDatabase();
    const first = await runWorker(database, { release: 'r1', point: 'backfill-midway' });
    expect(first.signal).toBe('SIGKILL');
    const second = await runWorker(database, { release: 'r1', point: 'entered:Contract' });
    expect(second.signal).toBe('SIGKILL');
    await leaseAfterKill(database, 'r1', [...first.events, ...second.events]);
    const third = await rerun(database, 'r1');
    expect(third.code, third.stdout.slice(-2000) + third.stderr).toBe(0);
    expect(await fingerprint(database)).toEqual(reference);
    expect(await leaseOwner(database)).toBeNull();
  });

  describe('during a rollback (the gate rejected, onGateReject: rollback)', () => {
    const input = { gates: { afterExpand: false, beforeContract: true }, onGateReject: 'rollback' };

    /** Rejects the gate once the run waits there (after `before`, e.g. taking a lock). */
    function rejectAtGate(database: string, before?: () => Promise<void>) {
      let rejected = false;
      return async (_client: pg.Client, seen: LocalRunEvent[]) => {
        if (!rejected && seen.some((e) => e.type === 'gate-waiting')) {
          rejected = true;
          await before?.();
          const reject = await runCli([
            'gate',
            'reject',
            '--release',
            'r1',
            '--reason',
            'canary failed',
            '--database-url',
            urlOf(database),
          ]);
          expect(reject.code, reject.stderr).toBe(0);
        }
        return false;
      };
    }

    it.each([
      { name: 'entering Rollback', point: 'entered:Rollback' },
      { name: 'entering ReleaseLock after the rollback', point: 'entered:ReleaseLock' },
    ])('$name: the same release again, rejected again, ends as before the release, lock free', async (p) => {
      const database = await seededDatabase();
      const killed = await runWorker(database, {
        release: 'r1',
        point: p.point,
        approveGates: false,
        input,
        killWhen: rejectAtGate(database),
      });
      expect(killed.signal, `${killed.stderr}\n${JSON.stringify(killed.events.slice(-3))}`).toBe('SIGKILL');
      await leaseAfterKill(database, 'r1', killed.events);
      await statusAfterKill(database);
      await rejectedAgain(database);
      expect(await fingerprint(database)).toEqual(original);
      expect(await leaseOwner(database)).toBeNull();
    });

    /**
     * The same release again: a rerun is a new attempt (a rejected gate is asked again, see
     * openGateForExecution), so it finishes what the dead rollback left applied, waits at the gate, and
     * is rejected again: then its rollback must undo everything.
     */
    async function rejectedAgain(database: string): Promise<void> {
      const again = await runWorker(database, {
        release: 'r1',
        approveGates: false,
        input,
        killWhen: rejectAtGate(database),
      });
      expect(again.code, again.stderr).toBe(1);
      expect(again.events.at(-1)).toMatchObject({ type: 'execution-failed', error: 'GateRejected' });
      expect(again.events.some((e) => e.type === 'state-entered' && e.state === 'Rollback')).toBe(true);
    }

    it('mid-rollback (its statement queued behind a lock): the same release again, rejected again, ends as before the release', async () => {
      const database = await seededDatabase();
      const holder = new pg.Client({ connectionString: urlOf(database) });
      holder.on('error', () => undefined);
      await holder.connect();
      try {
        const reject = rejectAtGate(database, async () => {
          await holder.query('BEGIN');
          await holder.query('LOCK TABLE accounts IN ACCESS SHARE MODE');
        });
        const killed = await runWorker(database, {
          release: 'r1',
          approveGates: false,
          input,
          killWhen: async (client, seen) =>
            (await reject(client, seen)) || (await statementRunning(client, '%', true)),
        });
        expect(killed.signal, `${killed.stderr}\n${JSON.stringify(killed.events.slice(-3))}`).toBe('SIGKILL');
        expect(killed.events.some((e) => e.type === 'state-entered' && e.state === 'Rollback')).toBe(true);
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
      await rejectedAgain(database);
      expect(await fingerprint(database)).toEqual(original);
      expect(await leaseOwner(database)).toBeNull();
    });
  });
});
