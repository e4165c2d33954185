import type { Command } from 'commander';
import type { DownOptions } from '../actions/down.ts';
import { formatOption, positiveInteger, versionArgument, withCommonOptions } from '../options.ts';

/** `zerodown down`: rolls back applied migrations, newest first. */
export function registerDown(program: Command): void {
  withCommonOptions(
    program
      .command('down')
      .description('roll back applied migrations, newest first (1 by default)')
      .option('--count <n>', 'roll back the newest N applied migrations', positiveInteger)
      .option(
        '--to <version>',
        'roll back every migration with a version above this one (0: all of them)',
        versionArgument('--to'),
      )
      .option('--yes', 'roll back more than one migration without asking')
      .addOption(formatOption()),
  ).action(async (options: DownOptions) => {
    const { runDown } = await import('../actions/down.ts');
    await runDown(options);
  });
}
