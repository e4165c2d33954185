import { isUtf8 } from 'node:buffer';
import type { BackfillSpec } from '../backfill/spec.ts';
import { MigrationLoadError } from '../errors.ts';
import { loadSqlParser } from '../sql/statements.ts';
import { importThroughJiti } from './jiti-import.ts';
import { importMigrationModule } from './precompiled.ts';
import { inRunOrder, migrationPaths, readMigrationFile } from './scan.ts';
import { parseSqlMigration } from './sql-file.ts';
import type { Migration } from './types.ts';

// zod (the spec's schema), jiti and node-pg-migrate load the first time a file needs them: a directory
// of SQL files never does, and every command that loads migrations starts that much sooner.

async function validateSpec(file: string, value: unknown): Promise<BackfillSpec> {
  const [{ BackfillSpecSchema }, { z }] = await Promise.all([import('../backfill/spec.ts'), import('zod')]);
  const run = (value as { run?: unknown } | null)?.run;
  const { run: _run, ...rest } = (value ?? {}) as Record<string, unknown>;
  const parsed = BackfillSpecSchema.safeParse(rest);
  if (!parsed.success) {
    throw new MigrationLoadError(file, `invalid backfill spec:\n${z.prettifyError(parsed.error)}`);
  }
  if (run !== undefined && typeof run !== 'function') {
    throw new MigrationLoadError(
      file,
      'invalid backfill spec: run must be a function (batch) => Promise<void>',
    );
  }
  return { ...parsed.data, ...(run ? { run: run as BackfillSpec['run'] } : {}) };
}

async function loadBackfillSpec(
  file: string,
  path: string,
  extension: string,
  text: string,
): Promise<BackfillSpec> {
  if (extension === 'json') {
    try {
      return await validateSpec(file, JSON.parse(text));
    } catch (error) {
      if (error instanceof MigrationLoadError) throw error;
      throw new MigrationLoadError(file, `invalid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  let module: { default?: unknown };
  try {
    module = (await importMigrationModule(path, importThroughJiti)) as { default?: unknown };
  } catch (error) {
    throw new MigrationLoadError(file, `cannot load module: ${(error as Error).message}`, { cause: error });
  }
  return validateSpec(file, module.default ?? module);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A migration's text, or an error naming the line: the file must be UTF-8 (a Latin-1 `é` would
 * otherwise be stored as U+FFFD) and hold no NUL byte (PostgreSQL stops reading a statement there, so a
 * file with one would be recorded as applied having run nothing).
 */
function decodeText(file: string, bytes: Buffer): string {
  const lineAt = (offset: number) => bytes.subarray(0, offset).toString('latin1').split('\n').length;
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new MigrationLoadError(
      file,
      `holds a NUL byte at offset ${nul}: it is not a text file, or was saved as UTF-16; save it as UTF-8`,
      { line: lineAt(nul) },
    );
  }
  if (isUtf8(bytes)) return UTF8.decode(bytes);
  const offset = firstInvalidUtf8(bytes);
  throw new MigrationLoadError(
    file,
    `is not valid UTF-8 (byte 0x${bytes[offset]?.toString(16).padStart(2, '0')} at offset ${offset}); it may be Latin-1 or Windows-1252: convert it, e.g. iconv -f latin1 -t utf-8`,
    { line: lineAt(offset) },
  );
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (length === 0 || !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

/**
 * Loads one migration file; its name says its version, name and phase.
 *
 * @example
 * const migration = await loadMigrationFile('migrations/20240101_add_display_name.sql');
 */
export async function loadMigrationFile(
  filePath: string,
  options: { cwd?: string } = {},
): Promise<Migration> {
  await loadSqlParser();
  const { extension, bytes, ...base } = readMigrationFile(filePath, options.cwd ?? process.cwd());
  const { file, path, phase } = base;
  if (phase === 'backfill') {
    const spec = await loadBackfillSpec(file, path, extension, decodeText(file, bytes));
    return { ...base, kind: 'backfill', phase, spec };
  }
  if (extension === 'sql') {
    const { up, down } = parseSqlMigration(file, decodeText(file, bytes));
    return { ...base, kind: 'schema', phase, format: 'sql', up, down };
  }
  const { loadModuleMigration } = await import('./module-file.ts');
  const { up, down } = await loadModuleMigration(file, path);
  return { ...base, kind: 'schema', phase, format: 'node-pg-migrate', up, down };
}

/**
 * Loads every migration in a directory, ordered by version, then phase, then name. Refuses, naming the
 * file, duplicate versions within a phase, unknown phases, unreadable or invalid files.
 *
 * @example
 * const migrations = await loadMigrations('migrations');
 */
export async function loadMigrations(
  directory: string,
  options: { cwd?: string } = {},
): Promise<Migration[]> {
  const cwd = options.cwd ?? process.cwd();
  const migrations: Migration[] = [];
  for (const path of await migrationPaths(directory, cwd)) {
    migrations.push(await loadMigrationFile(path, { cwd }));
  }
  return inRunOrder(migrations);
}
