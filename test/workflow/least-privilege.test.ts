import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedExampleTables } from '../../cli/demo.ts';
import { NO_CDK_APP, runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';

// A whole release (expand, both backfills, the gate, contract) through the local runner of the
// synthesized state machine, connected as the minimal migrator role docs/security.md gives: no
// superuser, no CREATEDB, no CREATEROLE; a member of the role that owns the application's tables.
const db = useFreshDatabase();
const suffix = randomBytes(4).toString('hex');
const owner = `zd_app_owner_${suffix}`;
const migrator = `zd_migrator_${suffix}`;
const password = randomBytes(12).toString('hex');

afterAll(async () => {
  // roles are the server's, not the database's: drop what this file created
  await db.client.query(`REASSIGN OWNED BY ${owner}, ${migrator} TO CURRENT_USER`).catch(() => undefined);
  await db.client.query(`DROP OWNED BY ${owner}, ${migrator}`).catch(() => undefined);
  await db.client.query(`DROP ROLE IF EXISTS ${migrator}`).catch(() => undefined);
  await db.client.query(`DROP ROLE IF EXISTS ${owner}`).catch(() => undefined);
});

describe('a release as the minimal migrator role', () => {
  it('runs end to end without superuser, and the role has no more than the docs give', async () => {
    const database = (await db.client.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
    await seedExampleTables(db.client, 2_000);
    // the setup of docs/security.md, as a DBA runs it
    await db.client.query(`
      CREATE ROLE ${owner} NOLOGIN;
      ALTER TABLE users OWNER TO ${owner};
      ALTER TABLE orders OWNER TO ${owner};
      ALTER SEQUENCE users_id_seq OWNER TO ${owner};
      ALTER SEQUENCE orders_id_seq OWNER TO ${owner};
      GRANT USAGE, CREATE ON SCHEMA public TO ${owner};
      CREATE ROLE ${migrator} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE ${owner};
      GRANT CONNECT, CREATE ON DATABASE ${database} TO ${migrator};`);
    const url = new URL(db.url);
    url.username = migrator;
    url.password = password;
    const { rows } = await db.client.query(
      'SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = $1',
      [migrator],
    );
    expect(rows[0]).toEqual({
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolbypassrls: false,
    });
    const result = await runCli(
      [
        'run',
        '--local',
        '--database-url',
        url.toString(),
        '--migrations',
        resolve('migrations'),
        '--release',
        'least-privilege',
        '--approve-gates',
      ],
      {},
      NO_CDK_APP,
    );
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('-> Contract');
    expect(`${result.stdout}${result.stderr}`).not.toContain(password);
    // what the example release does: display_name backfilled and NOT NULL, username dropped, orders.id bigint
    const columns = await db.client.query(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' AND (table_name, column_name) IN (('users', 'display_name'), ('users', 'username'), ('orders', 'id'))
        ORDER BY 1, 2`,
    );
    expect(columns.rows).toEqual([
      { table_name: 'orders', column_name: 'id', data_type: 'bigint', is_nullable: 'NO' },
      { table_name: 'users', column_name: 'display_name', data_type: 'text', is_nullable: 'NO' },
    ]);
    const filled = await db.client.query(
      'SELECT count(*)::int AS n FROM users WHERE display_name IS NOT NULL',
    );
    expect(filled.rows[0].n).toBe(2_000);
    const schemaOwner = await db.client.query(
      "SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'zerodown'",
    );
    expect(schemaOwner.rows[0].owner).toBe(migrator);
  });
});
