import { describe, expect, it } from 'vitest';
import { catalogSnapshot } from '../support/catalog.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { leaseOwner, runRelease, useExampleTemplate } from './support/scenario.ts';

// A backfill whose expression fails on one row: the BackfillChunk that meets it fails, FinishBackfills
// raises it again, Rollback removes the sync trigger and the expand column, the lock is released.
const db = useFreshDatabase();
const example = useExampleTemplate();

const files = {
  '001_items_ratio.sql': `-- migrate:up
ALTER TABLE items ADD COLUMN ratio numeric;

-- migrate:down
ALTER TABLE items DROP COLUMN ratio;
`,
  '001_items_ratio.backfill.json': JSON.stringify({
    table: 'items',
    set: { ratio: '100 / (id - 2500)' },
    where: 'ratio IS NULL',
    key: 'id',
    sync: true,
  }),
};

describe('a failing backfill', () => {
  it('fails in BackfillChunk with the database error, rolls the expand back and releases the lock', async () => {
    // GIVEN 5,000 rows, one of which (id 2500) makes the backfill divide by zero
    await db.client.query(`CREATE TABLE items (id bigserial PRIMARY KEY, price numeric NOT NULL);
      INSERT INTO items (price) SELECT g FROM generate_series(1, 5000) g;`);
    const before = await catalogSnapshot(db.client);
    // WHEN the release runs
    const { result, entered } = await runRelease(db.url, example.template, {
      migrationsDir: await migrationsDir(files),
      input: { release: 'r-backfill' },
    });
    // THEN the failure names the chunk task and the cause
    expect(result).toMatchObject({
      status: 'failed',
      failedState: 'BackfillChunk',
      error: 'MigrationFailed',
    });
    expect(result.cause).toContain('001_items_ratio.backfill.json: the batch of items after key');
    expect(result.cause).toContain('division by zero (SQLSTATE 22012)');
    expect(entered.some((name) => name.startsWith('BackfillChunk['))).toBe(true);
    expect(entered).toEqual(expect.arrayContaining(['Backfill', 'Rollback', 'ReleaseLock', 'Failed']));
    expect(entered).not.toContain('Contract');
    // the expand column and the sync trigger are gone: the catalog is as before
    expect(await catalogSnapshot(db.client)).toEqual(before);
    const triggers = await db.client.query(
      "SELECT tgname FROM pg_trigger WHERE tgrelid = 'items'::regclass AND NOT tgisinternal",
    );
    expect(triggers.rows).toEqual([]);
    expect(await leaseOwner(db.client)).toBeNull();
  });
});
