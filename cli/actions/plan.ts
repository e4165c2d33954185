import { loadLintConfig } from '../../core/lint/index.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import { type PlanReportOptions, planFromDatabase, planFromFiles } from '../../core/plan/report.ts';
import { formatPlan, type PlanFormat } from '../../core/plan/report-format.ts';
import { requestExit } from '../exit.ts';
import type { CommonOptions } from '../options.ts';
import { withConnectionWhile } from '../session.ts';

/** The options of `zerodown plan` (cli/commands/plan.ts). */
export interface PlanOptions extends Omit<CommonOptions, 'lockTimeout' | 'dryRun' | 'verbose'> {
  release?: string;
  gateAfterExpand: boolean;
  gateBeforeContract: boolean;
  backfillRate?: number;
  format: PlanFormat;
}

/** Prints the plan; exit 1 when lint has an error-level finding. Without a database nothing connects. */
export async function runPlan(options: PlanOptions): Promise<void> {
  const prepare = async () => {
    const lintConfig = await loadLintConfig(process.cwd());
    const migrations = await loadMigrations(options.migrations);
    const planOptions: PlanReportOptions = {
      release: options.release,
      gates: { afterExpand: options.gateAfterExpand, beforeContract: options.gateBeforeContract },
      lintConfig,
      backfillRate: options.backfillRate,
    };
    return { migrations, planOptions };
  };
  const report = options.databaseUrl
    ? await withConnectionWhile(options, prepare, (client, _connection, { migrations, planOptions }) =>
        planFromDatabase(client, migrations, planOptions),
      )
    : await prepare().then(({ migrations, planOptions }) => planFromFiles(migrations, planOptions));
  process.stdout.write(`${formatPlan(report, options.format)}\n`);
  if (report.lintFailed) requestExit(1);
}
