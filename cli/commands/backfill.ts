import { type Command, Option } from 'commander';
import type { BackfillOptions } from '../actions/backfill.ts';
import { durationOption, positiveInteger, versionArgument, withCommonOptions } from '../options.ts';

/** `zerodown backfill`: runs the pending backfills to completion here, with their progress. */
export function registerBackfill(program: Command): void {
  withCommonOptions(
    program
      .command('backfill')
      .description(
        'run the pending backfills to completion on this machine (resumes where a stopped run left off)',
      )
      .addOption(
        new Option(
          '--format <format>',
          'output format (json: JSON lines on stdout, one event a line: started, progress, finished, would-run, failed)',
        )
          .choices(['text', 'json'])
          .default('text'),
      )
      .option('--partitions <n>', 'key-range partitions run side by side (first start only)', positiveInteger)
      .addOption(
        durationOption(
          '--target-batch <duration>',
          'batch duration adaptive sizing aims at (default: the spec, else 100ms)',
        ),
      )
      .option('--to <version>', 'stop after this version', versionArgument('--to'))
      .option('--restart', 'forget the progress of an earlier start and backfill from the beginning')
      .addOption(
        durationOption(
          '--wait-for-lock <duration>',
          'wait this long for another run to finish instead of failing',
          0,
        ),
      ),
  ).action(async (options: BackfillOptions) => {
    const { runBackfill } = await import('../actions/backfill.ts');
    await runBackfill(options);
  });
}
