import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_CDK_APP, runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

// A release run with a password in its connection and a task token at its gate: everything the run
// prints, logs and records in the state machine's history (every state's input and output, written by
// `run --local --history`), and what the gate command prints, is searched for both. Neither appears.
const db = useFreshDatabase();
const BIN = fileURLToPath(new URL('../../bin/zerodown.mjs', import.meta.url));
const role = `zd_secret_${randomBytes(4).toString('hex')}`;
const password = `pw-${randomBytes(12).toString('hex')}`;

const files = {
  '001_items_label.sql': `-- migrate:up
ALTER TABLE items ADD COLUMN label text;

-- migrate:down
ALTER TABLE items DROP COLUMN label;
`,
  '001_items_label.backfill.json': JSON.stringify({
    table: 'items',
    set: { label: "'item-' || id" },
    where: 'label IS NULL',
    key: 'id',
    sync: true,
  }),
  '002_items_drop_old.contract.sql': `-- migrate:up
ALTER TABLE items DROP COLUMN old_label;

-- migrate:down irreversible: the old labels are gone
`,
};

afterAll(async () => {
  await db.client.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`).catch(() => undefined);
  await db.client.query(`DROP OWNED BY ${role}`).catch(() => undefined);
  await db.client.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
});

describe('secrets and task tokens', () => {
  it('appear nowhere in what a run prints, logs or records in its history, nor in the gate command', async () => {
    const database = (await db.client.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
    await db.client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}';
      ALTER DATABASE ${database} OWNER TO ${role};
      ALTER SCHEMA public OWNER TO ${role};`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    const owner = new pg.Client({ connectionString: url.toString() });
    await owner.connect();
    await owner.query(`CREATE TABLE items (id bigserial PRIMARY KEY, old_label text);
      INSERT INTO items (old_label) SELECT 'x' || g FROM generate_series(1, 500) g;`);
    await owner.end();
    const dir = await migrationsDir(files);
    const out = await mkdtemp(join(tmpdir(), 'zd-history-'));
    const historyFile = join(out, 'history.jsonl');

    // WHEN the release runs to its gate, the gate is approved from another process, and it finishes
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '--local',
        '--database-url',
        url.toString(),
        '--migrations',
        dir,
        '--release',
        'r1',
        '--format',
        'json',
        '--verbose',
        '--history',
        historyFile,
      ],
      { cwd: NO_CDK_APP, stdio: 'pipe', env: { ...process.env, DATABASE_URL: '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const waiting = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('"type":"gate-waiting"')) resolve();
      });
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await Promise.race([waiting, closed]);
    const gate = await db.client.query<{ task_token: string }>(
      "SELECT task_token FROM zerodown.gates WHERE release = 'r1' AND gate = 'beforeContract'",
    );
    const token = gate.rows[0]?.task_token ?? '';
    expect(token.length, stdout + stderr).toBeGreaterThan(20);
    const approve = await runCli(['gate', 'approve', '--release', 'r1', '--by', 'ci'], {
      DATABASE_URL: url.toString(),
    });
    expect(approve.code, approve.stderr).toBe(0);
    expect(await closed, stderr).toBe(0);

    // THEN the history was written (inputs and outputs of the states), and holds neither secret
    const history = await readFile(historyFile, 'utf8');
    await rm(out, { recursive: true, force: true });
    const entries = history
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries.filter((e) => e.type === 'StateEntered').length).toBeGreaterThan(10);
    expect(history).toContain('"release":"r1"');
    expect(stdout).toContain('"type":"execution-succeeded"');
    for (const text of [stdout, stderr, history, approve.stdout, approve.stderr]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(token);
    }
  });
});
