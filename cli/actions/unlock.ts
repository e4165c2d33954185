import { InvalidInput } from '../../core/errors.ts';
import { TaskAdvisoryLock } from '../../core/locks/advisory.ts';
import { LeaseLock } from '../../core/locks/lease.ts';
import { ensureStateSchema } from '../../core/state/schema.ts';
import { type CommonOptions, requireDatabaseUrl } from '../options.ts';
import { stderrLog } from '../output.ts';
import { withConnection } from '../session.ts';

/** The options of `zerodown unlock` (cli/commands/unlock.ts). */
export interface UnlockOptions extends Omit<CommonOptions, 'migrations'> {
  force?: boolean;
}

/** Frees the lease of a dead run, holding the advisory lock meanwhile so that no run starts. */
export async function runUnlock(options: UnlockOptions): Promise<void> {
  requireDatabaseUrl(options);
  const log = stderrLog();
  await withConnection(options, async (client) => {
    await ensureStateSchema(client);
    const lease = new LeaseLock(client);
    const holder = await lease.current();
    if (!holder) {
      log.info('the lock was free');
      return;
    }
    // a session holding the advisory lock is a live run: LockHeld names it. Held here, no run starts
    // while the lease is freed.
    const advisory = new TaskAdvisoryLock(client);
    await advisory.acquire(0);
    try {
      const live = holder.expiresAt.getTime() > Date.now();
      if (live && !options.force) {
        throw new InvalidInput(
          `the lock is held by ${holder.owner}${holder.release ? ` (release ${holder.release})` : ''} since ${holder.acquiredAt.toISOString()} and renewed until ${holder.expiresAt.toISOString()}: its run may be alive between two steps; if it is dead, run "zerodown unlock --force"`,
        );
      }
      // only the holder looked at: a run that took the lease since keeps it
      const released = await lease.release(holder.owner);
      log.info(
        released
          ? `released the lock held by ${holder.owner} since ${holder.acquiredAt.toISOString()}`
          : `the lock changed hands meanwhile; nothing released (run "zerodown status")`,
      );
    } finally {
      await advisory.release().catch(() => undefined);
    }
  });
}
