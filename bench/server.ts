import { type EmbeddedServer, startEmbeddedPostgres } from '../cli/embedded-postgres.ts';
import { describeConnection } from '../core/db/connection.ts';

/** The server a database bench runs against, and how its command line names it. */
export interface BenchServer {
  readonly url: string;
  /** `TEST_DATABASE_URL=postgres://… ` for the command shown in docs/benchmarks.md ('' when embedded). */
  readonly setting: string;
  /** Started here (no DATABASE_URL or TEST_DATABASE_URL): stop it when done. */
  readonly embedded: EmbeddedServer | undefined;
}

/**
 * DATABASE_URL or TEST_DATABASE_URL, else an embedded PostgreSQL 18 started for the bench.
 *
 * @example
 * const server = await benchServer(); try { … } finally { await server.embedded?.stop(); }
 */
export async function benchServer(): Promise<BenchServer> {
  const given = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const variable = process.env.DATABASE_URL ? 'DATABASE_URL' : 'TEST_DATABASE_URL';
  const embedded = given ? undefined : await startEmbeddedPostgres();
  return {
    url: given ?? embedded!.url,
    setting: given ? `${variable}=${describeConnection(given)} ` : '',
    embedded,
  };
}
