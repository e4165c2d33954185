import pg from 'pg';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../core/db/connection.ts';
import { formatDuration } from '../core/duration.ts';
import { EmbeddedPostgresUnavailable } from '../core/errors.ts';
import { decideGate } from '../core/gates/gates.ts';
import { versionSearchPath } from '../core/versions/names.ts';
import { checkVersionWrites, startVersionWriters } from './demo-versions.ts';
import { type EmbeddedServer, startEmbeddedPostgres } from './embedded-postgres.ts';
import { formatEvent, type LocalRunEvent } from './local-runner/events.ts';
import { runReleaseLocally } from './local-runner/run-release.ts';
import { stderrLog } from './output.ts';

/** Rows seeded in each of users and orders. */
export const DEMO_ROWS = 100_000;

const write = (text: string) => process.stdout.write(`${text}\n`);

/**
 * The example application's tables (what `migrations/` changes) as its first version has them, with
 * `rows` users and `rows` orders. The demo seeds them; so do the workflow and Lambda tests.
 */
export async function seedExampleTables(client: pg.ClientBase, rows: number): Promise<void> {
  const n = Math.trunc(rows);
  await client.query(`
    CREATE TABLE users (id bigserial PRIMARY KEY, username text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, ${n}) g;
    CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint NOT NULL, total numeric(12, 2) NOT NULL);
    INSERT INTO orders (user_id, total) SELECT 1 + g % ${n}, g % 1000 FROM generate_series(1, ${n}) g;
    ANALYZE users; ANALYZE orders;`);
}

/** A short `\d`: columns, indexes and constraints of the demo tables. */
async function describeSchema(client: pg.Client): Promise<string> {
  const lines: string[] = [];
  for (const table of ['users', 'orders']) {
    const columns = await client.query(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    const count = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
    lines.push(`  ${table} (${count.rows[0].n} rows)`);
    for (const c of columns.rows) {
      const flags = [
        c.is_nullable === 'NO' ? 'not null' : '',
        c.column_default ? `default ${c.column_default}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(`    ${c.column_name.padEnd(14)} ${c.data_type}${flags ? `  (${flags})` : ''}`);
    }
    const extras = await client.query(
      `SELECT 'index ' || indexname || ': ' || regexp_replace(indexdef, '^.* USING ', '') AS line FROM pg_indexes
        WHERE schemaname = 'public' AND tablename = $1
       UNION ALL
       SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = $1::regclass AND contype NOT IN ('p', 'n')
       ORDER BY 1`,
      [table],
    );
    for (const e of extras.rows) lines.push(`    ${e.line}`);
  }
  return lines.join('\n');
}

/**
 * At the gate: both versions write a moment longer, then the old one stops (the deploy replaced it)
 * and the demo approves, as CI would with "zerodown gate approve".
 */
async function retireOldVersionAndApprove(
  client: pg.Client,
  writers: ReturnType<typeof startVersionWriters> | undefined,
): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const old = await writers?.old.stop();
  write(
    `   (in a real deploy, CI deploys the new app version here; the old one stopped after ${old?.inserts ?? 0} inserts, then "zerodown gate approve")`,
  );
  await decideGate(client, { release: 'demo', decision: 'approved', decidedBy: 'demo' });
}

/**
 * `npm run demo`: starts an embedded PostgreSQL, seeds users and orders with 100,000 rows each, and runs
 * the example migrations through the local runner of the synthesized state machine as a versioned
 * release: expand (which creates zd_demo), backfill with progress while the old version writes the
 * tables and the new one its views, the deploy gate (the old version stops, then the demo approves),
 * contract, and a check of every row either version wrote. Prints the schema before
 * and after and a timing summary. Needs no database and no Docker.
 *
 * @example
 * process.exitCode = await runDemo([]);
 */
export async function runDemo(_argv: string[]): Promise<number> {
  const started = Date.now();
  write('zerodown demo: the orchestrator state machine, run locally on an embedded PostgreSQL\n');
  write('starting an embedded PostgreSQL 18 ...');
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedPostgres();
  } catch (error) {
    // bin/demo.mjs has no CLI main around it: the one line (cause and fix) main would print
    if (!(error instanceof EmbeddedPostgresUnavailable)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  const timings: [string, number][] = [['start PostgreSQL', Date.now() - started]];
  const client = new pg.Client(server.url);
  try {
    await client.connect();
    let mark = Date.now();
    await seedExampleTables(client, DEMO_ROWS);
    timings.push([`seed ${DEMO_ROWS} users and ${DEMO_ROWS} orders`, Date.now() - mark]);
    write(`\nschema before (the app's first version):\n${await describeSchema(client)}\n`);
    write('$ zerodown run --local --release demo   (input: "versionedSchema": true)\n');
    mark = Date.now();
    let writers: ReturnType<typeof startVersionWriters> | undefined;
    let oldStopped: Promise<unknown> = Promise.resolve();
    const result = await runReleaseLocally({
      connection: { connection: server.url, lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS },
      databaseForDisplay: server.url,
      migrationsDir: 'migrations',
      input: { release: 'demo', versionedSchema: true, gates: { afterExpand: false, beforeContract: true } },
      approveGates: false,
      gatePollMs: 100,
      log: stderrLog(),
      onEvent: (event: LocalRunEvent) => {
        const line = formatEvent(event);
        if (line) write(line);
        if (event.type === 'state-left' && event.state === 'Expand') {
          write(
            `   the old app version starts writing users.username (search_path public), the new one users.display_name through zd_demo (search_path ${versionSearchPath('demo')})`,
          );
          writers = startVersionWriters(server.url, 'demo', DEMO_ROWS);
        }
        if (event.type === 'gate-waiting') oldStopped = retireOldVersionAndApprove(client, writers);
      },
    });
    await oldStopped;
    // a run that failed before its gate leaves the old version writing: it stops here too
    await writers?.old.stop();
    const newWrites = await writers?.new.stop();
    timings.push(['workflow (synthesize + run)', Date.now() - mark]);
    if (writers && newWrites) {
      const { writes: oldWrites } = writers.old;
      const check = await checkVersionWrites(client, [oldWrites, newWrites]);
      write(
        `\ntwo versions at once: the old one wrote ${oldWrites.inserts} inserts and ${oldWrites.updates} updates, the new one ${newWrites.inserts} and ${newWrites.updates}; ${check.checked} rows checked through display_name: ${check.missing} lost, ${check.wrong} wrong`,
      );
    }
    write(`\nschema after:\n${await describeSchema(client)}\n`);
    write('timing summary:');
    for (const [what, ms] of timings) write(`  ${what.padEnd(38)} ${formatDuration(ms).padStart(8)}`);
    for (const [state, ms] of Object.entries(result.stateMs))
      write(`    ${state.padEnd(36)} ${formatDuration(ms).padStart(8)}`);
    write(`  ${'total'.padEnd(38)} ${formatDuration(Date.now() - started).padStart(8)}`);
    if (result.status === 'failed') {
      write(`\nthe workflow failed in ${result.failedState ?? 'an unknown state'}: ${result.error}`);
      return 1;
    }
    return 0;
  } finally {
    await client.end().catch(() => undefined);
    await server.stop();
  }
}
