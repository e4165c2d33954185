import type { Command } from 'commander';
import { LeaseLock } from '../../core/locks/lease.ts';
import { ensureStateSchema } from '../../core/state/schema.ts';
import { type CommonOptions, withCommonOptions } from '../options.ts';
import { stderrLog } from '../output.ts';
import { withConnection } from '../session.ts';

/** `zerodown unlock`: clears the lease of a run that died (an operator's decision). */
export function registerUnlock(program: Command): void {
  withCommonOptions(
    program
      .command('unlock')
      .description('release the zerodown lock held by a dead run (check it is dead first)'),
    { dryRun: false },
  ).action(async (options: CommonOptions) => {
    const log = stderrLog();
    await withConnection(options, async (client) => {
      await ensureStateSchema(client);
      const holder = await new LeaseLock(client).forceRelease();
      log.info(
        holder
          ? `released the lock held by ${holder.owner} since ${holder.acquiredAt.toISOString()}`
          : 'the lock was free',
      );
    });
  });
}
