import { describe, expect, it } from 'vitest';
import { readTargetRollout } from '../../core/fleet/record.ts';
import { resetTenants, rollOut, TENANT_ROWS, useFleetTemplate, useTestFleet } from './support/fleet.ts';

// Fifty target databases rolled out by the synthesized fleet workflow, run locally: a canary of one,
// then waves of 25 at MaxConcurrency 8, one gate, contract; every target's schema and data checked.
const fleet = useTestFleet(50);
const setup = useFleetTemplate();

describe('a fleet of 50 databases', () => {
  it('rolls the release out to every one of them', { timeout: 600_000 }, async () => {
    await resetTenants(fleet);
    const run = await rollOut(
      setup,
      fleet.targets,
      { release: 'big', canary: 1, waveSize: 25 },
      { maxConcurrency: 8 },
    );
    expect(run.result.status, JSON.stringify(run.result)).toBe('succeeded');
    // the canary, then two waves of 25 and one of 24
    expect(run.entered.filter((s) => s === 'RolloutWave')).toHaveLength(3);
    expect(run.entered.filter((s) => s === 'GateFleet')).toHaveLength(1);
    for (const target of fleet.targets) {
      const client = await fleet.connect(target);
      try {
        const columns = await client.query(
          "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'notes' ORDER BY column_name",
        );
        expect(
          columns.rows.map((r) => r.column_name),
          target.name,
        ).toEqual(['id', 'title']);
        const titled = await client.query("SELECT count(*)::int AS n FROM notes WHERE title = 'NOTE ' || id");
        expect(titled.rows[0].n, target.name).toBe(TENANT_ROWS);
        const applied = await client.query(
          'SELECT version, phase FROM zerodown.migrations WHERE rolled_back_at IS NULL ORDER BY version, phase',
        );
        expect(
          applied.rows.map((r) => `${r.version}.${r.phase}`),
          target.name,
        ).toEqual([
          '20260301000100.backfill',
          '20260301000100.expand',
          '20260301000200.expand',
          '20260301000300.contract',
        ]);
        expect(await readTargetRollout(client), target.name).toMatchObject({
          release: 'big',
          status: 'contracted',
        });
      } finally {
        await client.end();
      }
    }
  });
});
