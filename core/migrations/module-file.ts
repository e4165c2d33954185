import { pathToFileURL } from 'node:url';
import { MigrationBuilder } from 'node-pg-migrate';
import { MigrationLoadError, SqlSyntaxError } from '../errors.ts';
import { splitStatements } from '../sql/statements.ts';
import { importThroughJiti } from './jiti-import.ts';
import { importMigrationModule } from './precompiled.ts';
import { toScript } from './sql-file.ts';
import type { DownScript, SqlScript } from './types.ts';

type MigrationAction = (pgm: MigrationBuilder, run?: () => void) => unknown;

// zerodown compiles a module to SQL before running it, so pgm.db cannot answer queries.
const noDatabase = {
  query: async () => {
    throw new Error(
      'pgm.db is not available: zerodown compiles node-pg-migrate modules to SQL first; use pgm.sql()',
    );
  },
  select: async () => {
    throw new Error(
      'pgm.db is not available: zerodown compiles node-pg-migrate modules to SQL first; use pgm.sql()',
    );
  },
};

const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/**
 * The line in the migration's own file that a stack points at: the first frame in `path` (by path or
 * file URL). jiti keeps a TypeScript module's lines as they are (babel's retainLines), so the line is
 * the one in the user's source.
 */
export function lineInFile(stack: string | undefined, path: string): number | undefined {
  if (!stack) return undefined;
  const url = pathToFileURL(path).href;
  for (const frame of stack.split('\n')) {
    for (const place of [path, url]) {
      const at = frame.indexOf(`${place}:`);
      if (at < 0) continue;
      const line = /^:(\d+):\d+/.exec(frame.slice(at + place.length));
      if (line) return Number(line[1]);
    }
  }
  return undefined;
}

/** Where a loading or compiling error happened in the module: a parser's `loc`, else the stack. */
function errorLine(error: unknown, path: string): number | undefined {
  const loc = (error as { loc?: { line?: unknown } } | null)?.loc;
  if (typeof loc?.line === 'number') return loc.line;
  return lineInFile((error as Error | null)?.stack, path);
}

/**
 * Makes every `pgm.<operation>()` remember the line of the module that called it, so that the SQL it
 * generates is placed there: a failing statement is reported at `file:line` of that call, not at a line
 * of the generated text. Returns, for each SQL step in the order the calls made them, that line.
 */
function traceCalls(pgm: MigrationBuilder, path: string): number[] {
  const lines: number[] = [];
  const steps = () => pgm.getSqlSteps().length;
  const builder = pgm as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(builder)) {
    if (typeof value !== 'function' || key === 'func') continue;
    builder[key] = (...args: unknown[]) => {
      const before = steps();
      const result = (value as (...a: unknown[]) => unknown)(...args);
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 50;
      const line = lineInFile(new Error().stack, path) ?? 0;
      Error.stackTraceLimit = limit;
      for (let step = before; step < steps(); step++) lines.push(key === 'sql' ? -line : line);
      return result;
    };
  }
  return lines;
}

async function compile(
  file: string,
  path: string,
  action: MigrationAction,
  reverse: boolean,
): Promise<SqlScript> {
  // biome-ignore lint/suspicious/noExplicitAny: node-pg-migrate's DB type is wider than what compile-only needs
  const pgm = new MigrationBuilder(noDatabase as any, undefined, false, silent);
  if (reverse) pgm.enableReverseMode();
  const calls = traceCalls(pgm, path);
  await action(pgm, () => {});
  const sqlSteps = pgm.getSqlSteps();
  // reverse mode hands the steps back last first: so go their lines
  const lines = reverse ? [...calls].reverse() : calls;
  try {
    const statements = sqlSteps.flatMap((step, index) => {
      const at = lines[index] ?? 0;
      // pgm.sql(text): its statements sit on the lines after the call's as in the text (a template
      // literal); an operation's generated SQL is all at the line of the call. 0: no line known (1).
      if (at < 0) return splitStatements(step, -at);
      try {
        return splitStatements(step).map((statement) => ({ ...statement, line: at || 1 }));
      } catch (error) {
        throw error instanceof SqlSyntaxError ? new SqlSyntaxError(error.message, at || 1) : error;
      }
    });
    return toScript(statements, pgm.isUsingTransaction());
  } catch (error) {
    if (error instanceof SqlSyntaxError) {
      throw new MigrationLoadError(file, `the SQL it generates does not parse: ${error.message}`, {
        cause: error,
        line: error.line,
      });
    }
    throw error;
  }
}

/**
 * Loads a node-pg-migrate module (`exports.up = (pgm) => …`, ESM `export const up`, `.ts`) and compiles
 * `up` and `down` to SQL with node-pg-migrate's own `pgm` DSL. Without `down`, like node-pg-migrate, the
 * reverse of `up` is used when every operation in it is reversible; `down = false` or a `down` that
 * throws makes the migration irreversible with that reason.
 *
 * @example
 * const { up, down } = await loadModuleMigration('migrations/1_add.js', '/abs/migrations/1_add.js');
 */
export async function loadModuleMigration(
  file: string,
  path: string,
): Promise<{ up: SqlScript; down: DownScript }> {
  let module: { up?: unknown; down?: unknown; default?: { up?: unknown; down?: unknown } };
  try {
    module = (await importMigrationModule(path, importThroughJiti)) as typeof module;
  } catch (error) {
    throw new MigrationLoadError(file, `cannot load module: ${(error as Error).message}`, {
      cause: error,
      line: errorLine(error, path),
    });
  }
  const exported = typeof module.up === 'function' ? module : (module.default ?? module);
  const up = exported.up;
  if (typeof up !== 'function') {
    throw new MigrationLoadError(file, 'a node-pg-migrate module must export an up(pgm) function');
  }
  let upScript: SqlScript;
  try {
    upScript = await compile(file, path, up as MigrationAction, false);
  } catch (error) {
    if (error instanceof MigrationLoadError) throw error;
    throw new MigrationLoadError(file, `up(pgm) failed: ${(error as Error).message}`, {
      cause: error,
      line: errorLine(error, path),
    });
  }
  const down = exported.down;
  if (down === false)
    return { up: upScript, down: { kind: 'irreversible', reason: 'the module exports down = false' } };
  try {
    const script = await compile(
      file,
      path,
      (typeof down === 'function' ? down : up) as MigrationAction,
      typeof down !== 'function',
    );
    return { up: upScript, down: { kind: 'script', script } };
  } catch (error) {
    if (error instanceof MigrationLoadError) throw error;
    const reason =
      typeof down === 'function'
        ? (error as Error).message
        : `no down, and up cannot be reversed automatically (${(error as Error).message})`;
    return { up: upScript, down: { kind: 'irreversible', reason } };
  }
}
