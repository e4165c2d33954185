import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { RecipeKind } from '../../core/recipes/index.ts';
import { quoteIdent as q } from '../../core/sql/identifiers.ts';
import { useFreshDatabase } from '../support/database.ts';
import { type RecipeScenario, runRecipe } from '../support/recipe-run.ts';
import { serverVersionNum } from '../support/server-version.ts';

// Every recipe end to end on real PostgreSQL: the old and the new application version write on their own
// connections from before the backfill until the gate; then the contract, or the workflow's rollback; then
// every row is compared with what the writers wrote. Each case has its own tables and versions.
const db = useFreshDatabase();
const SEEDED = 3000;

/** Seeded ids the old version updates (even) and the new version updates (odd): each row has one last writer. */
const oldRow = (n: number) => 2 * (1 + ((n * 7919) % (SEEDED / 2)));
const newRow = (n: number) => oldRow(n) - 1;

async function valuesOf(sql: string): Promise<Map<number, unknown>> {
  const { rows } = await db.client.query<{ id: number; v: unknown }>(sql);
  return new Map(rows.map((r) => [Number(r.id), r.v]));
}

async function columnsOf(table: string): Promise<string[]> {
  const { rows } = await db.client.query<{ attname: string }>(
    'SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
    [table],
  );
  return rows.map((r) => r.attname);
}

/** What the writers wrote, over what was seeded: the value every row must end with. */
class Expected {
  readonly values = new Map<number, unknown>();
  constructor(seed: (id: number) => unknown) {
    for (let id = 1; id <= SEEDED; id++) this.values.set(id, seed(id));
  }
  set(id: number | string, value: unknown) {
    this.values.set(Number(id), value);
  }
  /** Even steps insert a row (`insert` takes $1, returns id), odd steps update `row` ($1 id, $2 value). */
  async write(
    client: pg.Client,
    n: number,
    row: number,
    value: unknown,
    sql: { insert: string; update: string },
    stored = value,
  ) {
    if (n % 2 === 0) this.set(await insertId(client, sql.insert, [value]), stored);
    else {
      await client.query(sql.update, [row, value]);
      this.set(row, stored);
    }
  }
}

interface Case {
  /** Creates and seeds the tables (ids 1..SEEDED). */
  readonly setup: string;
  readonly scenario: RecipeScenario;
  afterContract(): Promise<void>;
  afterRollback(): Promise<void>;
}

const insertId = async (client: pg.Client, sql: string, values: unknown[]) =>
  Number((await client.query<{ id: number }>(sql, values)).rows[0]!.id);

