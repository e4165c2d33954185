import { sqlName } from '../ast.ts';
import { declaredColumns } from '../changes.ts';
import type { LintRule } from '../types.ts';

/** json instead of jsonb; an error when it is added to a table the running application reads. */
export const preferJsonb: LintRule = {
  id: 'prefer-jsonb',
  title: 'json instead of jsonb',
  severity: { expand: 'error', contract: 'error' },
  why: 'json stores the text as written and re-parses it on every access; it has no equality operator (so no DISTINCT, GROUP BY or UNIQUE) and no GIN indexing. jsonb is parsed once and indexable; switching later rewrites the table. Added to a table that is in use, a json column breaks the running application at once wherever it reads the table with SELECT DISTINCT * or a UNION of whole rows ("could not identify an equality operator for type json" on PostgreSQL 15): an error. In a new table nothing reads it yet: a warning.',
  hint: "ALTER TABLE events ADD COLUMN payload jsonb NOT NULL DEFAULT '{}';",
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE events ADD COLUMN payload json;' },
    safe: { phase: 'expand', sql: 'ALTER TABLE events ADD COLUMN payload jsonb;' },
  },
  check(statement, context) {
    return declaredColumns(statement.node)
      .filter((c) => c.type.name === 'json')
      .map((c) => {
        const inUse = c.how !== 'create-table' && !context.facts.isNewTable(c.table);
        return {
          message: inUse
            ? `${sqlName(c.table)}.${sqlName(c.column)} is json: SELECT DISTINCT * and UNION over ${sqlName(c.table)} in the running application fail (json has no equality operator); use jsonb`
            : `${sqlName(c.table)}.${sqlName(c.column)} is json; use jsonb`,
          hint: `${sqlName(c.column)} jsonb`,
          location: c.location,
          downgrade: !inUse,
        };
      });
  },
};
