import { quoteIdent } from '../sql/identifiers.ts';
import { sqlMigration } from './migration-text.ts';
import type { TableName } from './names.ts';
import type { RecipeFile } from './types.ts';

/**
 * Drop a column safely: in expand it stops being required (DROP NOT NULL, catalog-only), so the new
 * version can stop writing it; in contract, once no server reads it, it is dropped.
 *
 * @example
 * dropColumn({ table: tableName('users'), column: 'legacy_flags' });
 */
export function dropColumn(input: { readonly table: TableName; readonly column: string }): RecipeFile[] {
  const { table } = input;
  const c = quoteIdent(input.column);
  return [
    {
      step: 0,
      phase: 'expand',
      suffix: '',
      extension: 'sql',
      text: sqlMigration({
        comment: `Expand: ${table.sql}.${c} is going. It no longer has to be written (no effect when it was nullable),\nso the new version stops writing and reading it; the old version still may.`,
        up: [`ALTER TABLE ${table.sql} ALTER COLUMN ${c} DROP NOT NULL`],
        down: [],
        downNote: `NOT NULL is not put back: the new version may have written NULL; use the set-not-null recipe to restore it`,
      }),
    },
    {
      step: 0,
      phase: 'contract',
      suffix: '_drop',
      extension: 'sql',
      text: sqlMigration({
        comment: `Contract: every application server runs the version that no longer uses ${c}.`,
        up: [`ALTER TABLE ${table.sql} DROP COLUMN ${c}`],
        down: { irreversible: `the values of ${c} are gone; add the column again and fill it by hand` },
      }),
    },
  ];
}
