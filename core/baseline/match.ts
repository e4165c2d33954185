import { basename, extname } from 'node:path';
import { compareVersions } from '../migrations/filename.ts';
import type { MigrationFile } from '../migrations/scan.ts';
import type { AppliedMigration } from '../state/records.ts';
import type { HistoryRow, HistoryTool } from './histories.ts';

/** A file to record as applied, and the history row (or Flyway baseline) that says it was. */
export interface BaselineEntry {
  readonly file: MigrationFile;
  readonly row: HistoryRow;
  /** `history`: its own row; `flyway-baseline`: at or below a Flyway BASELINE row, which stands for it. */
  readonly by: 'history' | 'flyway-baseline';
}

/** A row zerodown cannot take over as it is, and why. */
export interface Mismatch {
  readonly row: string;
  readonly problem: string;
}

/** What a baseline would do. */
export interface BaselineMatch {
  readonly record: readonly BaselineEntry[];
  /** Files zerodown already records as applied (a baseline run twice records nothing twice). */
  readonly alreadyRecorded: readonly MigrationFile[];
  /** Rows after `--to`: left for later. */
  readonly afterTo: readonly HistoryRow[];
  /** Rows that record no migration (Flyway's SCHEMA and BASELINE markers, DELETE rows and what they delete). */
  readonly ignored: readonly { readonly row: string; readonly why: string }[];
  readonly mismatches: readonly Mismatch[];
  /** Files no row covers: pending, `zerodown up` applies them. */
  readonly pending: readonly MigrationFile[];
}

/** What matching needs besides the rows and files. */
export interface MatchOptions {
  readonly tool: HistoryTool;
  readonly to?: string;
  readonly applied: readonly AppliedMigration[];
  /** Flyway's checksum of a file (read on demand: only Flyway rows need it). */
  readonly flywayChecksumOf: (file: MigrationFile) => number;
}

/** Flyway's version equality: `1.1` = `1_1` = `01.1`; trailing zeros do not count (`1.0` = `1`). */
function sameVersion(a: string, b: string): boolean {
  const norm = (v: string) =>
    v
      .split(/[._]/)
      .map((s) => BigInt(s).toString())
      .join('.')
      .replace(/(\.0)+$/, '');
  return /^\d+(?:[._]\d+)*$/.test(a) && /^\d+(?:[._]\d+)*$/.test(b) && norm(a) === norm(b);
}

/** The files a row stands for; more than one is ambiguous. */
function filesOf(tool: HistoryTool, row: HistoryRow, files: readonly MigrationFile[]): MigrationFile[] {
  switch (tool) {
    case 'node-pg-migrate':
      // node-pg-migrate records the file name without its extension
      return files.filter((f) => basename(f.file, extname(f.file)) === row.name);
    case 'dbmate':
      return files.filter((f) => f.file.endsWith('.sql') && f.version === row.version);
    case 'flyway':
      return files.filter(
        (f) => f.file.endsWith('.sql') && row.version !== undefined && sameVersion(f.version, row.version),
      );
  }
}

/** Flyway rows that record no migration of a file: markers, failed-and-deleted ones, Java migrations are not. */
function flywayIgnored(rows: readonly HistoryRow[]): Map<HistoryRow, string> {
  const ignored = new Map<HistoryRow, string>();
  const deleted = new Set(rows.filter((r) => r.type === 'DELETE' && r.version).map((r) => r.version!));
  for (const row of rows) {
    if (row.type === 'SCHEMA') ignored.set(row, 'Flyway created the schema');
    else if (row.type === 'BASELINE')
      ignored.set(row, 'a Flyway baseline marker: the files at or below it count as applied');
    else if (row.type === 'DELETE') ignored.set(row, 'a Flyway DELETE marker');
    else if (row.version && deleted.has(row.version))
      ignored.set(row, 'deleted by a later DELETE row (flyway repair)');
  }
  return ignored;
}

