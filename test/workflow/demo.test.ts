import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNode } from '../support/cli-process.ts';

// `npm run demo` as a fresh clone runs it: its own embedded PostgreSQL, no database, no Docker.
const DEMO = fileURLToPath(new URL('../../bin/demo.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runDemo() {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return runNode([DEMO], { cwd: ROOT, env });
}

describe('npm run demo', () => {
  it('runs the example migrations through the local runner on an embedded PostgreSQL', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('users (100000 rows)');
    expect(stdout).toMatch(/-> Expand\n/);
    expect(stdout).toMatch(/backfill 20260101000100_users_display_name .*: \d+\/~\d+ rows.*done/);
    expect(stdout).toContain('the new one users.display_name through zd_demo (search_path zd_demo, public)');
    // the plan and the gate notice (logged) name the versions, the views and the new search_path
    expect(stderr).toContain('views: users: without username; orders: id_new as id, without id');
    expect(stderr).toContain('The new version must connect with search_path zd_demo, public');
    expect(stdout).toMatch(/the old one stopped after [1-9]\d* inserts, then "zerodown gate approve"/);
    expect(stdout).toMatch(
      /two versions at once: the old one wrote [1-9]\d* inserts and [1-9]\d* updates, the new one [1-9]\d* and [1-9]\d*; [1-9]\d* rows checked through display_name: 0 lost, 0 wrong/,
    );
    expect(stdout).toMatch(/-> Contract\n/);
    expect(stdout).toContain('succeeded in');
    const after = stdout.slice(stdout.indexOf('schema after:'));
    expect(after).toMatch(/display_name {3}text {2}\(not null\)/);
    expect(after).not.toContain('username');
    expect(after).toMatch(/orders \(100000 rows\)[\s\S]*id {13}bigint/);
    expect(after).toContain('timing summary:');
  }, 180_000);
});
