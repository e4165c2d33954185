import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { versionedConnection } from '../../core/versions/names.ts';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { serverVersionNum } from '../support/server-version.ts';
import { loopWriter } from '../support/writer.ts';
import { seedExampleTables, startRelease, useExampleTemplate } from './support/scenario.ts';

// The example migrations as a versioned release through the synthesized definition: the old version
// writes the tables (username), the new one its views in zd_v2 (display_name), both during the backfill
// and while the release waits at its gate; then the old one stops, the gate is approved, contract runs.
const db = useFreshDatabase();
const example = useExampleTemplate();
const hasSecurityInvoker = (await serverVersionNum()) >= 150_000;

// security_invoker views exist from PostgreSQL 15 (versioned-schema.test.ts checks the refusal on 14)
describe.skipIf(!hasSecurityInvoker)('a versioned release through the workflow', () => {
  it('old and new version write at once during backfill and gate; after contract nothing is lost', async () => {
    // GIVEN the app's first version with 20,000 users and orders
    await seedExampleTables(db.client, 20_000);
    const oldInserts: string[] = [];
    const newInserts: string[] = [];
    let writers: { stop(): Promise<number> }[] = [];
    // WHEN release v2 runs versioned, and both versions start writing once Expand has made zd_v2
    const running = startRelease(db.url, example.template, {
      input: { release: 'v2', versionedSchema: true },
      onEvent: (event) => {
        if (event.type !== 'state-left' || event.state !== 'Expand') return;
        writers = [
          loopWriter(db.connect, async (client, n) => {
            const { rows } = await client.query(
              "INSERT INTO users (username) VALUES ('old-' || $1) RETURNING username",
              [n],
            );
            oldInserts.push(rows[0].username);
            await client.query("UPDATE users SET username = 'old-upd-' || id WHERE id = $1", [
              1 + ((n * 7919) % 10_000),
            ]);
          }),
          loopWriter(
            async () => {
              const client = new pg.Client(versionedConnection({ connectionString: db.url }, 'v2'));
              await client.connect();
              return client;
            },
            async (client, n) => {
              const { rows } = await client.query(
                "INSERT INTO users (display_name) VALUES ('new-' || $1) RETURNING display_name",
                [n],
              );
              newInserts.push(rows[0].display_name);
              await client.query("UPDATE users SET display_name = 'new-upd-' || id WHERE id = $1", [
                10_001 + ((n * 104_729) % 10_000),
              ]);
            },
          ),
        ];
      },
    });
    expect(await running.waitingAtGate()).toBe('beforeContract');
    // THEN at the gate both columns agree on every row, and the notice names the new search_path
    const atGate = await db.client.query(
      'SELECT count(*) FILTER (WHERE username IS DISTINCT FROM display_name)::int AS wrong FROM users',
    );
    expect(atGate.rows[0].wrong).toBe(0);
    expect(running.events).toContainEqual(
      expect.objectContaining({
        type: 'notice',
        message: expect.stringContaining('The new version must connect with search_path zd_v2, public'),
      }),
    );
    // the old version is retired by the deploy; the new one goes on writing through contract
    const [oldApp, newApp] = writers;
    expect(await oldApp!.stop()).toBeGreaterThan(0);
    expect((await runCli(['gate', 'approve', '--release', 'v2', '--database-url', db.url])).code).toBe(0);
    const { result } = await running.done;
    expect(await newApp!.stop()).toBeGreaterThan(0);
    expect(result.status).toBe('succeeded');
    // every row each version inserted is there, with the name it wrote; every update landed
    const { rows } = await db.client.query(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE display_name = ANY ($1::text[]))::int AS old_rows,
              count(*) FILTER (WHERE display_name = ANY ($2::text[]))::int AS new_rows,
              count(*) FILTER (WHERE id <= 20000 AND display_name NOT IN ('user' || id, 'old-upd-' || id, 'new-upd-' || id))::int AS wrong
         FROM users`,
      [oldInserts, newInserts],
    );
    expect(rows[0]).toEqual({
      total: 20_000 + oldInserts.length + newInserts.length,
      old_rows: oldInserts.length,
      new_rows: newInserts.length,
      wrong: 0,
    });
    // the new version's view over the contracted table, and the versions status shows
    const view = await db.client.query(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'zd_v2' AND table_name = 'orders' ORDER BY ordinal_position",
    );
    expect(view.rows.map((r) => r.column_name)).toEqual(['user_id', 'total', 'id']);
    const status = await runCli(['status', '--database-url', db.url, '--format', 'json']);
    expect(JSON.parse(status.stdout).versions).toMatchObject([
      { release: 'v2', schema: 'zd_v2', searchPath: 'zd_v2, public' },
    ]);
  });
});
