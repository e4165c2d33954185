import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { InvalidInput, MigrationLoadError, SqlSyntaxError } from '../errors.ts';
import {
  compareMigrations,
  looksLikeMigration,
  type ParsedFileName,
  parseFileName,
} from '../migrations/filename.ts';
import { loadMigrationFile } from '../migrations/load.ts';
import { parseSqlMigration } from '../migrations/sql-file.ts';
import type { Migration } from '../migrations/types.ts';
import { loadSqlParser } from '../sql/statements.ts';
import { type LintOptions, type LintSource, lintSources } from './engine.ts';
import { FILE_FINDINGS } from './file-findings.ts';
import type { LintFinding } from './types.ts';

/** Options of `lintPaths`: those of `lintMigrations`, and the directory paths are relative to. */
export interface LintPathsOptions extends LintOptions {
  readonly cwd?: string;
}

/** A file that cannot be loaded, as a finding: the parser's message and line, or the loader's. */
function loadFailure(file: string, error: unknown): LintFinding {
  if (!(error instanceof MigrationLoadError)) {
    return {
      file,
      line: 1,
      column: 1,
      rule: FILE_FINDINGS.invalidFile.id,
      severity: 'error',
      message: (error as Error).message,
      hint: 'Fix the file so that it loads',
    };
  }
  const prefix = `${error.file}${error.line ? `:${error.line}` : ''}: `;
  const syntax = error.cause instanceof SqlSyntaxError;
  // a syntax error's own message is the parser's ("syntax error at or near ...")
  const problem =
    syntax && error.message.includes('does not parse')
      ? `the SQL the module generates does not parse: ${(error.cause as Error).message}`
      : syntax
        ? (error.cause as Error).message
        : error.message.startsWith(prefix)
          ? error.message.slice(prefix.length)
          : error.message;
  return {
    file,
    line: error.line ?? 1,
    column: 1,
    rule: syntax ? FILE_FINDINGS.syntaxError.id : FILE_FINDINGS.invalidFile.id,
    severity: 'error',
    message: problem,
    hint: syntax
      ? 'Fix the SQL: PostgreSQL would reject it when the migration runs'
      : 'Fix the file so that it loads',
  };
}

// synchronously, as the loader reads them (core/migrations/scan.ts): the files are read one after the
// other, and four thread-pool hops each (open, stat, read, close) cost more than the read itself
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

interface Wanted {
  all: boolean;
  files: Set<string>;
}

/**
 * Loads a directory's migrations for linting: every file that loads, in order, reporting on the wanted
 * ones (earlier siblings are read for context only); files that do not load become findings.
 */
async function lintDirectory(
  dir: string,
  wanted: Wanted,
  options: LintPathsOptions,
  cwd: string,
): Promise<LintFinding[]> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && looksLikeMigration(e.name))
    .map((e) => e.name)
    .sort();
  const named: { path: string; file: string; name: ParsedFileName; report: boolean }[] = [];
  const findings: LintFinding[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    const file = relative(cwd, path) || entry;
    const report = wanted.all || wanted.files.has(path);
    try {
      named.push({ path, file, name: parseFileName(entry, file), report });
    } catch (error) {
      if (report) findings.push(loadFailure(file, error));
    }
  }
  named.sort((a, b) => compareMigrations(a.name, b.name));
  // only earlier migrations matter for context: do not load (or run) the ones after the last wanted
  const last = named.map((n) => n.report).lastIndexOf(true);
  const sources: LintSource[] = [];
  const seen = new Map<string, string>();
  for (const { path, file, report } of named.slice(0, last + 1)) {
    let migration: Migration;
    try {
      migration = await loadMigrationFile(path, { cwd });
    } catch (error) {
      if (report) findings.push(loadFailure(file, error));
      continue;
    }
    const other = seen.get(migration.id);
    if (other !== undefined) {
      if (report) {
        findings.push(
          loadFailure(
            file,
            new MigrationLoadError(
              file,
              `duplicate version ${migration.version} in phase ${migration.phase}: ${other} has it too; give one of them a new version`,
            ),
          ),
        );
      }
      continue;
    }
    seen.set(migration.id, file);
    sources.push({ migration, text: readText(path), report });
  }
  findings.push(...lintSources(sources, options));
  // migration order; files whose names do not parse come last
  const order = new Map(named.map((n, i) => [n.file, i]));
  const rank = (file: string) => order.get(file) ?? named.length;
  return findings.sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line);
}

/** A SQL file whose name is not a migration name (`zerodown lint fix.sql`): linted alone, as `--phase` or expand. */
async function lintLooseFile(path: string, options: LintPathsOptions, cwd: string): Promise<LintFinding[]> {
  const file = relative(cwd, path) || basename(path);
  if (!path.endsWith('.sql')) {
    try {
      parseFileName(basename(path), file);
    } catch (error) {
      return [loadFailure(file, error)];
    }
  }
  const text = readText(path) ?? '';
  try {
    const { up, down } = parseSqlMigration(file, text);
    const migration: Migration = {
      id: file,
      version: '0',
      name: basename(path, '.sql'),
      phase: options.phase ?? 'expand',
      file,
      path,
      checksum: createHash('sha256').update(text).digest('hex'),
      kind: 'schema',
      format: 'sql',
      up,
      down,
    };
    return lintSources([{ migration, text, report: true }], { ...options, only: undefined });
  } catch (error) {
    return [loadFailure(file, error)];
  }
}

function isMigrationName(fileName: string): boolean {
  try {
    parseFileName(fileName);
    return true;
  } catch {
    return false;
  }
}

/**
 * Lints files and migration directories. A directory's files are linted in migration order, each in the
 * phase its name says (or `options.phase`); a file given alone is linted with its earlier siblings as
 * context. A file that does not load or parse is an error-level finding with the loader's or parser's
 * message and line, never a throw; a path that does not exist is an `InvalidInput`.
 *
 * @example
 * const findings = await lintPaths(['migrations'], { phase: 'contract' });
 */
export async function lintPaths(
  paths: readonly string[],
  options: LintPathsOptions = {},
): Promise<LintFinding[]> {
  await loadSqlParser();
  const cwd = options.cwd ?? process.cwd();
  const directories = new Map<string, Wanted>();
  const loose: string[] = [];
  const wantedIn = (dir: string) => {
    let wanted = directories.get(dir);
    if (!wanted) {
      wanted = { all: false, files: new Set() };
      directories.set(dir, wanted);
    }
    return wanted;
  };
  for (const given of paths) {
    const path = resolve(cwd, given);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new InvalidInput(`${given}: no such file or directory`);
    if (info.isDirectory()) wantedIn(path).all = true;
    else if (isMigrationName(basename(path))) wantedIn(dirname(path)).files.add(path);
    else loose.push(path);
  }
  const findings: LintFinding[] = [];
  for (const [dir, wanted] of directories) findings.push(...(await lintDirectory(dir, wanted, options, cwd)));
  for (const path of loose) findings.push(...(await lintLooseFile(path, options, cwd)));
  return findings;
}
