import { describe, expect, it } from 'vitest';
import { findGate } from '../../core/gates/gates.ts';
import { catalogSnapshot } from '../support/catalog.ts';
import { useFreshDatabase } from '../support/database.ts';
import { leaseOwner, runRelease, seedExampleTables, useExampleTemplate } from './support/scenario.ts';

// Nobody decides: the gate times out (--gate-timeout 2s) with States.Timeout; this execution asked for
// rollback on a failed gate, so the expand is rolled back and the catalog is as before.
const db = useFreshDatabase();
const example = useExampleTemplate();

describe('gate timeout', () => {
  it('fails with States.Timeout, rolls back when the input asks for it, releases the lock', async () => {
    await seedExampleTables(db.client, 2_000);
    const before = await catalogSnapshot(db.client);
    const { result, entered, events } = await runRelease(db.url, example.template, {
      input: { release: 't1', onGateReject: 'rollback' },
      gateTimeoutSeconds: 2,
    });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'gate-waiting', gate: 'beforeContract', timeoutSeconds: 2 }),
    );
    expect(result).toMatchObject({
      status: 'failed',
      error: 'States.Timeout',
      failedState: 'GateBeforeContract',
    });
    expect(entered).toEqual(
      expect.arrayContaining([
        'GateBeforeContract',
        'ShouldRollbackOnGateReject',
        'Rollback',
        'ReleaseLock',
        'Failed',
      ]),
    );
    expect(entered).not.toContain('Contract');
    expect(await catalogSnapshot(db.client)).toEqual(before);
    expect((await findGate(db.client, 't1', 'beforeContract'))?.decision).toBe('timed_out');
    expect(await leaseOwner(db.client)).toBeNull();
  });
});
