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

// The contract schedule: executions started with the input the template's EventBridge schedule sends
// apply only the contract migrations a release released through a passed beforeContract gate, or that a
// person names.
const db = useFreshDatabase();
const example = useExampleTemplate();

/** The input of the synthesized AWS::Scheduler::Schedule, exactly as the schedule would send it. */
function scheduledInput(template: object): { release: string } {
  // biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template
  const resources = Object.values((template as any).Resources) as any[];
  const schedule = resources.find((r) => r.Type === 'AWS::Scheduler::Schedule');
  return JSON.parse(schedule.Properties.Target.Input);
}

async function appliedContracts(): Promise<string[]> {
  const { rows } = await db.client.query(
    "SELECT version FROM zerodown.migrations WHERE phase = 'contract' AND rolled_back_at IS NULL ORDER BY version",
  );
  return rows.map((r) => r.version);
}

describe('scheduled contract-only executions', () => {
  it('apply nothing before a gate passed, a named contract when named, the rest once a release passes its gate', async () => {
    const scheduled = scheduledInput(example.template);
    expect(scheduled).toMatchObject({ phases: ['contract'] });
    await seedExampleTables(db.client, 2_000);

    // c1 ships expand and backfill, and no gate: its contracts are shipped but not released
    const c1 = await runRelease(db.url, example.template, {
      input: {
        release: 'c1',
        phases: ['expand', 'backfill'],
        gates: { afterExpand: false, beforeContract: false },
      },
    });
    expect(c1.result.status).toBe('succeeded');
    expect(c1.entered).not.toContain('GateBeforeContract');

    // the schedule: nothing released, nothing named -> nothing applied
    const first = await runRelease(db.url, example.template, { input: scheduled });
    expect(first.result.status).toBe('succeeded');
    expect(first.entered).not.toContain('Contract');
    expect(await appliedContracts()).toEqual([]);

    // a person names one contract: only that one runs
    const named = await runRelease(db.url, example.template, {
      input: { ...scheduled, contract: ['20260101000200'] },
    });
    expect(named.result.status).toBe('succeeded');
    expect(named.entered).toContain('Contract');
    expect(named.entered).not.toContain('Expand');
    expect(await appliedContracts()).toEqual(['20260101000200']);

    // c2 passes its beforeContract gate, without a contract phase of its own
    const c2 = startRelease(db.url, example.template, {
      input: { release: 'c2', phases: ['expand', 'backfill'] },
    });
    expect(await c2.waitingAtGate()).toBe('beforeContract');

    // while c2 waits at its gate it holds the lock: the schedule skips (succeeded, nothing applied,
    // the holder named), where a person's contract-only run fails LockHeld as before
    const skipped = await runRelease(db.url, example.template, { input: scheduled });
    expect(skipped.result.status).toBe('succeeded');
    expect(skipped.entered).toContain('SkipWhileLocked');
    expect(skipped.entered).not.toContain('Contract');
    expect((skipped.result.output as { skipped: { Error: string; Cause: string } }).skipped).toMatchObject({
      Error: 'LockHeld',
      Cause: expect.stringContaining('c2'),
    });
    const refused = await runRelease(db.url, example.template, {
      input: { ...scheduled, ifLocked: 'fail', contract: ['20260101000300'] },
    });
    expect(refused.result).toMatchObject({ status: 'failed', error: 'LockHeld' });
    expect(await appliedContracts()).toEqual(['20260101000200']);
    expect(await leaseOwner(db.client)).toContain('c2');

    await decideGate(db.client, { release: 'c2', decision: 'approved', decidedBy: 'ci' });
    const c2Done = await c2.done;
    expect(c2Done.result.status).toBe('succeeded');
    expect(c2Done.entered).not.toContain('Contract');

    // the schedule now applies every contract c2 released
    const second = await runRelease(db.url, example.template, { input: scheduled });
    expect(second.result.status).toBe('succeeded');
    expect(await appliedContracts()).toEqual([
      '20260101000200',
      '20260101000300',
      '20260101000400',
      '20260101000500',
      '20260101001100',
      '20260101001150',
      '20260101001200',
      '20260101001300',
    ]);
    const orders = await db.client.query(
      "SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'id'",
    );
    expect(orders.rows[0].data_type).toBe('bigint');
    expect(await leaseOwner(db.client)).toBeNull();
  });
});
