import { beforeEach, describe, expect, it } from 'vitest';
import { readTargetRollout } from '../../core/fleet/record.ts';
import {
  resetTenants,
  rollOut,
  TENANT_ROWS,
  type TestFleet,
  useFleetTemplate,
  useTestFleet,
} from './support/fleet.ts';

// The fleet workflow (MigrationOrchestrator in fleet mode), synthesized and run locally over a handful
// of target databases on the test server: canary, waves within a failure budget, per-target rollback.
const fleet = useTestFleet(5);
const setup = useFleetTemplate();

async function columnsOf(target: TestFleet['targets'][number], table: string): Promise<string[]> {
  const client = await fleet.connect(target);
  try {
    const { rows } = await client.query(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name",
      [table],
    );
    return rows.map((r) => r.column_name);
  } finally {
    await client.end();
  }
}

async function statusOf(target: TestFleet['targets'][number]) {
  const client = await fleet.connect(target);
  try {
    return await readTargetRollout(client);
  } finally {
    await client.end();
  }
}

describe('a fleet rollout', () => {
  beforeEach(async () => {
    await resetTenants(fleet);
  });

  it('rolls the release out to every target: canary, then the wave, one gate, then contract', async () => {
    // GIVEN five tenants on the same release's starting point
    // WHEN the fleet rolls out with a canary of one
    const run = await rollOut(setup, fleet.targets, { release: 'f1', canary: 1 });

    // THEN it succeeds, after two waves and one gate for the whole fleet
    expect(run.result.status, JSON.stringify(run.result)).toBe('succeeded');
    expect(run.entered.filter((s) => s === 'RolloutWave')).toHaveLength(2);
    expect(run.entered.filter((s) => s === 'GateFleet')).toHaveLength(1);
    for (const target of fleet.targets) {
      expect(await columnsOf(target, 'notes')).toEqual(['id', 'title']);
      expect(await columnsOf(target, 'notes_archive')).toEqual(['id', 'title']);
      const client = await fleet.connect(target);
      const { rows } = await client.query("SELECT count(*)::int AS n FROM notes WHERE title LIKE 'NOTE %'");
      await client.end();
      expect(rows[0].n).toBe(TENANT_ROWS);
      expect(await statusOf(target)).toMatchObject({ release: 'f1', status: 'contracted' });
    }
  });

  it('stops before the waves when the canary fails, the canary rolled back', async () => {
    // GIVEN the canary tenant already has a table the release creates: its expand fails
    await fleet.each('CREATE TABLE notes_archive (id int)', ['tenant-1']);
    // WHEN the fleet rolls out
    const run = await rollOut(setup, fleet.targets, { release: 'f2', canary: 1 });
    // THEN it fails in the first wave, the others never touched
    expect(run.result.status).toBe('failed');
    expect(run.entered.filter((s) => s === 'RolloutWave')).toHaveLength(1);
    expect(run.entered).not.toContain('GateFleet');
    // the canary's own rollback took its first migration back out
    expect(await columnsOf(fleet.targets[0]!, 'notes')).toEqual(['body', 'id']);
    expect(await statusOf(fleet.targets[0]!)).toMatchObject({ status: 'failed', error: 'MigrationFailed' });
    for (const target of fleet.targets.slice(1)) {
      expect(await columnsOf(target, 'notes')).toEqual(['body', 'id']);
      expect(await statusOf(target)).toBeUndefined();
    }
  });

  it('rolls a failed target back alone within the budget while the rest complete', async () => {
    // GIVEN tenant-3 (in the wave, not the canary) fails its expand
    await fleet.each('CREATE TABLE notes_archive (id int)', ['tenant-3']);
    // WHEN the wave tolerates a quarter of its targets failing
    const run = await rollOut(setup, fleet.targets, {
      release: 'f3',
      canary: 1,
      toleratedFailurePercentage: 25,
    });
    // THEN the fleet succeeds: tenant-3 rolled back and listed with its error, the others contracted
    expect(run.result.status, JSON.stringify(run.result)).toBe('succeeded');
    const failed = fleet.targets[2]!;
    expect(await columnsOf(failed, 'notes')).toEqual(['body', 'id']);
    expect(await statusOf(failed)).toMatchObject({ status: 'failed', error: 'MigrationFailed' });
    expect((await statusOf(failed))?.cause).toContain('notes_archive');
    for (const target of fleet.targets.filter((t) => t !== failed)) {
      expect(await columnsOf(target, 'notes')).toEqual(['id', 'title']);
      expect(await statusOf(target)).toMatchObject({ status: 'contracted' });
    }
  });

  it('stops over the budget and rolls every target back when the input says so', async () => {
    // GIVEN two of the four wave targets fail, over a 25 % budget
    await fleet.each('CREATE TABLE notes_archive (id int)', ['tenant-2', 'tenant-4']);
    // WHEN the rollout stops with onFailure: rollback
    const run = await rollOut(setup, fleet.targets, {
      release: 'f4',
      canary: 1,
      toleratedFailurePercentage: 25,
      onFailure: 'rollback',
    });
    // THEN it fails with the budget's error, before the gate, and no target keeps the release
    expect(run.result.status).toBe('failed');
    expect(run.result.error).toBe('States.ExceedToleratedFailureThreshold');
    expect(run.entered).not.toContain('GateFleet');
    expect(run.entered).toContain('UndoFleet');
    for (const target of fleet.targets) {
      expect(await columnsOf(target, 'notes')).toEqual(['body', 'id']);
    }
    expect(await statusOf(fleet.targets[0]!)).toMatchObject({ status: 'rolled_back' });
    expect(await statusOf(fleet.targets[1]!)).toMatchObject({ status: 'failed' });
  });

  it('holds the expanded targets over the budget by default', async () => {
    await fleet.each('CREATE TABLE notes_archive (id int)', ['tenant-2', 'tenant-4']);
    const run = await rollOut(setup, fleet.targets, {
      release: 'f5',
      canary: 1,
      toleratedFailurePercentage: 25,
    });
    expect(run.result.status).toBe('failed');
    // the canary and the wave's good targets keep their expand (backward compatible), locks given back
    for (const target of [fleet.targets[0]!, fleet.targets[2]!, fleet.targets[4]!]) {
      expect(await columnsOf(target, 'notes')).toEqual(['body', 'id', 'title']);
      expect(await statusOf(target)).toMatchObject({ status: 'held' });
      const client = await fleet.connect(target);
      const { rows } = await client.query('SELECT owner FROM zerodown.lock');
      await client.end();
      expect(rows[0]?.owner ?? null).toBeNull();
    }
  });
});