/** `versioned`: the new version writes through its release's views, as the release's contract shapes them. */
const CASES: Record<RecipeKind, (t: string, version: string, versioned?: boolean) => Case> = {
  'rename-column': (t, version, versioned) => {
    // a table, column and new name that need quoting: unicode and a space, a double quote, a reserved word
    const [table, from, to] = [`Ünicode Users ${t}`, 'user"name', 'select'];
    const expected = new Expected((id) => `seed${id}`);
    return {
      setup: `CREATE TABLE ${q(table)} (id serial PRIMARY KEY, ${q(from)} text);
              INSERT INTO ${q(table)} (${q(from)}) SELECT 'seed' || g FROM generate_series(1, ${SEEDED}) g;`,
      scenario: {
        kind: 'rename-column',
        version,
        options: { table, columns: [from], to },
        async oldApp(client, n) {
          const v = `old${n}`;
          await expected.write(client, n, oldRow(n), v, {
            insert: `INSERT INTO ${q(table)} (${q(from)}) VALUES ($1) RETURNING id`,
            update: `UPDATE ${q(table)} SET ${q(from)} = $2 WHERE id = $1`,
          });
        },
        async newApp(client, n) {
          // the new version knows only the new name; through its views it does not see the old one
          if (versioned && n === 0)
            await expect(client.query(`SELECT ${q(from)} FROM ${q(table)}`)).rejects.toThrow(
              /does not exist/,
            );
          const v = `new${n}`;
          await expected.write(client, n, newRow(n), v, {
            insert: `INSERT INTO ${q(table)} (${q(to)}) VALUES ($1) RETURNING id`,
            update: `UPDATE ${q(table)} SET ${q(to)} = $2 WHERE id = $1`,
          });
        },
      },
      async afterContract() {
        expect(await columnsOf(q(table))).toEqual(['id', to]);
        expect(await valuesOf(`SELECT id, ${q(to)} AS v FROM ${q(table)}`)).toEqual(expected.values);
      },
      async afterRollback() {
        // what the new version wrote was copied back: the old version loses nothing
        expect(await columnsOf(q(table))).toEqual(['id', from]);
        expect(await valuesOf(`SELECT id, ${q(from)} AS v FROM ${q(table)}`)).toEqual(expected.values);
      },
    };
  },

  'rename-table': (t, version) => {
    const [from, to] = [`customer_${t}`, `customers_${t}`];
    const expected = new Expected((id) => `seed${id}`);
    const app = (table: () => string, prefix: string) => async (client: pg.Client, n: number) => {
      const v = `${prefix}${n}`;
      if (n % 2 === 0)
        expected.set(
          await insertId(client, `INSERT INTO ${q(table())} (name) VALUES ($1) RETURNING id`, [v]),
          v,
        );
      else {
        const id = prefix === 'old' ? oldRow(n) : newRow(n);
        const { rows } = await client.query(`UPDATE ${q(table())} SET name = $2 WHERE id = $1 RETURNING id`, [
          id,
          v,
        ]);
        expect(rows).toEqual([{ id }]);
        expected.set(id, v);
      }
    };
    return {
      setup: `CREATE TABLE ${from} (id serial PRIMARY KEY, name text NOT NULL);
              INSERT INTO ${from} (name) SELECT 'seed' || g FROM generate_series(1, ${SEEDED}) g;`,
      scenario: {
        kind: 'rename-table',
        version,
        options: { table: from, to },
        // the old version keeps its name throughout: the table, then the view
        oldApp: app(() => from, 'old'),
        newApp: app(() => to, 'new'),
      },
      async afterContract() {
        const views = await db.client.query('SELECT count(*)::int AS n FROM pg_views WHERE viewname = $1', [
          from,
        ]);
        expect(views.rows[0].n).toBe(0);
        expect(await valuesOf(`SELECT id, name AS v FROM ${to}`)).toEqual(expected.values);
      },
      async afterRollback() {
        const kinds = await db.client.query(
          "SELECT relname, relkind FROM pg_class WHERE relname IN ($1, $2) AND relkind IN ('r', 'v')",
          [from, to],
        );
        expect(kinds.rows).toEqual([{ relname: from, relkind: 'r' }]);
        expect(await valuesOf(`SELECT id, name AS v FROM ${from}`)).toEqual(expected.values);
      },
    };
  },

  'change-type': (t, version, versioned) => {
    // through its views the new version sees qty as the new bigint column; without, it writes qty_new
    const column = versioned ? 'qty' : 'qty_new';
    const table = `orders_${t}`;
    const expected = new Expected((id) => String(id * 10));
    return {
      setup: `CREATE TABLE ${table} (id serial PRIMARY KEY, qty int);
              INSERT INTO ${table} (qty) SELECT g * 10 FROM generate_series(1, ${SEEDED}) g;`,
      scenario: {
        kind: 'change-type',
        version,
        options: { table, columns: ['qty'], type: 'bigint', notNull: true },
        async oldApp(client, n) {
          if (n % 2 === 0)
            expected.set(
              await insertId(client, `INSERT INTO ${table} (qty) VALUES ($1) RETURNING id`, [n]),
              String(n),
            );
          else {
            await client.query(`UPDATE ${table} SET qty = $2 WHERE id = $1`, [oldRow(n), n]);
            expected.set(oldRow(n), String(n));
          }
        },
        async newApp(client, n) {
          // the new version writes the bigint column; the old one sees its values
          const v = 1_000_000 + n;
          if (n % 2 === 0)
            expected.set(
              await insertId(client, `INSERT INTO ${table} (${column}) VALUES ($1) RETURNING id`, [v]),
              String(v),
            );
          else {
            await client.query(`UPDATE ${table} SET ${column} = $2 WHERE id = $1`, [newRow(n), v]);
            expected.set(newRow(n), String(v));
          }
          if (versioned && n === 0) {
            const type = await client.query(`SELECT pg_typeof(qty)::text AS t FROM ${table} LIMIT 1`);
            expect(type.rows).toEqual([{ t: 'bigint' }]);
          }
          if (n === 3) {
            // a value the old type cannot hold fails the new version's write instead of being stored wrong
            await expect(
              client.query(`INSERT INTO ${table} (${column}) VALUES (5000000000)`),
            ).rejects.toThrow(/out of range/);
          }
        },
      },
      async afterContract() {
        const type = await db.client.query(
          `SELECT format_type(atttypid, atttypmod) AS type, attnotnull FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attname = 'qty'`,
        );
        expect(type.rows).toEqual([{ type: 'bigint', attnotnull: true }]);
        expect(await valuesOf(`SELECT id, qty::text AS v FROM ${table}`)).toEqual(expected.values);
        await db.client.query(`INSERT INTO ${table} (qty) VALUES (5000000000)`);
      },
      async afterRollback() {
        expect(await columnsOf(table)).toEqual(['id', 'qty']);
        expect(await valuesOf(`SELECT id, qty::text AS v FROM ${table}`)).toEqual(expected.values);
      },
    };
  },

  'set-not-null': (t, version) => {
    const table = `contacts_${t}`;
    // every third seeded row has no email: the backfill fills them
    const expected = new Expected((id) => (id % 3 === 0 ? 'unknown' : `seed${id}`));
    return {
      setup: `CREATE TABLE ${table} (id serial PRIMARY KEY, email text);
              INSERT INTO ${table} (email) SELECT CASE WHEN g % 3 = 0 THEN NULL ELSE 'seed' || g END FROM generate_series(1, ${SEEDED}) g;`,
      scenario: {
        kind: 'set-not-null',
        version,
        options: { table, columns: ['email'], fill: "'unknown'" },
        async oldApp(client, n) {
          // the old version still writes NULL at times: the sync trigger fills it
          const v = n % 4 === 0 ? null : `old${n}`;
          await expected.write(
            client,
            n,
            oldRow(n),
            v,
            {
              insert: `INSERT INTO ${table} (email) VALUES ($1) RETURNING id`,
              update: `UPDATE ${table} SET email = $2 WHERE id = $1`,
            },
            v ?? 'unknown',
          );
        },
        async newApp(client, n) {
          const v = `new${n}`;
          await expected.write(client, n, newRow(n), v, {
            insert: `INSERT INTO ${table} (email) VALUES ($1) RETURNING id`,
            update: `UPDATE ${table} SET email = $2 WHERE id = $1`,
          });
        },
      },
      async afterContract() {
        const column = await db.client.query(
          `SELECT attnotnull FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attname = 'email'`,
        );
        expect(column.rows).toEqual([{ attnotnull: true }]);
        const checks = await db.client.query(
          `SELECT conname FROM pg_constraint WHERE conrelid = '${table}'::regclass AND contype = 'c'`,
        );
        expect(checks.rows).toEqual([]);
        expect(await valuesOf(`SELECT id, email AS v FROM ${table}`)).toEqual(expected.values);
      },
      async afterRollback() {
        // the fill stays (it was data, not schema); NULL may be written again
        expect(await valuesOf(`SELECT id, email AS v FROM ${table}`)).toEqual(expected.values);
        await db.client.query(`INSERT INTO ${table} (email) VALUES (NULL)`);
      },
    };
  },

  'add-foreign-key': (t, version) => {
    const [parents, children] = [`parents_${t}`, `children_${t}`];
    const expected = new Expected((id) => String(1 + (id % 100)));
    const app = (prefix: 'old' | 'new') => async (client: pg.Client, n: number) => {
      const parent = String(1 + (n % 100));
      if (n % 2 === 0)
        expected.set(
          await insertId(client, `INSERT INTO ${children} (parent_id) VALUES ($1) RETURNING id`, [parent]),
          parent,
        );
      else {
        const id = prefix === 'old' ? oldRow(n) : newRow(n);
        await client.query(`UPDATE ${children} SET parent_id = $2 WHERE id = $1`, [id, parent]);
        expected.set(id, parent);
      }
    };
    let refused = false;
    return {
      setup: `CREATE TABLE ${parents} (id bigint PRIMARY KEY);
              INSERT INTO ${parents} SELECT g FROM generate_series(1, 100) g;
              CREATE TABLE ${children} (id serial PRIMARY KEY, parent_id bigint);
              INSERT INTO ${children} (parent_id) SELECT 1 + g % 100 FROM generate_series(1, ${SEEDED}) g;`,
      scenario: {
        kind: 'add-foreign-key',
        version,
        options: { table: children, columns: ['parent_id'], references: parents, onDelete: 'cascade' },
        oldApp: app('old'),
        async newApp(client, n) {
          await app('new')(client, n);
          if (n === 5) {
            await expect(client.query(`INSERT INTO ${children} (parent_id) VALUES (100000)`)).rejects.toThrow(
              /foreign key/,
            );
            refused = true;
          }
        },
      },
      async afterContract() {
        expect(refused).toBe(true);
        const fk = await db.client.query(
          `SELECT convalidated, confdeltype FROM pg_constraint WHERE conrelid = '${children}'::regclass AND contype = 'f'`,
        );
        expect(fk.rows).toEqual([{ convalidated: true, confdeltype: 'c' }]);
        expect(await valuesOf(`SELECT id, parent_id::text AS v FROM ${children}`)).toEqual(expected.values);
      },
      async afterRollback() {
        const fk = await db.client.query(
          `SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = '${children}'::regclass AND contype = 'f'`,
        );
        expect(fk.rows[0].n).toBe(0);
        expect(await valuesOf(`SELECT id, parent_id::text AS v FROM ${children}`)).toEqual(expected.values);
      },
    };
  },

  'add-unique': (t, version) => {
    const table = `accounts_${t}`;
    const expected = new Expected((id) => `seed${id}@example.com`);
    const app = (prefix: 'old' | 'new') => async (client: pg.Client, n: number) => {
      const v = `${prefix}${n}@example.com`;
      if (n % 2 === 0)
        expected.set(await insertId(client, `INSERT INTO ${table} (email) VALUES ($1) RETURNING id`, [v]), v);
      else {
        const id = prefix === 'old' ? oldRow(n) : newRow(n);
        await client.query(`UPDATE ${table} SET email = $2 WHERE id = $1`, [id, `${v}.${id}`]);
        expected.set(id, `${v}.${id}`);
      }
    };
    let refused = false;
    return {
      setup: `CREATE TABLE ${table} (id serial PRIMARY KEY, email text NOT NULL);
              INSERT INTO ${table} (email) SELECT 'seed' || g || '@example.com' FROM generate_series(1, ${SEEDED}) g;`,
      scenario: {
        kind: 'add-unique',
        version,
        options: { table, columns: ['email'] },
        oldApp: app('old'),
        async newApp(client, n) {
          await app('new')(client, n);
          if (n === 5) {
            await expect(
              client.query(`INSERT INTO ${table} (email) VALUES ('seed1@example.com')`),
            ).rejects.toThrow(/duplicate key/);
            refused = true;
          }
        },
      },
      async afterContract() {
        expect(refused).toBe(true);
        const unique = await db.client.query(
          `SELECT conname FROM pg_constraint WHERE conrelid = '${table}'::regclass AND contype = 'u'`,
        );
        expect(unique.rows).toEqual([{ conname: `${table}_email_key` }]);
        expect(await valuesOf(`SELECT id, email AS v FROM ${table}`)).toEqual(expected.values);
      },
      async afterRollback() {
        const indexes = await db.client.query(
          `SELECT indexname FROM pg_indexes WHERE tablename = '${table}' ORDER BY 1`,
        );
        expect(indexes.rows).toEqual([{ indexname: `${table}_pkey` }]);
        expect(await valuesOf(`SELECT id, email AS v FROM ${table}`)).toEqual(expected.values);
      },
    };
  },

  'split-column': (t, version) => {
    const [table, into] = [`people_${t}`, `people_bios_${t}`];
    const expected = new Expected((id) => (id % 5 === 0 ? null : `seed${id}`));
    return {
      setup: `CREATE TABLE ${table} (id serial PRIMARY KEY, name text NOT NULL, bio text);
              INSERT INTO ${table} (name, bio) SELECT 'p' || g, CASE WHEN g % 5 = 0 THEN NULL ELSE 'seed' || g END FROM generate_series(1, ${SEEDED}) g;`,
      scenario: {
        kind: 'split-column',
        version,
        options: { table, columns: ['bio'], into },
        async oldApp(client, n) {
          const v = `old${n}`;
          await expected.write(client, n, oldRow(n), v, {
            insert: `INSERT INTO ${table} (name, bio) VALUES ('o', $1) RETURNING id`,
            update: `UPDATE ${table} SET bio = $2 WHERE id = $1`,
          });
        },
        async newApp(client, n) {
          // the new version writes the new table, never people.bio
          const v = `new${n}`;
          const id =
            n % 2 === 0
              ? await insertId(client, `INSERT INTO ${table} (name) VALUES ('n') RETURNING id`, [])
              : newRow(n);
          await client.query(
            `INSERT INTO ${into} (id, bio) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET bio = EXCLUDED.bio`,
            [id, v],
          );
          expected.set(id, v);
        },
      },
      async afterContract() {
        expect(await columnsOf(table)).toEqual(['id', 'name']);
        const triggers = await db.client.query(
          `SELECT tgname FROM pg_trigger WHERE tgrelid = '${table}'::regclass AND NOT tgisinternal`,
        );
        expect(triggers.rows).toEqual([]);
        const found = await valuesOf(
          `SELECT p.id, b.bio AS v FROM ${table} p LEFT JOIN ${into} b USING (id)`,
        );
        expect(found).toEqual(expected.values);
      },
      async afterRollback() {
        expect(await db.client.query(`SELECT to_regclass('${into}') AS t`).then((r) => r.rows)).toEqual([
          { t: null },
        ]);
        // what the new version wrote to the new table was copied back to the column
        expect(await valuesOf(`SELECT id, bio AS v FROM ${table}`)).toEqual(expected.values);
      },
    };
  },

  'drop-column': (t, version) => {
    const table = `profiles_${t}`;
    const expected = new Expected((id) => `seed${id}`);
    return {
      setup: `CREATE TABLE ${table} (id serial PRIMARY KEY, name text NOT NULL, legacy text NOT NULL);
              INSERT INTO ${table} (name, legacy) SELECT 'seed' || g, 'l' FROM generate_series(1, ${SEEDED}) g;`,
      scenario: {
        kind: 'drop-column',
        version,
        options: { table, columns: ['legacy'] },
        async oldApp(client, n) {
          const v = `old${n}`;
          if (n % 2 === 0)
            expected.set(
              await insertId(client, `INSERT INTO ${table} (name, legacy) VALUES ($1, 'l') RETURNING id`, [
                v,
              ]),
              v,
            );
          else {
            await client.query(`UPDATE ${table} SET name = $2, legacy = 'l2' WHERE id = $1`, [oldRow(n), v]);
            expected.set(oldRow(n), v);
          }
        },
        async newApp(client, n) {
          // the new version no longer writes legacy: the expand made it nullable
          const v = `new${n}`;
          await expected.write(client, n, newRow(n), v, {
            insert: `INSERT INTO ${table} (name) VALUES ($1) RETURNING id`,
            update: `UPDATE ${table} SET name = $2 WHERE id = $1`,
          });
        },
      },
      async afterContract() {
        expect(await columnsOf(table)).toEqual(['id', 'name']);
        expect(await valuesOf(`SELECT id, name AS v FROM ${table}`)).toEqual(expected.values);
      },
      async afterRollback() {
        expect(await columnsOf(table)).toEqual(['id', 'name', 'legacy']);
        expect(await valuesOf(`SELECT id, name AS v FROM ${table}`)).toEqual(expected.values);
      },
    };
  },
};

