import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

  it('exits 1 naming what needs a person: a drifted file, a half-applied one; 0 when all is well', async () => {
    // GIVEN one migration applied, and one outside a transaction whose second statement fails
    const dir = await migrationsDir({
      '10_a.sql': '-- migrate:up\nCREATE TABLE attn_a (id int);\n',
      '11_b.sql':
        '-- migrate:up transaction:false\nCREATE TABLE attn_b (id int);\nCREATE INDEX CONCURRENTLY attn_b_idx ON attn_missing (id);\n',
    });
    const base = ['--database-url', db.url, '--migrations', dir];
    expect((await runCli(['up', ...base, '--to', '10'])).code).toBe(0);
    const clean = await runCli(['status', ...base]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).not.toContain('needs attention');
    // WHEN 11 stops half way and 10 is edited after it was applied
    expect((await runCli(['up', ...base])).code).toBe(1);
    await writeFile(join(dir, '10_a.sql'), '-- migrate:up\nCREATE TABLE attn_a (id bigint);\n');
    const text = await runCli(['status', ...base]);
    const json = await runCli(['status', ...base, '--format', 'json']);
    // THEN both exit 1 and name each file and why
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/needs attention: .*10_a\.sql changed since it was applied/);
    expect(text.stdout).toMatch(/needs attention: .*11_b\.sql half applied: 1 statement\(s\) ran/);
    expect(json.code).toBe(1);
    const status = JSON.parse(json.stdout);
    expect(status.ok).toBe(false);
    expect(status.needsAttention.map((a: { file: string }) => a.file)).toEqual([
      expect.stringMatching(/10_a\.sql$/),
      expect.stringMatching(/11_b\.sql$/),
    ]);
  });
});
