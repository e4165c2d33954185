import { describe, expect, it } from 'vitest';
import { decideGate } from '../../core/gates/gates.ts';
import { useFreshDatabase } from '../support/database.ts';
import {
  leaseOwner,
  runRelease,
  seedExampleTables,
  startRelease,
  useExampleTemplate,
} from './support/scenario.ts';

// While release a1 waits at its gate (holding the lease, gates included), release a2 is refused with
// LockHeld naming the holder, and leaves a1's lease alone; a1 then finishes.
const db = useFreshDatabase();
const example = useExampleTemplate();

describe('a second release while the first waits at a gate', () => {
  it('is refused with LockHeld naming the holder; the first goes on when approved', async () => {
    await seedExampleTables(db.client, 2_000);
    const first = startRelease(db.url, example.template, { input: { release: 'a1' } });
    await first.waitingAtGate();
    const holder = await leaseOwner(db.client);
    expect(holder).toMatch(/:execution:[A-Za-z0-9]+:local-a1$/);

    const second = await runRelease(db.url, example.template, {
      input: { release: 'a2' },
      approveGates: true,
    });
    expect(second.result).toMatchObject({ status: 'failed', error: 'LockHeld', failedState: 'AcquireLock' });
    expect(second.result.cause).toContain(`held by ${holder} (release a1)`);
    expect(second.entered).not.toContain('Expand');
    expect(await leaseOwner(db.client)).toBe(holder);

    await decideGate(db.client, { release: 'a1', decision: 'approved', decidedBy: 'test' });
    const { result } = await first.done;
    expect(result.status).toBe('succeeded');
    expect(await leaseOwner(db.client)).toBeNull();
  });
});
