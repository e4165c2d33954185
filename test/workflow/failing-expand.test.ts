import { describe, expect, it } from 'vitest';
import { catalogSnapshot } from '../support/catalog.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { leaseOwner, runRelease, useExampleTemplate } from './support/scenario.ts';

// An expand that fails after two others applied (one of them a CONCURRENTLY index outside a
// transaction): Rollback runs their downs newest first, the catalog is as before, the lock is released.
const db = useFreshDatabase();
const example = useExampleTemplate();

const files = {
  '001_items_note.sql': `-- migrate:up
ALTER TABLE items ADD COLUMN note text;

-- migrate:down
ALTER TABLE items DROP COLUMN note;
`,
  '002_items_note_index.sql': `-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS items_note_idx ON items (note);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS items_note_idx;
`,
  // the codes are not unique: the build fails and leaves an INVALID index behind, which must go too
  '003_items_code_unique.sql': `-- migrate:up transaction:false
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS items_code_key ON items (code);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS items_code_key;
`,
};

describe('a failing expand migration', () => {
  it('rolls back what this execution applied, restores the catalog exactly and releases the lock', async () => {
    // GIVEN a table whose codes repeat
    await db.client.query(`CREATE TABLE items (id bigserial PRIMARY KEY, code text NOT NULL);
      INSERT INTO items (code) SELECT 'c' || (g % 100) FROM generate_series(1, 5000) g;`);
    const before = await catalogSnapshot(db.client);
    // WHEN the release runs
    const { result, entered } = await runRelease(db.url, example.template, {
      migrationsDir: await migrationsDir(files),
      input: { release: 'r-fail' },
    });
    // THEN it failed in Expand, naming the migration, after Rollback and ReleaseLock
    expect(result).toMatchObject({ status: 'failed', failedState: 'Expand', error: 'MigrationFailed' });
    expect(result.cause).toContain('003_items_code_unique.sql');
    const topLevel = entered.filter((name) => !name.includes('['));
    expect(topLevel.slice(topLevel.indexOf('Expand'))).toEqual(
      expect.arrayContaining(['Expand', 'Rollback', 'ReleaseLock', 'IsExecutionFailed', 'Failed']),
    );
    expect(topLevel).not.toContain('PrepareBackfill');
    expect(await catalogSnapshot(db.client)).toEqual(before);
    expect(await leaseOwner(db.client)).toBeNull();
    const recorded = await db.client.query(
      'SELECT version, rolled_back_at IS NOT NULL AS rolled_back FROM zerodown.migrations ORDER BY version',
    );
    expect(recorded.rows).toEqual([
      { version: '001', rolled_back: true },
      { version: '002', rolled_back: true },
    ]);
  });
});
