import { LeaseLock } from '../../core/locks/lease.ts';
import { ensureStateSchema, readStateVersion } from '../../core/state/schema.ts';
import { LockEventSchema } from '../events.ts';
import { defineTask } from './define-task.ts';

/**
 * AcquireLock: takes the lease for the execution (`LockHeld` naming the holder when another execution
 * or command holds it; the same execution re-acquires its own lease, which is how a resumed run goes on).
 *
 * @example
 * await acquireLockTask(deps, migrations)({ executionId: 'arn:…:execution:m:e1', release: 'v42' });
 */
export const acquireLockTask = defineTask({
  name: 'acquireLock',
  input: LockEventSchema,
  logKeys: (event) => ({ executionId: event.executionId }),
  run: ({ event, log, settings, database }) =>
    database(async (client) => {
      await ensureStateSchema(client);
      const lease = await new LeaseLock(client).acquire(event.executionId, {
        release: event.release,
        ttlMs: settings.leaseTtlMs,
      });
      log.info(`lock taken for release ${event.release ?? '(none)'} until ${lease.expiresAt.toISOString()}`);
      return { owner: lease.owner, release: lease.release, expiresAt: lease.expiresAt.toISOString() };
    }),
});

/**
 * ReleaseLock: gives the lease back if this execution holds it; every path out of the workflow goes
 * through it. Idempotent, and harmless when the lock belongs to someone else or was never created.
 *
 * @example
 * await releaseLockTask(deps, migrations)({ executionId: 'arn:…:execution:m:e1' }); // { released: true }
 */
export const releaseLockTask = defineTask({
  name: 'releaseLock',
  input: LockEventSchema,
  logKeys: (event) => ({ executionId: event.executionId }),
  run: ({ event, log, database }) =>
    database(async (client) => {
      // no state schema: no lock was ever taken here
      const hasState = (await readStateVersion(client)) > 0;
      const released = hasState ? await new LeaseLock(client).release(event.executionId) : false;
      log.info(released ? 'lock released' : 'the lock was not held by this execution');
      return { released };
    }),
});
