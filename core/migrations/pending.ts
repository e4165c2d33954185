import type { AppliedMigration } from '../state/records.ts';
import { compareVersions } from './filename.ts';
import type { Migration, Phase, SqlScript } from './types.ts';

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

/** Describes a script for a dry run. */
export function describeScript(script: SqlScript): string {
  const header = script.transaction
    ? '-- in one transaction'
    : `-- outside a transaction (${script.noTransactionReason})`;
  return [header, ...script.statements.map((s) => `${s.sql};`)].join('\n');
}
