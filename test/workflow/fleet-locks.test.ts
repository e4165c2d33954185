import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { readTargetRollout } from '../../core/fleet/record.ts';
import { decideGate } from '../../core/gates/gates.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { resetTenants, rollOut, type TestFleet, useFleetTemplate, useTestFleet } from './support/fleet.ts';

// The fleet's locks and its one gate, and the commands around a rollout: a second rollout is refused
// while the first holds its targets; `zerodown fleet status` and `fleet retry --failed` on real targets.
const fleet = useTestFleet(4);
const setup = useFleetTemplate();

/** Runs the CLI in process, returning its exit code and what it printed on stdout. */
async function zerodown(...args: string[]): Promise<{ code: number; stdout: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(['node', 'zerodown', ...args]);
    return { code, stdout: chunks.join('') };
  } finally {
    spy.mockRestore();
    stderr.mockRestore();
  }
}

async function leaseOwnerOf(target: TestFleet['targets'][number]): Promise<string | null> {
  const client = await fleet.connect(target);
  try {
    const { rows } = await client.query('SELECT owner FROM zerodown.lock');
    return rows[0]?.owner ?? null;
  } finally {
    await client.end();
  }
}

describe('fleet locks and the fleet gate', () => {
  it('refuses a second rollout while the first waits at its one gate, naming the holder', async () => {
    await resetTenants(fleet);
    // GIVEN rollout g1 waits at the fleet gate, every target expanded and locked by it
    let waiting!: () => void;
    const atGate = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const first = rollOut(
      setup,
      fleet.targets,
      { release: 'g1', canary: 1 },
      { approveGates: false, onEvent: (e) => e.type === 'gate-waiting' && waiting() },
    );
    await atGate;
    const holder = await leaseOwnerOf(fleet.targets[0]!);
    expect(holder).toContain('local-g1');
    for (const target of fleet.targets) expect(await leaseOwnerOf(target)).toBe(holder);

    // WHEN a second rollout of the same fleet starts
    const second = await rollOut(setup, fleet.targets, { release: 'g2', canary: 1 });

    // THEN its canary is refused (the Map run over its budget, as in AWS), the target's record says
    // LockHeld naming g1's execution, and nothing of g1 is touched
    expect(second.result.status).toBe('failed');
    expect(second.result.error).toBe('States.ExceedToleratedFailureThreshold');
    expect(second.result.cause).toContain('LockHeld');
    const canary = await fleet.connect(fleet.targets[0]!);
    const refused = await readTargetRollout(canary);
    await canary.end();
    expect(refused).toMatchObject({ release: 'g2', status: 'failed', error: 'LockHeld' });
    expect(refused?.cause).toContain(holder!);
    expect(second.entered.filter((s) => s === 'RolloutWave')).toHaveLength(1);
    for (const target of fleet.targets) expect(await leaseOwnerOf(target)).toBe(holder);

    // WHEN the one fleet gate (recorded in the first target) is approved
    const client = await fleet.connect(fleet.targets[0]!);
    await decideGate(client, {
      release: 'g1',
      gate: 'beforeContract',
      decision: 'approved',
      decidedBy: 'test',
    });
    await client.end();
    const done = await first;

    // THEN g1 contracts every target and gives every lock back
    expect(done.result.status, JSON.stringify(done.result)).toBe('succeeded');
    expect(done.entered.filter((s) => s === 'GateFleet')).toHaveLength(1);
    for (const target of fleet.targets) expect(await leaseOwnerOf(target)).toBeNull();
  });
});

describe('zerodown fleet status and fleet retry --failed', () => {
  it('lists each target with its status and error, and retries only the failed one', async () => {
    await resetTenants(fleet);
    const dir = await migrationsDir({});
    const fleetFile = join(dir, 'fleet.json');
    await writeFile(fleetFile, JSON.stringify(fleet.targets));
    const templateFile = join(dir, 'fleet.template.json');
    await writeFile(templateFile, JSON.stringify(setup.template));
    // GIVEN tenant-2 fails its expand within the budget
    await fleet.each('CREATE TABLE notes_archive (id int)', ['tenant-2']);
    const common = ['--template', templateFile, '--migrations', setup.migrations, '--approve-gates'];
    const run = await zerodown(
      'run',
      '--local',
      '--fleet',
      fleetFile,
      '--release',
      'r1',
      '--tolerated-failure-percentage',
      '50',
      ...common,
    );
    expect(run.code).toBe(0);

    // WHEN the fleet's status is read
    const json = await zerodown('fleet', 'status', '--fleet', fleetFile, '--format', 'json');
    const markdown = await zerodown('fleet', 'status', '--fleet', fleetFile, '--format', 'markdown');

    // THEN every target is listed; tenant-2 failed with its error; exit 1 says one failed
    expect(json.code).toBe(1);
    const lines = JSON.parse(json.stdout).targets;
    expect(
      lines.map((l: { name: string; rollout: { status: string } }) => [l.name, l.rollout.status]),
    ).toEqual([
      ['tenant-1', 'contracted'],
      ['tenant-2', 'failed'],
      ['tenant-3', 'contracted'],
      ['tenant-4', 'contracted'],
    ]);
    expect(lines[0]).toMatchObject({ version: '20260301000300', phase: 'contract', gate: 'approved' });
    expect(lines[1]).toMatchObject({ version: null, rollout: { release: 'r1', error: 'MigrationFailed' } });
    expect(markdown.stdout).toContain('| TARGET | VERSION | STATUS | RELEASE | GATE | TOOK | ERROR |');
    expect(markdown.stdout).toMatch(/\| tenant-2 \| - \| failed \| r1 \|.*MigrationFailed.*notes_archive/);
    expect(markdown.stdout).toContain('4 targets: 3 contracted, 1 failed');
    // no URL of a target is printed
    expect(json.stdout + markdown.stdout).not.toContain('postgres://');

    // WHEN the cause is fixed and the failed targets are retried
    await fleet.each('DROP TABLE notes_archive', ['tenant-2']);
    const retry = await zerodown('fleet', 'retry', '--failed', '--fleet', fleetFile, ...common);
    expect(retry.code).toBe(0);
    // THEN only tenant-2 ran (the others' records are untouched), and the whole fleet is contracted
    const after = JSON.parse(
      (await zerodown('fleet', 'status', '--fleet', fleetFile, '--format', 'json')).stdout,
    ).targets;
    expect(after.map((l: { rollout: { status: string } }) => l.rollout.status)).toEqual([
      'contracted',
      'contracted',
      'contracted',
      'contracted',
    ]);
    expect(after[1].rollout.startedAt > lines[3].rollout.updatedAt).toBe(true);
    expect(after[0].rollout.updatedAt).toBe(lines[0].rollout.updatedAt);
  });
});
