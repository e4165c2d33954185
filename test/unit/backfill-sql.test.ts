import { describe, expect, it } from 'vitest';
import { batchKeysSql, probeSql, rangeCondition, updateSql } from '../../core/backfill/sql.ts';
import { syncTriggerSql } from '../../core/backfill/sync-trigger.ts';
import type { BackfillTarget } from '../../core/backfill/target.ts';

const users: BackfillTarget = {
  table: 'users',
  sql: '"users"',
  relationName: 'users',
  key: ['id'],
  set: { display_name: 'username' },
  sources: { display_name: ['username'] },
  where: 'display_name IS NULL',
  reverse: {},
  reverseSources: {},
};

// upper case, a reserved word and a double quote in identifiers
const awkward: BackfillTarget = {
  table: 'Sales.Order Lines',
  sql: '"Sales"."Order Lines"',
  relationName: 'Order Lines',
  key: ['Order', 'select'],
  set: { 'Net"Total': '"Gross" - "Tax"' },
  sources: { 'Net"Total': ['Gross', 'Tax'] },
  where: '"Net""Total" IS NULL',
  reverse: {},
  reverseSources: {},
};

describe('backfill SQL', () => {
  it('a range is a row comparison on the key, its values parameters', () => {
    expect(rangeCondition(users, { after: ['10'], upTo: ['20'] })).toEqual({
      text: '"id" > $1 AND "id" <= $2',
      values: ['10', '20'],
    });
    expect(rangeCondition(awkward, { after: null, upTo: ['7', 'x'] }, 3)).toEqual({
      text: '("Order", "select") <= ($3, $4)',
      values: ['7', 'x'],
    });
    expect(rangeCondition(users, { after: null, upTo: null })).toEqual({ text: 'true', values: [] });
  });

  it('the probe reads the next n keys in key order and aggregates their count and the last one', () => {
    const probe = probeSql(users, { after: ['0'], upTo: ['1000000'] }, 5000);
    expect(probe.text).toBe(
      [
        'SELECT count(*) AS rows, (array_agg("id"))[count(*)]::text',
        '  FROM (SELECT "id" FROM "users"',
        '         WHERE "id" > $2 AND "id" <= $3',
        '         ORDER BY "id" LIMIT $1) AS next_keys',
      ].join('\n'),
    );
    expect(probe.values).toEqual(['5000', '0', '1000000']);
    expect(probe.text).not.toMatch(/OFFSET/i);
  });

  it('the batch is one UPDATE bounded by the key range and the spec where', () => {
    const update = updateSql(awkward, { after: ['1', 'a'], upTo: ['9', 'z'] });
    expect(update.text).toBe(
      'UPDATE "Sales"."Order Lines" SET "Net""Total" = ("Gross" - "Tax") WHERE ("Order", "select") > ($1, $2) AND ("Order", "select") <= ($3, $4) AND ("Net""Total" IS NULL)',
    );
    expect(update.values).toEqual(['1', 'a', '9', 'z']);
  });

  it('a custom backfill gets the keys of the batch locked in key order', () => {
    expect(batchKeysSql(users, { after: ['5'], upTo: ['10'] }).text).toBe(
      'SELECT "id" FROM "users" WHERE "id" > $1 AND "id" <= $2 AND (display_name IS NULL) ORDER BY "id" FOR NO KEY UPDATE',
    );
  });

  it('the sync trigger computes empty targets on insert and follows source changes on update', () => {
    const [fn, insert, update] = syncTriggerSql(users, '42');
    expect(fn).toContain('CREATE OR REPLACE FUNCTION zerodown."sync_42"() RETURNS trigger LANGUAGE plpgsql');
    expect(fn).toContain(
      `IF NEW."display_name" IS NULL THEN BEGIN SELECT (username) INTO NEW."display_name" FROM (SELECT (NEW).*) AS "users"; EXCEPTION WHEN OTHERS THEN NEW."display_name" := NULL; RAISE WARNING 'zerodown sync trigger: % (%), % left NULL for the backfill', SQLERRM, SQLSTATE, 'display_name'; END; END IF;`,
    );
    expect(insert).toBe(
      'CREATE TRIGGER "zerodown_sync_42_insert" BEFORE INSERT ON "users" FOR EACH ROW WHEN (NEW."display_name" IS NULL) EXECUTE FUNCTION zerodown."sync_42"()',
    );
    expect(update).toBe(
      'CREATE TRIGGER "zerodown_sync_42_update" BEFORE UPDATE ON "users" FOR EACH ROW WHEN ((NEW."display_name" IS NOT DISTINCT FROM OLD."display_name" AND (NEW."display_name" IS NULL OR ROW(NEW."username") IS DISTINCT FROM ROW(OLD."username")))) EXECUTE FUNCTION zerodown."sync_42"()',
    );
  });

  it('two-way sync also computes the old column when the new version changes the new one', () => {
    const [fn, insert, update] = syncTriggerSql(
      { ...users, reverse: { username: 'display_name' }, reverseSources: { username: ['display_name'] } },
      '43',
    );
    expect(fn).toContain(
      'IF NEW."username" IS NULL THEN SELECT (display_name) INTO NEW."username" FROM (SELECT (NEW).*) AS "users"; END IF;',
    );
    expect(fn).toContain(
      'IF (NEW."username" IS NOT DISTINCT FROM OLD."username" AND ROW(NEW."display_name") IS DISTINCT FROM ROW(OLD."display_name")) THEN SELECT (display_name) INTO NEW."username"',
    );
    expect(insert).toContain('WHEN (NEW."display_name" IS NULL OR NEW."username" IS NULL)');
    expect(update).toContain(
      ' OR (NEW."username" IS NOT DISTINCT FROM OLD."username" AND ROW(NEW."display_name") IS DISTINCT FROM ROW(OLD."display_name"))) EXECUTE',
    );
  });

  it("assigns an expression over the row's own columns directly, without a query per row", () => {
    const [fn] = syncTriggerSql(
      {
        ...users,
        reverse: { username: 'display_name' },
        reverseSources: { username: ['display_name'] },
        overNew: { set: { display_name: 'NEW."username"' }, reverse: { username: 'NEW."display_name"' } },
      },
      '44',
    );
    expect(fn).toContain('BEGIN NEW."display_name" := (NEW."username"); EXCEPTION WHEN OTHERS');
    expect(fn).toContain('IF NEW."username" IS NULL THEN NEW."username" := (NEW."display_name"); END IF;');
    expect(fn).not.toContain('SELECT (');
  });
});
