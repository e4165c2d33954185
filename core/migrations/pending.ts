import { InvalidInput, MigrationLoadError } from '../errors.ts';
import type { AppliedMigration } from '../state/records.ts';
import { compareVersions } from './filename.ts';
import type { BackfillMigration, Migration, Phase, SqlScript } from './types.ts';

/** Pending migrations of the given phases, in order, up to and including version `to`. */
export function pendingMigrations(
  migrations: readonly Migration[],
  applied: readonly AppliedMigration[],
  options: { phases: readonly Phase[]; to?: string },
): Migration[] {
  const done = new Set(applied.map((a) => a.id));
  return migrations.filter(
    (m) =>
      options.phases.includes(m.phase) &&
      !done.has(m.id) &&
      (options.to === undefined || compareVersions(m.version, options.to) <= 0),
  );
}

/**
 * Refuses a pending expand migration older than the newest applied one: a file added behind history
 * (a branch merged late) would run after migrations written without it, as Flyway's `outOfOrder` is
 * off by default. `outOfOrder: true` applies it anyway. Contract and backfill migrations are exempt:
 * their phases finish out of version order by design (held-back contracts, backfills of different
 * lengths).
 *
 * @example
 * assertInOrder(migrations, applied, { outOfOrder: options.outOfOrder });
 */
export function assertInOrder(
  migrations: readonly Migration[],
  applied: readonly AppliedMigration[],
  options: { outOfOrder?: boolean } = {},
): void {
  if (options.outOfOrder) return;
  // against the applied migrations this directory holds (a history from elsewhere does not order it)
  const known = new Set(migrations.map((m) => m.id));
  const newest = applied
    .filter((a) => a.phase === 'expand' && known.has(a.id))
    .reduce<AppliedMigration | undefined>(
      (max, a) => (!max || compareVersions(a.version, max.version) > 0 ? a : max),
      undefined,
    );
  if (!newest) return;
  const done = new Set(applied.map((a) => a.id));
  const behind = migrations.find(
    (m) => m.phase === 'expand' && !done.has(m.id) && compareVersions(m.version, newest.version) < 0,
  );
  if (behind) {
    throw new MigrationLoadError(
      behind.file,
      `is older than ${newest.file}, which is applied: it would run after migrations written without it; give it a version after ${newest.version}, or pass --out-of-order (workflow input "outOfOrder": true) to apply it anyway`,
    );
  }
}

/**
 * Refuses a `--to` that names no migration (a typo would otherwise apply everything, or nothing);
 * `also` lists values that mean something besides a version (`0` for `down --to`).
 *
 * @example
 * assertKnownVersion(migrations, options.to, '--to');
 */
export function assertKnownVersion(
  migrations: readonly Pick<Migration, 'version'>[],
  version: string | undefined,
  what: string,
  also: readonly string[] = [],
): void {
  if (version === undefined || also.includes(version)) return;
  if (migrations.some((m) => compareVersions(m.version, version) === 0)) return;
  const versions = [...new Set(migrations.map((m) => m.version))];
  throw new InvalidInput(
    `${what} ${version}: no migration has that version${versions.length ? ` (versions here: ${versions[0]} to ${versions.at(-1)})` : ' (the directory has no migrations)'}; give the version a file name starts with${also.length ? ` or ${also.join(', ')}` : ''}`,
  );
}

/** Describes a script for a dry run. */
export function describeScript(script: SqlScript): string {
  const header = script.transaction
    ? '-- in one transaction'
    : `-- outside a transaction (${script.noTransactionReason})`;
  return [header, ...script.statements.map((s) => `${s.sql};`)].join('\n');
}

/**
 * Describes a backfill for a dry run from its spec alone (the columns it fills may not exist until the
 * expand before it runs; `zerodown backfill --dry-run` shows the batch SQL from the catalog).
 *
 * @example
 * describeBackfill(migration); // '-- 1_x.backfill.json (backfill)\n-- UPDATE users SET ... in key-range batches'
 */
export function describeBackfill(migration: BackfillMigration): string {
  const { spec } = migration;
  const set = Object.entries(spec.set)
    .map(([column, expression]) => `${column} = ${expression}`)
    .join(', ');
  const where =
    spec.where ??
    Object.keys(spec.set)
      .map((column) => `${column} IS NULL`)
      .join(' OR ');
  return [
    `-- ${migration.file} (backfill)`,
    `-- in key-range batches of ${spec.batchSize ?? 1000} rows at first, each its own transaction:`,
    `UPDATE ${spec.table} SET ${set} WHERE ${where};`,
    ...(spec.sync ? [`-- with a sync trigger on ${spec.table} until contract`] : []),
    ...(spec.run ? ["-- each batch handed to the spec's run(batch)"] : []),
  ].join('\n');
}
