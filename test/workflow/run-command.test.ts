import { describe, expect, it } from 'vitest';
import { NO_CDK_APP, runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

// `zerodown run --local` as a person runs it: text output, exit codes, the embedded PostgreSQL default.
const db = useFreshDatabase();

const files = {
  '001_notes.sql': `-- migrate:up
CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL);

-- migrate:down
DROP TABLE notes;
`,
  '002_notes_drop_body.contract.sql': `-- migrate:up
ALTER TABLE notes DROP COLUMN body;

-- migrate:down irreversible: the bodies are gone
`,
};

describe('zerodown run --local', () => {
  it('prints each state, the gate with its approve command, and exits 1 naming the state and cause', async () => {
    const dir = await migrationsDir(files);
    const { code, stdout } = await runCli(
      [
        'run',
        '--local',
        '--database-url',
        db.url,
        '--migrations',
        dir,
        '--release',
        'x1',
        '--gate-timeout',
        '1s',
      ],
      {},
      NO_CDK_APP,
    );
    expect(code).toBe(1);
    expect(stdout).toContain('-> Expand\n');
    expect(stdout).toMatch(/<- Expand \(\d+ ms\)\n/);
    expect(stdout).toContain(
      'gate beforeContract (release x1): waiting up to 1 s for a decision; approve with:',
    );
    // a command that works when pasted: the URL itself, or the environment's when it has a password
    const database = new URL(db.url).password ? '"$DATABASE_URL"' : db.url;
    expect(stdout).toContain(`zerodown gate approve --release x1 --database-url ${database}\n`);
    expect(stdout).toContain(`zerodown gate reject --release x1 --database-url ${database} --reason '…'\n`);
    expect(stdout).not.toContain('***');
    expect(stdout).toContain('FAILED in GateBeforeContract: States.Timeout\n');
    expect(stdout).toMatch(/time per state:\n {2}Plan/);
    expect(stdout).not.toContain('-> Contract');
  });

  it('runs on a throwaway embedded PostgreSQL without a database URL, and exits 0', async () => {
    const dir = await migrationsDir(files);
    const { code, stdout, stderr } = await runCli(
      ['run', '--local', '--migrations', dir, '--release', 'e1', '--approve-gates'],
      { DATABASE_URL: '' },
      NO_CDK_APP,
    );
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('started an embedded PostgreSQL');
    expect(stdout).toContain('gate beforeContract: approved automatically (--approve-gates)');
    expect(stdout).toContain('-> Contract\n');
    expect(stdout).toMatch(/succeeded in [\d.]+ m?s\n/);
  });

  it('refuses to run without --local', async () => {
    const { code, stderr } = await runCli(['run', '--database-url', db.url]);
    expect(code).toBe(2);
    expect(stderr).toContain('only --local runs here');
  });
});
