import { relationKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** TRUNCATE: ACCESS EXCLUSIVE and every row gone, in a migration that runs against production. */
export const truncatingTable: LintRule = {
  id: 'truncating-table',
  title: 'TRUNCATE',
  severity: { expand: 'error', contract: 'error' },
  why: 'TRUNCATE takes an ACCESS EXCLUSIVE lock and deletes every row at once (with CASCADE, of the referencing tables too); a down migration cannot bring the rows back. Data removal belongs in a reviewed, batched job, not in a schema migration.',
  hint: 'DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() LIMIT 1000); -- in batches, outside the schema migration',
  examples: {
    unsafe: { phase: 'contract', sql: 'TRUNCATE sessions;' },
    safe: { phase: 'contract', sql: 'CREATE TABLE import_staging (id bigint);\nTRUNCATE import_staging;' },
  },
  check(statement, context) {
    const truncate = statement.node.TruncateStmt;
    if (!truncate) return [];
    const tables: string[] = (truncate.relations ?? [])
      .map((r: { RangeVar?: unknown }) => relationKey(r.RangeVar as Record<string, string>))
      .filter((t: string) => !context.facts.isNewTable(t));
    if (tables.length === 0) return [];
    return [
      {
        message: `TRUNCATE ${tables.map(sqlName).join(', ')}${truncate.behavior === 'DROP_CASCADE' ? ' CASCADE' : ''} deletes every row under ACCESS EXCLUSIVE; no down migration brings them back`,
      },
    ];
  },
};
