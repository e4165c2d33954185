import { type Command, Option } from 'commander';
import type { PlanOptions } from '../actions/plan.ts';
import { positiveInteger, withCommonOptions } from '../options.ts';

/**
 * `zerodown plan`: what a release would do, for a pull request: pending migrations per phase, the gates,
 * each statement's lock and whether it rewrites or scans, the lint findings; with a database (read-only)
 * the tables' sizes, row estimates and backfill estimates. Exit 1 on an error-level lint finding.
 */
export function registerPlan(program: Command): void {
  withCommonOptions(
    program
      .command('plan')
      .description(
        "show what a release would do: pending migrations per phase, gates, each statement's lock and rewrite or scan, lint findings (exit 1 on lint errors); with --database-url (read-only) also table sizes, row estimates and backfill time",
      )
      .option('--release <name>', 'release name shown in the plan')
      .option('--gate-after-expand', 'show the gate after expand (as start and run --local take it)', false)
      .option('--no-gate-before-contract', 'show no gate before contract')
      .option(
        '--backfill-rate <rows-per-second>',
        "rows a second for backfill estimates (default: the rate of the database's finished backfills, else 100000)",
        positiveInteger,
      )
      .addOption(
        new Option('--format <format>', 'output format (markdown: one pull-request comment)')
          .choices(['text', 'json', 'markdown'])
          .default('text'),
      ),
    { lockTimeout: false, dryRun: false, verbose: false },
  ).action(async (options: PlanOptions) => {
    const { runPlan } = await import('../actions/plan.ts');
    await runPlan(options);
  });
}
