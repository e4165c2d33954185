import { quoteIdent } from '../sql/identifiers.ts';
import { sqlMigration } from './migration-text.ts';
import type { TableName } from './names.ts';
import type { RecipeFile } from './types.ts';

/**
 * Rename a table: rename it and keep the old name working as a simple (automatically updatable) view in
 * the same transaction (expand), drop the view once no server uses the old name (contract).
 *
 * @example
 * renameTable({ table: tableName('customer'), to: 'customers' });
 */
export function renameTable(input: { readonly table: TableName; readonly to: string }): RecipeFile[] {
  const { table, to } = input;
  const renamed = table.sibling(to);
  const view = `CREATE VIEW ${table.sql} AS SELECT * FROM ${renamed}`;
  return [
    {
      step: 0,
      phase: 'expand',
      suffix: '',
      extension: 'sql',
      text: sqlMigration({
        comment: `Expand: ${table.sql} is renamed to ${renamed}. A view under the old name keeps the running version working:\nit is a simple view, so its INSERT, UPDATE, DELETE and RETURNING go through to the table.\nGrant on the view what the old version's role had on the table.`,
        up: [`ALTER TABLE ${table.sql} RENAME TO ${quoteIdent(to)}`, view],
        down: [`DROP VIEW ${table.sql}`, `ALTER TABLE ${renamed} RENAME TO ${quoteIdent(table.name)}`],
      }),
    },
    {
      step: 1,
      phase: 'contract',
      suffix: '_drop_view',
      extension: 'sql',
      text: sqlMigration({
        comment: `Contract: every application server uses ${renamed}; the old name goes.`,
        up: [`DROP VIEW ${table.sql}`],
        down: [view],
      }),
    },
  ];
}
