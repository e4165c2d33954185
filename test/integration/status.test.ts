import { describe, expect, it } from 'vitest';
import { prepareBackfill, runBackfillChunk } from '../../core/backfill/index.ts';
import { openGate, recordGateHeartbeat } from '../../core/gates/gates.ts';
import { silentLog } from '../../core/log.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { BackfillMigration } from '../../core/migrations/types.ts';
import { applyPending } from '../../core/runner/apply.ts';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

const db = useFreshDatabase();

describe('zerodown status', () => {
  it('shows a running backfill with its progress and the gate a release waits at', async () => {
    // GIVEN an expand applied, a backfill stopped part way, and a workflow waiting at a gate
    await db.client.query(
      "CREATE TABLE people (id bigint PRIMARY KEY, name text); INSERT INTO people SELECT g, 'p' || g FROM generate_series(1, 20000) g",
    );
    const dir = await migrationsDir({
      '1_label.sql':
        '-- migrate:up\nALTER TABLE people ADD COLUMN label text;\n-- migrate:down\nALTER TABLE people DROP COLUMN label;\n',
      '1_label.backfill.json': JSON.stringify({ table: 'people', set: { label: 'name' }, batchSize: 1000 }),
    });
    const migrations = await loadMigrations(dir);
    await applyPending(db.client, migrations, { phases: ['expand'], executionId: 's1', log: silentLog });
    const backfill = migrations.find((m) => m.kind === 'backfill') as BackfillMigration;
    const [job] = await prepareBackfill(db.client, backfill, { executionId: 's1', log: silentLog });
    const progress = await runBackfillChunk(db.client, backfill, job!, {
      budgetMs: 1,
      executionId: 's1',
      log: silentLog,
    });
    expect(progress.done).toBe(false);
    await openGate(db.client, {
      release: 'v7',
      gate: 'beforeContract',
      executionId: 's1',
      taskToken: 'local:t',
    });
    // WHEN
    await recordGateHeartbeat(db.client, 'v7');
    const text = await runCli(['status', '--database-url', db.url, '--migrations', dir]);
    const json = await runCli(['status', '--database-url', db.url, '--migrations', dir, '--format', 'json']);
    // THEN
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(
        `1_label\\.backfill\\.json\\s+backfill\\s+running \\(${progress.rowsDone}/~\\d+ rows, 0/1 partitions done\\)`,
      ),
    );
    expect(text.stdout).toMatch(
      /gate: release v7 waits at beforeContract since .* \(last heartbeat .*\); "zerodown gate approve --release v7"/,
    );
    const status = JSON.parse(json.stdout);
    expect(status.migrations.find((m: { id: string }) => m.id === '1.backfill')).toMatchObject({
      state: 'pending',
      backfill: { rowsDone: progress.rowsDone, partitions: 1, partitionsDone: 0 },
    });
    expect(status.openGates).toEqual([
      expect.objectContaining({ release: 'v7', gate: 'beforeContract', heartbeatAt: expect.any(String) }),
    ]);
  });
});
