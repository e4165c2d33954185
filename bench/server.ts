import { describeConnection } from '../core/db/connection.ts';
import { provideTestServer } from '../test/support/postgres-server.ts';

/** The server the benchmarks run against, and how their command line names it. */
export interface BenchServer {
  readonly url: string;
  /** `BENCH_DATABASE_URL=postgres://… ` for the command shown in docs/benchmarks.md ('' when started here). */
  readonly setting: string;
  /** Started here (testcontainers or embedded): stop it when done. */
  readonly embedded: { stop(): Promise<void> } | undefined;
}

/**
 * `url` (BENCH_DATABASE_URL), else the server the tests use: TEST_DATABASE_URL, else testcontainers
 * when a Docker engine answers, else an embedded PostgreSQL.
 *
 * @example
 * const server = await benchServer(process.env.BENCH_DATABASE_URL); try { … } finally { await server.embedded?.stop(); }
 */
export async function benchServer(url?: string): Promise<BenchServer> {
  if (url) return { url, setting: `BENCH_DATABASE_URL=${describeConnection(url)} `, embedded: undefined };
  const server = await provideTestServer();
  if (server.source === 'TEST_DATABASE_URL')
    return {
      url: server.url,
      setting: `TEST_DATABASE_URL=${describeConnection(server.url)} `,
      embedded: undefined,
    };
  return { url: server.url, setting: '', embedded: server };
}
