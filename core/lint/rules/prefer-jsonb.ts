import { sqlName } from '../ast.ts';
import { declaredColumns } from '../changes.ts';
import type { LintRule } from '../types.ts';

/** json instead of jsonb. */
export const preferJsonb: LintRule = {
  id: 'prefer-jsonb',
  title: 'json instead of jsonb',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'json stores the text as written and re-parses it on every access; it has no equality operator (so no DISTINCT, GROUP BY or UNIQUE) and no GIN indexing. jsonb is parsed once and indexable; switching later rewrites the table.',
  hint: "ALTER TABLE events ADD COLUMN payload jsonb NOT NULL DEFAULT '{}';",
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE events ADD COLUMN payload json;' },
    safe: { phase: 'expand', sql: 'ALTER TABLE events ADD COLUMN payload jsonb;' },
  },
  check(statement) {
    return declaredColumns(statement.node)
      .filter((c) => c.type.name === 'json')
      .map((c) => ({
        message: `${sqlName(c.table)}.${sqlName(c.column)} is json; use jsonb`,
        hint: `${sqlName(c.column)} jsonb`,
        location: c.location,
      }));
  },
};
