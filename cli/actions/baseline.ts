import { assertNoMismatch, type BaselineResult, baselineFrom } from '../../core/baseline/baseline.ts';
import type { HistoryTool } from '../../core/baseline/histories.ts';
import { assertKnownVersion } from '../../core/migrations/pending.ts';
import { scanMigrations } from '../../core/migrations/scan.ts';
import { type CommonOptions, requireDatabaseUrl } from '../options.ts';
import { type OutputFormat, printResult } from '../output.ts';
import { withConnectionWhile } from '../session.ts';

/** The options of `zerodown baseline` (cli/commands/baseline.ts). */
export interface BaselineOptions extends Omit<CommonOptions, 'lockTimeout' | 'verbose'> {
  from: HistoryTool;
  table?: string;
  to?: string;
  format: OutputFormat;
}

/** What `baseline` prints: files by their path, rows by their label (JSON: this document). */
interface BaselineSummary {
  readonly tool: HistoryTool;
  readonly table: string;
  readonly dryRun: boolean;
  readonly recorded: readonly { id: string; file: string; row: string; by: 'history' | 'flyway-baseline' }[];
  readonly alreadyRecorded: readonly string[];
  readonly afterTo: readonly string[];
  readonly ignored: BaselineResult['ignored'];
  readonly pending: readonly string[];
  readonly mismatches: BaselineResult['mismatches'];
}

function summaryOf(result: BaselineResult): BaselineSummary {
  return {
    tool: result.tool,
    table: result.table,
    dryRun: result.dryRun,
    recorded: result.record.map((e) => ({ id: e.file.id, file: e.file.file, row: e.row.label, by: e.by })),
    alreadyRecorded: result.alreadyRecorded.map((f) => f.file),
    afterTo: result.afterTo.map((r) => r.label),
    ignored: result.ignored,
    pending: result.pending.map((f) => f.file),
    mismatches: result.mismatches,
  };
}

function summaryText(s: BaselineSummary): string {
  const verb = s.dryRun ? 'would record' : 'recorded';
  const line = (what: string, text: string) => `  ${what.padEnd(12)} ${text}`;
  return [
    `baseline from ${s.tool} (${s.table}): ${s.recorded.length} ${verb} as applied, ${s.alreadyRecorded.length} already recorded, ${s.pending.length} pending${s.dryRun ? ' (dry run: nothing written)' : ''}`,
    ...s.recorded.map((e) =>
      line(verb, `${e.file}  (${e.by === 'flyway-baseline' ? `at or below ${e.row}` : e.row})`),
    ),
    ...s.alreadyRecorded.map((f) => line('already', f)),
    ...s.afterTo.map((r) => line('after --to', `${r}: not recorded`)),
    ...s.ignored.map((i) => line('ignored', `${i.row}: ${i.why}`)),
    ...s.pending.map((f) => line('pending', f)),
    ...s.mismatches.map((m) => line('MISMATCH', `${m.row}: ${m.problem}`)),
  ].join('\n');
}

/** Baselines (or, with --dry-run, shows the baseline); a mismatch exits 1 having recorded nothing. */
export async function runBaseline(options: BaselineOptions): Promise<void> {
  requireDatabaseUrl(options);
  await printResult(
    options.format,
    () =>
      withConnectionWhile(
        options,
        async () => {
          const files = await scanMigrations(options.migrations);
          assertKnownVersion(files, options.to, '--to');
          return files;
        },
        async (client, _connection, files) => {
          const result = await baselineFrom(client, files, {
            tool: options.from,
            table: options.table,
            to: options.to,
            dryRun: options.dryRun,
          });
          // a dry run shows the mismatches with the rest, then fails on them
          try {
            assertNoMismatch(result);
            return summaryOf(result);
          } catch (error) {
            return { ...summaryOf(result), failure: error as Error };
          }
        },
      ),
    summaryText,
  );
}
