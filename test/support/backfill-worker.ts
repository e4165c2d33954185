/**
 * A backfilling process for the SIGKILL tests: runs one backfill to completion and, when asked, kills
 * itself with SIGKILL at a precise point, recognised by the SQL its clients send:
 *
 *   node --import tsx test/support/backfill-worker.ts <database url> <backfill file> [<point> <nth>]
 *
 * Points: `prepare` (before the partition rows are inserted), `probe` (a batch's transaction open),
 * `update-running` (the UPDATE sent, the server working on it), `update-done` (the rows changed, the
 * cursor not yet saved), `commit` (everything saved, COMMIT not sent), `committed` (just after a
 * COMMIT), `finish` (all partitions done, the backfill not yet recorded as applied).
 */
import pg from 'pg';
import { runBackfillToCompletion } from '../../core/backfill/index.ts';
import { silentLog } from '../../core/log.ts';
import { loadMigrationFile } from '../../core/migrations/load.ts';
import type { BackfillMigration } from '../../core/migrations/types.ts';

const [url, file, point, nthText] = process.argv.slice(2);
const nth = Number(nthText ?? 1);
let seen = 0;

const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

function sqlOf(args: unknown[]): string {
  const first = args[0];
  return typeof first === 'string' ? first : ((first as { text?: string })?.text ?? '');
}

/** Whether this query is the nth at the point, before it is sent. */
function before(sql: string): boolean {
  const matches =
    (point === 'prepare' && sql.includes('INSERT INTO zerodown.backfills')) ||
    (point === 'probe' && sql.startsWith('SELECT count(*) AS rows')) ||
    (point === 'commit' && sql === 'COMMIT') ||
    (point === 'finish' && sql.includes('INSERT INTO zerodown.migrations'));
  return matches && ++seen === nth;
}

/** Whether this query is the nth at the point, after it returns (or while it runs). */
function after(sql: string): boolean {
  const matches =
    ((point === 'update-done' || point === 'update-running') && sql.startsWith('UPDATE "kill_')) ||
    (point === 'committed' && sql === 'COMMIT');
  return matches && ++seen === nth;
}

function instrument(client: pg.Client): pg.Client {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { query: unknown }).query = async (...args: unknown[]) => {
    const sql = sqlOf(args);
    if (before(sql)) die();
    const checkAfter = after(sql);
    const running = query(...args);
    if (checkAfter && point === 'update-running') {
      // the statement is on the server: die while it works
      setTimeout(die, 2);
    }
    const result = await running;
    if (checkAfter) die();
    return result;
  };
  return client;
}

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return instrument(client);
}

const migration = (await loadMigrationFile(file!)) as BackfillMigration;
const client = await connect();
await runBackfillToCompletion(client, migration, {
  executionId: `worker-${process.pid}`,
  log: silentLog,
  targetBatchMs: 15,
  connect,
});
await client.end();