describe('recipes end to end, under an old-version and a new-version writer', () => {
  const kinds = Object.keys(CASES) as RecipeKind[];
  it.each(kinds.map((kind, i) => [kind, i] as const))(
    '%s: expand, backfill, contract; every row as the writers left it',
    async (kind, i) => {
      const c = CASES[kind]('c', String(1000 + i * 10));
      await db.client.query(c.setup);
      const run = await runRecipe(db, c.scenario, 'contract');
      expect(run.steps.old).toBeGreaterThanOrEqual(40);
      expect(run.steps.new).toBeGreaterThanOrEqual(40);
      await c.afterContract();
    },
  );
  it.each(kinds.map((kind, i) => [kind, i] as const))(
    '%s: rolled back after both versions wrote; nothing lost',
    async (kind, i) => {
      const c = CASES[kind]('r', String(2000 + i * 10));
      await db.client.query(c.setup);
      await runRecipe(db, c.scenario, 'rollback');
      await c.afterRollback();
    },
  );
});

// versioned releases need security_invoker views (PostgreSQL 15); on 14 a versioned release is refused
describe.skipIf((await serverVersionNum()) < 150_000)(
  'recipes in a versioned release: the new version writes through its own schema of views',
  () => {
    const kinds = Object.keys(CASES) as RecipeKind[];
    it.each(kinds.map((kind, i) => [kind, i] as const))(
      '%s: expand (with the version), backfill, contract; every row as the writers left it',
      async (kind, i) => {
        const c = CASES[kind]('vc', String(3000 + i * 10), true);
        await db.client.query(c.setup);
        const run = await runRecipe(db, c.scenario, 'contract', { versioned: `rc${i}` });
        expect(run.steps.new).toBeGreaterThanOrEqual(40);
        await c.afterContract();
      },
    );
    it.each(kinds.map((kind, i) => [kind, i] as const))(
      '%s: rolled back after the new version wrote through its views; nothing lost, its schema gone',
      async (kind, i) => {
        const c = CASES[kind]('vr', String(4000 + i * 10), true);
        await db.client.query(c.setup);
        await runRecipe(db, c.scenario, 'rollback', { versioned: `rr${i}` });
        await c.afterRollback();
        const schema = await db.client.query('SELECT to_regnamespace($1) AS s', [`zd_rr${i}`]);
        expect(schema.rows).toEqual([{ s: null }]);
      },
    );
  },
);
