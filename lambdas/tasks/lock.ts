import { LeaseLock } from '../../core/locks/lease.ts';
import { ensureStateSchema, readStateVersion } from '../../core/state/schema.ts';
import { LockEventSchema } from '../events.ts';
import { parseTaskEvent, type TaskDeps, type TaskHandler, taskLog, withDatabase } from './session.ts';

/**
 * AcquireLock: takes the lease for the execution (`LockHeld` naming the holder when another execution
 * or command holds it; the same execution re-acquires its own lease, which is how a resumed run goes on).
 *
 * @example
 * await acquireLockTask(deps)({ executionId: 'arn:…:execution:m:e1', release: 'v42' });
 */
export function acquireLockTask(deps: TaskDeps): TaskHandler {
  return async (raw) => {
    const event = parseTaskEvent('acquireLock', LockEventSchema, raw);
    const log = taskLog(deps.log, { task: 'acquireLock', executionId: event.executionId });
    return await withDatabase(deps, 'acquireLock', async (client) => {
      await ensureStateSchema(client);
      const lease = await new LeaseLock(client).acquire(event.executionId, {
        release: event.release,
        ttlMs: deps.settings.leaseTtlMs,
      });
      log.info(`lock taken for release ${event.release ?? '(none)'} until ${lease.expiresAt.toISOString()}`);
      return { owner: lease.owner, release: lease.release, expiresAt: lease.expiresAt.toISOString() };
    });
  };
}

/**
 * ReleaseLock: gives the lease back if this execution holds it; every path out of the workflow goes
 * through it. Idempotent, and harmless when the lock belongs to someone else or was never created.
 *
 * @example
 * await releaseLockTask(deps)({ executionId: 'arn:…:execution:m:e1' }); // { released: true }
 */
export function releaseLockTask(deps: TaskDeps): TaskHandler {
  return async (raw) => {
    const event = parseTaskEvent('releaseLock', LockEventSchema, raw);
    const log = taskLog(deps.log, { task: 'releaseLock', executionId: event.executionId });
    return await withDatabase(deps, 'releaseLock', async (client) => {
      // no state schema: no lock was ever taken here
      const hasState = (await readStateVersion(client)) > 0;
      const released = hasState ? await new LeaseLock(client).release(event.executionId) : false;
      log.info(released ? 'lock released' : 'the lock was not held by this execution');
      return { released };
    });
  };
}
