import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

/** A database of its own for one test file. */
export interface TestDatabase {
  /** Connection URL of the fresh database (valid inside tests, after beforeAll). */
  url: string;
  /** A connected client to the fresh database, closed after the file. */
  client: pg.Client;
  /** Another plain connection to the fresh database (a concurrent writer, a lock holder); the caller closes it. */
  connect(): Promise<pg.Client>;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Gives the calling test file a fresh database on the shared test server, so files run in
 * parallel and leave nothing behind.
 *
 * @example
 * const db = useFreshDatabase();
 * it('works', async () => { await db.client.query('select 1'); });
 */
export function useFreshDatabase(): TestDatabase {
  const serverUrl = inject('pgServerUrl');
  const name = `zd_test_${randomBytes(6).toString('hex')}`;
  const handle = {
    url: withDatabase(serverUrl, name),
    async connect() {
      const client = new pg.Client({ connectionString: handle.url });
      await client.connect();
      return client;
    },
  } as TestDatabase;
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    handle.client = new pg.Client({ connectionString: handle.url });
    await handle.client.connect();
  });
  afterAll(async () => {
    await handle.client?.end().catch(() => undefined);
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });
  return handle;
}
