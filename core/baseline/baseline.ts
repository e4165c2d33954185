import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { LockHeld, ZerodownError } from '../errors.ts';
import { TaskAdvisoryLock } from '../locks/advisory.ts';
import { LeaseLock } from '../locks/lease.ts';
import type { MigrationFile } from '../migrations/scan.ts';
import { assertNoDrift, readApplied, recordBaselined, recordEvent } from '../state/records.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { flywayChecksum } from './flyway-checksum.ts';
import { DEFAULT_HISTORY_TABLES, type HistoryTool, readHistory } from './histories.ts';
import { type BaselineMatch, matchHistory } from './match.ts';

/** Rows of another tool's history that do not match the files: nothing was recorded. */
export class BaselineMismatch extends ZerodownError {
  override name = 'BaselineMismatch';
}

/** What to baseline from. */
export interface BaselineRequest {
  readonly tool: HistoryTool;
  /** The history table; the tool's default name when absent. */
  readonly table?: string;
  /** Record only rows up to this version. */
  readonly to?: string;
  /** Show what would be recorded; write nothing, take no lock. */
  readonly dryRun?: boolean;
}

/** What a baseline did (or, in a dry run, would do). */
export interface BaselineResult extends BaselineMatch {
  readonly tool: HistoryTool;
  readonly table: string;
  readonly dryRun: boolean;
}

/** The execution id baseline rows are recorded with. */
export function baselineExecutionId(tool: HistoryTool): string {
  return `baseline:${tool}`;
}

function mismatchError(result: BaselineResult): BaselineMismatch {
  const lines = result.mismatches.map((m) => `  ${m.row}: ${m.problem}`);
  return new BaselineMismatch(
    `${result.table} does not match the migrations directory, nothing was recorded:\n${lines.join('\n')}`,
  );
}

/** Matches the history to the files against what zerodown already records (no write). */
async function matchNow(
  client: pg.ClientBase,
  files: readonly MigrationFile[],
  request: BaselineRequest,
  table: string,
): Promise<BaselineResult> {
  const rows = await readHistory(client, request.tool, table);
  const applied = await readApplied(client);
  assertNoDrift(files, applied);
  const match = matchHistory(rows, files, {
    tool: request.tool,
    to: request.to,
    applied,
    flywayChecksumOf: (file) => flywayChecksum(readFileSync(file.path)),
  });
  return { ...match, tool: request.tool, table, dryRun: request.dryRun === true };
}

/**
 * Takes over another tool's history: matches its rows to the migration files and records each matched
 * file as applied in `zerodown.migrations` (with its sha256 checksum, and the time the tool applied it),
 * running none of them. All or nothing: a mismatch (a row with no file, a Flyway checksum that differs,
 * a failed row) refuses the whole baseline, naming every one; a dry run returns them instead, with what
 * would be recorded. Holds the migration locks while it writes, so no `up` or node-pg-migrate runs
 * meanwhile.
 *
 * @example
 * const result = await baselineFrom(client, await scanMigrations('migrations'), { tool: 'flyway' });
 */
export async function baselineFrom(
  client: pg.ClientBase,
  files: readonly MigrationFile[],
  request: BaselineRequest,
): Promise<BaselineResult> {
  const table = request.table ?? DEFAULT_HISTORY_TABLES[request.tool];
  if (request.dryRun) return await matchNow(client, files, request, table);
  await ensureStateSchema(client);
  const advisory = new TaskAdvisoryLock(client);
  await advisory.acquire(0);
  try {
    const lease = await new LeaseLock(client).current();
    if (lease && lease.expiresAt > new Date()) {
      throw new LockHeld(
        `${lease.owner} holds the migration lease${lease.release ? ` for release ${lease.release}` : ''} since ${lease.acquiredAt.toISOString()}: baseline when it has finished`,
      );
    }
    await client.query('BEGIN');
    try {
      const result = await matchNow(client, files, request, table);
      if (result.mismatches.length > 0) throw mismatchError(result);
      const executionId = baselineExecutionId(request.tool);
      for (const { file, row } of result.record) {
        await recordBaselined(client, file, {
          executionId,
          appliedAt: row.appliedAt,
          durationMs: row.durationMs,
        });
        await recordEvent(client, { executionId, event: 'baselined', migration: file, detail: row.label });
      }
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await advisory.release();
  }
}

/** Throws the mismatches of a dry run, after it was shown (exit 1). */
export function assertNoMismatch(result: BaselineResult): void {
  if (result.mismatches.length > 0) throw mismatchError(result);
}
