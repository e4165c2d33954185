import { describe, expect, it } from 'vitest';
import { sqlTextMigration } from '../../core/lint/sql-text.ts';
import { planFromDatabase } from '../../core/plan/report.ts';
import { loadSqlParser } from '../../core/sql/statements.ts';
import { useFreshDatabase } from '../support/database.ts';

const db = useFreshDatabase();

describe('planning against a database lints for that server', () => {
  it('GIVEN pending migrations WHEN planned against the server THEN the findings carry its major version', async () => {
    await loadSqlParser();
    const { rows } = await db.client.query(
      "SELECT current_setting('server_version_num')::int / 10000 AS major",
    );
    const migration = sqlTextMigration(1, 'VACUUM FULL orders;');
    const report = await planFromDatabase(db.client, [migration]);
    expect(report.findings).toEqual([
      expect.objectContaining({ rule: 'vacuum-full', severity: 'error', pgVersion: rows[0].major }),
    ]);
  });
});
