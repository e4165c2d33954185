import { relationKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** RENAME COLUMN: the application version that uses the old name breaks at once. */
export const renamingColumn: LintRule = {
  id: 'renaming-column',
  title: 'RENAME COLUMN',
  severity: { expand: 'error', contract: 'warning' },
  why: 'A rename is instant for PostgreSQL and immediate breakage for every running application server that still uses the old name. In expand the old version is still serving traffic, so it breaks. In contract only the new version runs; a rename there is right only when that version already uses the new name, as in the swap of a shadow column (DROP COLUMN id; RENAME COLUMN id_new TO id in one migration), which zerodown recognises and allows.',
  hint: 'ALTER TABLE users ADD COLUMN display_name text; -- expand: add the new column, backfill it with "sync": true, switch the app, drop the old column in contract',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE users RENAME COLUMN username TO display_name;' },
    safe: {
      phase: 'contract',
      sql: 'ALTER TABLE orders DROP COLUMN id;\nALTER TABLE orders RENAME COLUMN id_new TO id;',
    },
  },
  check(statement, context) {
    const rename = statement.node.RenameStmt;
    if (rename?.renameType !== 'OBJECT_COLUMN' || rename.relationType !== 'OBJECT_TABLE') return [];
    const table = relationKey(rename.relation);
    if (context.facts.isNewTable(table) || context.facts.droppedInThisMigration(table, rename.newname))
      return [];
    const what = `RENAME COLUMN ${sqlName(table)}.${sqlName(rename.subname)} TO ${sqlName(rename.newname)}`;
    return [
      {
        message:
          context.phase === 'expand'
            ? `${what} in expand breaks the application version still running, which uses ${sqlName(rename.subname)}`
            : `${what}: make sure the application version now running already uses ${sqlName(rename.newname)}`,
        hint: `ALTER TABLE ${sqlName(table)} ADD COLUMN ${sqlName(rename.newname)} <type>; -- expand, then a .backfill.json { "set": { "${rename.newname}": "${rename.subname}" }, "sync": true }; drop ${sqlName(rename.subname)} in contract`,
        location: rename.relation?.location,
      },
    ];
  },
};
