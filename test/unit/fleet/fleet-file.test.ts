import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleetFile } from '../../../cli/fleet/fleet-file.ts';
import { planWaves } from '../../../core/fleet/waves.ts';

describe('loadFleetFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zerodown-fleet-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const fleetFile = async (content: unknown) => {
    const path = join(dir, `fleet-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('reads a JSON array of targets', async () => {
    const path = await fleetFile([
      { name: 'tenant-1', databaseUrl: 'postgres://app:secret@db/t1' },
      {
        name: 'tenant-2',
        secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:t2',
        settings: { maxPartitions: 2 },
      },
    ]);
    expect((await loadFleetFile(path)).map((t) => t.name)).toEqual(['tenant-1', 'tenant-2']);
  });

  it('names the file, the target and the field of a bad target, never echoing its URL', async () => {
    const path = await fleetFile([
      { name: 'tenant-1', databaseUrl: 'postgres://app:secret@db/t1' },
      { name: 'tenant-2', databaseUrl: 'mysql://app:hunter2@db/t2' },
    ]);
    const error = await loadFleetFile(path).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'InvalidInput' });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('target 2 databaseUrl: databaseUrl must be a postgres:// URL');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('refuses a target with neither or both connections, duplicate names, and a file that is not JSON', async () => {
    await expect(loadFleetFile(await fleetFile([{ name: 'a' }]))).rejects.toThrow(
      /target 1: a target needs exactly one of secretArn \(deployed\) or databaseUrl/,
    );
    await expect(
      loadFleetFile(
        await fleetFile([
          { name: 'a', databaseUrl: 'postgres://db/a' },
          { name: 'a', databaseUrl: 'postgres://db/b' },
        ]),
      ),
    ).rejects.toThrow(/targets 1 and 2 are both named a/);
    await expect(loadFleetFile(await fleetFile('[{'))).rejects.toThrow(/is not JSON/);
    await expect(loadFleetFile(await fleetFile([]))).rejects.toThrow(/a fleet needs at least one target/);
  });
});

describe('planWaves', () => {
  it('puts the canary first with no failure tolerated, then waves of waveSize with the budget', () => {
    expect(
      planWaves(['a', 'b', 'c', 'd'], { canary: 1, waveSize: 2, toleratedFailurePercentage: 50 }),
    ).toEqual([
      { index: 0, targets: ['a'], toleratedFailurePercentage: 0 },
      { index: 1, targets: ['b', 'c'], toleratedFailurePercentage: 50 },
      { index: 2, targets: ['d'], toleratedFailurePercentage: 50 },
    ]);
  });

  it('makes the rest one wave without a waveSize, and a canary as large as the fleet the only wave', () => {
    expect(
      planWaves(['a', 'b', 'c'], { canary: 1, toleratedFailurePercentage: 10 }).map((w) => w.targets),
    ).toEqual([['a'], ['b', 'c']]);
    expect(planWaves(['a', 'b'], { canary: 5, toleratedFailurePercentage: 10 })).toEqual([
      { index: 0, targets: ['a', 'b'], toleratedFailurePercentage: 0 },
    ]);
    expect(planWaves(['a', 'b'], { canary: 0, toleratedFailurePercentage: 10 })).toEqual([
      { index: 0, targets: ['a', 'b'], toleratedFailurePercentage: 10 },
    ]);
  });
});
