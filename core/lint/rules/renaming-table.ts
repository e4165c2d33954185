import { relationKey, sqlName, tableKey } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** ALTER TABLE … RENAME TO: every query of the running version that names the table fails. */
export const renamingTable: LintRule = {
  id: 'renaming-table',
  title: 'RENAME TABLE',
  severity: { expand: 'error', contract: 'warning' },
  why: 'Renaming a table is instant for PostgreSQL, and every query of the running application version that names the old table fails from that moment. In expand the old version is serving traffic; keep the old name working with a view created in the same migration (a simple view is updatable, so old INSERTs and UPDATEs work too) and drop it in contract.',
  hint: 'ALTER TABLE customer RENAME TO customers;\nCREATE VIEW customer AS SELECT * FROM customers; -- in one migration; drop the view in contract',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE customer RENAME TO customers;' },
    safe: {
      phase: 'expand',
      sql: 'ALTER TABLE customer RENAME TO customers;\nCREATE VIEW customer AS SELECT * FROM customers;',
    },
  },
  check(statement, context) {
    const rename = statement.node.RenameStmt;
    if (rename?.renameType !== 'OBJECT_TABLE') return [];
    const table = relationKey(rename.relation);
    if (context.facts.isNewTable(table)) return [];
    const renamed = tableKey(rename.relation?.schemaname, rename.newname);
    // a view created under the old name in the same migration keeps old queries working
    const keepsOldName = context.statements.some(
      (s, i) => i > context.index && relationKey(s.node.ViewStmt?.view) === table,
    );
    if (keepsOldName) return [];
    return [
      {
        message:
          context.phase === 'expand'
            ? `RENAME ${sqlName(table)} TO ${sqlName(rename.newname)} in expand breaks every query of the running application version that uses ${sqlName(table)}`
            : `RENAME ${sqlName(table)} TO ${sqlName(rename.newname)}: make sure nothing still running uses ${sqlName(table)}`,
        hint: `ALTER TABLE ${sqlName(table)} RENAME TO ${sqlName(rename.newname)};\nCREATE VIEW ${sqlName(table)} AS SELECT * FROM ${sqlName(renamed)}; -- same migration; DROP VIEW in contract`,
        location: rename.relation?.location,
      },
    ];
  },
};
