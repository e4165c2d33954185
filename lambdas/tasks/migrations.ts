import { InvalidInput } from '../../core/errors.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { Migration } from '../../core/migrations/types.ts';

/** The deployed migrations, loaded on first use. */
export type MigrationSource = () => Promise<Migration[]>;

/**
 * Migrations loaded once per handler set (a Lambda environment serves many invocations); a failed load
 * is tried again on the next call.
 *
 * @example
 * const migrations = migrationSource('migrations');
 * const all = await migrations();
 */
export function migrationSource(directory: string): MigrationSource {
  let loaded: Promise<Migration[]> | undefined;
  return () => {
    loaded ??= loadMigrations(directory).catch((error) => {
      loaded = undefined; // a fixed file is read again on the next invocation
      throw error;
    });
    return loaded;
  };
}

/**
 * Finds migrations by id, failing clearly when the deployed files no longer have one the plan named.
 *
 * @example
 * const [migration] = migrationsById(await migrations(), ['20260101000100.backfill']);
 */
export function migrationsById(migrations: readonly Migration[], ids: readonly string[]): Migration[] {
  const byId = new Map(migrations.map((m) => [m.id, m]));
  return ids.map((id) => {
    const migration = byId.get(id);
    if (!migration) {
      throw new InvalidInput(
        `migration ${id} was planned but is not in the migrations directory any more; deploy the same files the execution started with, or start a new execution`,
      );
    }
    return migration;
  });
}