/**
 * Matches another tool's history to the migration files: each successful row must name exactly one
 * file (node-pg-migrate by file name, dbmate and Flyway by version) and, for Flyway, the file's checksum
 * must be the one recorded. Files at or below a Flyway BASELINE row count as applied. Mismatches are
 * collected, not thrown, so a dry run can show all of them.
 *
 * @example
 * const match = matchHistory(rows, files, { tool: 'dbmate', applied: [], flywayChecksumOf });
 */
export function matchHistory(
  rows: readonly HistoryRow[],
  files: readonly MigrationFile[],
  options: MatchOptions,
): BaselineMatch {
  const done = new Set(options.applied.map((a) => a.id));
  const ignoredRows = options.tool === 'flyway' ? flywayIgnored(rows) : new Map<HistoryRow, string>();
  const after = (row: HistoryRow) =>
    options.to !== undefined && row.version !== undefined && compareVersions(row.version, options.to) > 0;
  const record = new Map<string, BaselineEntry>();
  const alreadyRecorded = new Map<string, MigrationFile>();
  const mismatches: Mismatch[] = [];
  const afterTo: HistoryRow[] = [];
  const take = (file: MigrationFile, row: HistoryRow, by: BaselineEntry['by']) => {
    if (done.has(file.id)) alreadyRecorded.set(file.id, file);
    else if (!record.has(file.id)) record.set(file.id, { file, row, by });
  };
  for (const row of rows) {
    if (ignoredRows.has(row)) continue;
    if (after(row)) {
      afterTo.push(row);
      continue;
    }
    if (!row.success) {
      mismatches.push({
        row: row.label,
        problem:
          'failed in Flyway (success = false): fix it and run `flyway repair`, or delete the row, then baseline',
      });
      continue;
    }
    if (row.version === undefined) {
      mismatches.push({
        row: row.label,
        problem:
          options.tool === 'flyway'
            ? 'a repeatable migration: zerodown has none; turn it into a versioned file, or delete the row if it ran for good'
            : 'names no version (its name does not start with digits)',
      });
      continue;
    }
    const matched = filesOf(options.tool, row, files);
    if (matched.length === 0) {
      mismatches.push({
        row: row.label,
        problem: `no file in the migrations directory has it${row.type && row.type !== 'SQL' ? ` (a ${row.type} migration: zerodown runs SQL and node-pg-migrate files)` : ''}; put the file back, or give the right --migrations`,
      });
      continue;
    }
    if (matched.length > 1) {
      mismatches.push({
        row: row.label,
        problem: `more than one file has it: ${matched.map((f) => f.file).join(', ')}`,
      });
      continue;
    }
    const file = matched[0]!;
    if (options.tool === 'flyway' && typeof row.checksum === 'number') {
      const checksum = options.flywayChecksumOf(file);
      if (checksum !== row.checksum) {
        mismatches.push({
          row: row.label,
          problem: `${file.file} changed since Flyway applied it: its checksum is ${checksum}, the history says ${row.checksum}; restore the file as applied`,
        });
        continue;
      }
    }
    take(file, row, 'history');
  }
  // a Flyway BASELINE row stands for every versioned file at or below its version
  for (const marker of rows.filter((r) => r.type === 'BASELINE' && r.version !== undefined && !after(r))) {
    for (const file of files) {
      const below = compareVersions(file.version, marker.version!) <= 0;
      if (below && file.file.endsWith('.sql')) take(file, marker, 'flyway-baseline');
    }
  }
  const covered = new Set([...record.keys(), ...alreadyRecorded.keys()]);
  return {
    record: [...record.values()],
    alreadyRecorded: [...alreadyRecorded.values()],
    afterTo,
    ignored: [...ignoredRows].map(([row, why]) => ({ row: row.label, why })),
    mismatches,
    pending: files.filter((f) => !covered.has(f.id) && !done.has(f.id)),
  };
}
