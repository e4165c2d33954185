import type { Command } from 'commander';
import type { UnlockOptions } from '../actions/unlock.ts';
import { withCommonOptions } from '../options.ts';

/**
 * `zerodown unlock`: clears the lease of a run that died (an operator's decision). Refused while any
 * session holds the migration advisory lock (a run is alive: it names it); a lease that has not expired
 * is freed only with `--force`, naming its holder, since its run may only be between two tasks.
 */
export function registerUnlock(program: Command): void {
  withCommonOptions(
    program
      .command('unlock')
      .description('release the zerodown lock held by a dead run (refused while a run is alive)')
      .option('--force', 'also free a lease that has not expired (its run must be dead)'),
    { migrations: false, dryRun: false, verbose: false },
  ).action(async (options: UnlockOptions) => {
    const { runUnlock } = await import('../actions/unlock.ts');
    await runUnlock(options);
  });
}
