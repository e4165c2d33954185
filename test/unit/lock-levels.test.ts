import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SchemaTracker } from '../../core/lint/schema-tracker.ts';
import { LOCK_FIXTURE, LOCK_LEVELS, type LockLevelId } from '../../core/plan/lock-levels.ts';
import { lockLevelsMarkdown } from '../../core/plan/lock-levels-doc.ts';
import { statementLock } from '../../core/plan/statement-locks.ts';
import { loadSqlParser, splitStatements } from '../../core/sql/statements.ts';

/** The classification of `sql` after the fixture tables were created (the tracker knows their columns). */
function classify(sql: string, before = LOCK_FIXTURE) {
  const tracker = new SchemaTracker();
  tracker.beginMigration(true);
  for (const statement of splitStatements(before)) tracker.observe(statement.node);
  const [statement] = splitStatements(sql);
  return statementLock(statement!, tracker);
}

describe('the lock table and the statement classifier', () => {
  beforeAll(() => loadSqlParser());

  it.each(Object.entries(LOCK_LEVELS) as [LockLevelId, (typeof LOCK_LEVELS)[LockLevelId]][])(
    '%s: its example is classified as that row, with its lock and effect',
    (id, level) => {
      // GIVEN the row's example on the fixture tables WHEN it is classified
      const found = classify(level.example);
      // THEN it is that row
      expect(found.kinds).toEqual([id]);
      expect(found.lock).toBe(level.lock);
      expect(found.effect).toBe(level.effect);
    },
  );

  it('takes the strongest lock and the heaviest effect of an ALTER TABLE with several commands', () => {
    const found = classify(
      'ALTER TABLE users SET (fillfactor = 70), ADD COLUMN x uuid DEFAULT gen_random_uuid()',
    );
    expect(found).toMatchObject({ lock: 'ACCESS EXCLUSIVE', effect: 'rewrite', tables: ['users'] });
  });

  it('a STORED generated or identity column rewrites; a VIRTUAL one (PostgreSQL 18) does not', () => {
    expect(classify('ALTER TABLE users ADD COLUMN g int GENERATED ALWAYS AS (n * 2) STORED').effect).toBe(
      'rewrite',
    );
    expect(classify('ALTER TABLE users ADD COLUMN g bigint GENERATED ALWAYS AS IDENTITY').effect).toBe(
      'rewrite',
    );
    expect(classify('ALTER TABLE users ADD COLUMN g int GENERATED ALWAYS AS (n * 2) VIRTUAL').effect).toBe(
      'none',
    );
  });

  it('tells a SET NOT NULL a validated CHECK proves from one that scans', () => {
    expect(classify('ALTER TABLE users ALTER COLUMN username SET NOT NULL').effect).toBe('none');
    expect(classify('ALTER TABLE users ALTER COLUMN n SET NOT NULL').effect).toBe('scan');
    // a CHECK added NOT VALID and never validated proves nothing
    expect(
      classify(
        'ALTER TABLE t ALTER COLUMN a SET NOT NULL',
        'CREATE TABLE t (a int); ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID',
      ).effect,
    ).toBe('scan');
  });

  it('names the tables a statement locks, the referenced one of a foreign key too', () => {
    expect(classify('ALTER TABLE s.orders ADD FOREIGN KEY (u) REFERENCES users (id)').tables).toEqual([
      's.orders',
      'users',
    ]);
    expect(classify('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE')).toMatchObject({
      lock: 'SHARE ROW EXCLUSIVE',
      tables: ['users'],
    });
    expect(classify('LOCK TABLE users').lock).toBe('ACCESS EXCLUSIVE');
    expect(classify('CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()').lock).toBe('unknown');
  });

  it('docs/lock-levels.md is the table (regenerate it with the command at its end)', () => {
    const page = readFileSync(new URL('../../docs/lock-levels.md', import.meta.url), 'utf8');
    expect(page).toBe(lockLevelsMarkdown());
  });
});
