import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { InvalidInput, MigrationLoadError } from '../errors.ts';
import { compareMigrations, looksLikeMigration, parseFileName } from './filename.ts';
import type { Migration } from './types.ts';

/** What a migration file is without reading its SQL: who it is, and the checksum of its bytes. */
export type MigrationFile = Pick<
  Migration,
  'id' | 'version' | 'name' | 'phase' | 'file' | 'path' | 'checksum'
>;

/** A migration file with its bytes, as the loader parses it. */
export interface MigrationFileBytes extends MigrationFile {
  readonly extension: string;
  readonly bytes: Buffer;
}

/** Reads one migration file and names it from its file name (refused by name when it is not one). */
export function readMigrationFile(filePath: string, cwd: string): MigrationFileBytes {
  const path = resolve(cwd, filePath);
  const entry = basename(path);
  const file = relative(cwd, path) || entry;
  const { version, name, phase, extension } = parseFileName(entry, file);
  let bytes: Buffer;
  try {
    // read synchronously: a directory's files are read one after the other before anything else runs,
    // and four thread-pool hops per file (open, stat, read, close) cost more than the read (200 files:
    // 55 ms awaited, a few ms read at once; under load, hundreds)
    bytes = readFileSync(path);
  } catch (error) {
    throw new MigrationLoadError(file, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  const checksum = createHash('sha256').update(bytes).digest('hex');
  return { id: `${version}.${phase}`, version, name, phase, file, path, checksum, extension, bytes };
}

/** The migration files of a directory, in name order; a missing directory is a usage error. */
export async function migrationPaths(directory: string, cwd: string): Promise<string[]> {
  const root = resolve(cwd, directory);
  let entries: string[];
  try {
    // synchronously, as the files are read (readMigrationFile): nothing else runs meanwhile
    entries = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // a wrong path is a usage error (exit 2), as it is for `zerodown lint`
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new InvalidInput(
        `${directory}: no such migrations directory; give the directory with --migrations (or set migrationsDir)`,
        { cause: error },
      );
    }
    throw new MigrationLoadError(
      directory,
      `cannot read the migrations directory: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return entries
    .filter(looksLikeMigration)
    .sort()
    .map((entry) => join(root, entry));
}

/** Refuses two files with one version in one phase, naming both; returns them ordered as they run. */
export function inRunOrder<T extends MigrationFile>(files: T[]): T[] {
  const seen = new Map<string, T>();
  for (const file of files) {
    const other = seen.get(file.id);
    if (other) {
      throw new MigrationLoadError(
        file.file,
        `duplicate version ${file.version} in phase ${file.phase}: ${other.file} has it too; give one of them a new version`,
      );
    }
    seen.set(file.id, file);
  }
  return files.sort(compareMigrations);
}

/**
 * The migration files of a directory with their checksums, without parsing them (no SQL parser, no
 * module loader): what `zerodown status` compares with the database. Refuses what `loadMigrations`
 * refuses by name (bad file names, duplicate versions); a file whose SQL does not parse is listed.
 *
 * @example
 * const files = await scanMigrations('migrations');
 */
export async function scanMigrations(
  directory: string,
  options: { cwd?: string } = {},
): Promise<MigrationFile[]> {
  const cwd = options.cwd ?? process.cwd();
  const files = (await migrationPaths(directory, cwd)).map((path) => {
    const { extension: _extension, bytes: _bytes, ...file } = readMigrationFile(path, cwd);
    return file;
  });
  return inRunOrder(files);
}
