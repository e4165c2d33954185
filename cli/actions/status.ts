import { scanMigrations } from '../../core/migrations/scan.ts';
import type { Migration } from '../../core/migrations/types.ts';
import { type DatabaseStatus, readStatus } from '../../core/state/status.ts';
import { requestExit } from '../exit.ts';
import { type CommonOptions, requireDatabaseUrl } from '../options.ts';
import type { OutputFormat } from '../output.ts';
import { withConnectionWhile } from '../session.ts';

/** The options of `zerodown status` (cli/commands/status.ts). */
export interface StatusOptions extends CommonOptions {
  format: OutputFormat;
}

/** A state no rerun mends by itself: what `status` exits 1 for. */
export interface Attention {
  readonly file: string;
  readonly why: string;
}

/**
 * What needs a person: a drifted file (`up` refuses until it is restored), a file half applied by an
 * interrupted non-transactional attempt (its first statements are in the database, the rest not).
 */
export function needsAttention(status: DatabaseStatus): Attention[] {
  const attention: Attention[] = [];
  for (const m of status.migrations) {
    if (m.state === 'drifted')
      attention.push({
        file: m.file,
        why: 'changed since it was applied: restore it as applied and put the change in a new migration',
      });
    if (m.partialStatements)
      attention.push({
        file: m.file,
        why: `half applied: ${m.partialStatements} statement(s) ran before an attempt stopped; "zerodown up" resumes after them`,
      });
  }
  return attention;
}

function statusText(status: DatabaseStatus, attention: readonly Attention[]): string {
  const width = Math.max(4, ...status.migrations.map((m) => m.file.length));
  const out = [`${'FILE'.padEnd(width)}  ${'PHASE'.padEnd(8)}  ${'STATE'.padEnd(8)}  APPLIED`];
  for (const m of status.migrations) {
    const state = m.partialStatements
      ? `partial (${m.partialStatements} statements)`
      : m.backfill && m.state === 'pending'
        ? `running (${m.backfill.rowsDone}${m.backfill.rowsEstimated ? `/~${m.backfill.rowsEstimated}` : ''} rows, ${m.backfill.partitionsDone}/${m.backfill.partitions} partitions done)`
        : m.state;
    out.push(`${m.file.padEnd(width)}  ${m.phase.padEnd(8)}  ${state.padEnd(8)}  ${m.appliedAt ?? ''}`);
  }
  const counts = ['applied', 'pending', 'drifted', 'missing']
    .map((s) => `${status.migrations.filter((m) => m.state === s).length} ${s}`)
    .join(', ');
  out.push('', counts);
  out.push(status.lock ? `lock: held by ${status.lock.owner} since ${status.lock.acquiredAt}` : 'lock: free');
  for (const gate of status.openGates) {
    out.push(
      `gate: release ${gate.release} waits at ${gate.gate} since ${gate.openedAt}${gate.heartbeatAt ? ` (last heartbeat ${gate.heartbeatAt})` : ''}; "zerodown gate approve --release ${gate.release}"`,
    );
  }
  for (const v of status.versions.filter((v) => v.searchPath !== null)) {
    out.push(
      `version: release ${v.release} reads and writes schema ${v.schema} (since ${v.createdAt}); search_path ${v.searchPath}`,
    );
  }
  const retired = status.versions.filter((v) => v.searchPath === null);
  if (retired.length > 0)
    out.push(
      `versions retired: ${retired.map((v) => `${v.schema} (${v.retiredBecause === 'rollback' ? 'rolled back' : 'contracted'})`).join(', ')}`,
    );
  if (status.lastRollbackStop) {
    out.push(`last rollback stopped at ${status.lastRollbackStop.file}: ${status.lastRollbackStop.reason}`);
  }
  for (const a of attention) out.push(`needs attention: ${a.file} ${a.why}`);
  return out.join('\n');
}

/** Prints the status (text or one JSON document) and exits 1 when something needs a person. */
export async function runStatus(options: StatusOptions): Promise<void> {
  requireDatabaseUrl(options); // a usage error (exit 2) before anything else
  // the files' names and checksums are all status compares: no parser to load, no module to compile.
  // readStatus is typed with whole migrations but reads only the MigrationFile fields (id, version, name,
  // phase, file, checksum); it should take MigrationFile[] (core/state/status.ts), then this cast goes.
  const status = await withConnectionWhile(
    options,
    () => scanMigrations(options.migrations),
    (client, _connection, files) => readStatus(client, files as unknown as Migration[]),
  );
  const attention = needsAttention(status);
  process.stdout.write(
    options.format === 'json'
      ? `${JSON.stringify({ ok: attention.length === 0, ...status, needsAttention: attention }, null, 2)}\n`
      : `${statusText(status, attention)}\n`,
  );
  if (attention.length > 0) requestExit(1);
}
