import { createJiti } from 'jiti';
import { MigrationBuilder } from 'node-pg-migrate';
import { MigrationLoadError, SqlSyntaxError } from '../errors.ts';
import { splitStatements } from '../sql/statements.ts';
import { importMigrationModule } from './precompiled.ts';
import { toScript } from './sql-file.ts';
import type { DownScript, SqlScript } from './types.ts';

type MigrationAction = (pgm: MigrationBuilder, run?: () => void) => unknown;

const jiti = createJiti(import.meta.url, { interopDefault: true, moduleCache: false });

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

async function compile(file: string, action: MigrationAction, reverse: boolean): Promise<SqlScript> {
  // biome-ignore lint/suspicious/noExplicitAny: node-pg-migrate's DB type is wider than what compile-only needs
  const pgm = new MigrationBuilder(noDatabase as any, undefined, false, silent);
  if (reverse) pgm.enableReverseMode();
  await action(pgm, () => {});
  const text = pgm.getSqlSteps().join('\n');
  try {
    return toScript(splitStatements(text), pgm.isUsingTransaction());
  } catch (error) {
    if (error instanceof SqlSyntaxError) {
      throw new MigrationLoadError(file, `the SQL it generates does not parse: ${error.message}`, {
        cause: error,
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
    module = (await importMigrationModule(path, (p) => jiti.import(p))) as typeof module;
  } catch (error) {
    throw new MigrationLoadError(file, `cannot load module: ${(error as Error).message}`, { cause: error });
  }
  const exported = typeof module.up === 'function' ? module : (module.default ?? module);
  const up = exported.up;
  if (typeof up !== 'function') {
    throw new MigrationLoadError(file, 'a node-pg-migrate module must export an up(pgm) function');
  }
  let upScript: SqlScript;
  try {
    upScript = await compile(file, up as MigrationAction, false);
  } catch (error) {
    if (error instanceof MigrationLoadError) throw error;
    throw new MigrationLoadError(file, `up(pgm) failed: ${(error as Error).message}`, { cause: error });
  }
  const down = exported.down;
  if (down === false)
    return { up: upScript, down: { kind: 'irreversible', reason: 'the module exports down = false' } };
  try {
    const script = await compile(
      file,
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
