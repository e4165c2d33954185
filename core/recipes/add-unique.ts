import { quoteIdent } from '../sql/identifiers.ts';
import { sqlMigration } from './migration-text.ts';
import { derivedName, type TableName } from './names.ts';
import type { RecipeFile } from './types.ts';

export interface AddUniqueInput {
  readonly table: TableName;
  readonly columns: readonly string[];
  readonly constraint?: string;
}

/**
 * Add a unique constraint without building its index under ACCESS EXCLUSIVE: the unique index is built
 * CONCURRENTLY in a migration of its own (expand), then attached with ADD CONSTRAINT … USING INDEX,
 * catalog-only (contract).
 *
 * @example
 * addUnique({ table: tableName('users'), columns: ['email'] });
 */
export function addUnique(input: AddUniqueInput): RecipeFile[] {
  const { table, columns } = input;
  const name = input.constraint ?? derivedName([table.name, ...columns], 'key');
  const index = quoteIdent(name);
  return [
    {
      step: 0,
      phase: 'expand',
      suffix: '',
      extension: 'sql',
      text: sqlMigration({
        comment: `Expand: the unique index, built without blocking writes. From now on a duplicate write fails.\nA build that fails (a duplicate exists) leaves an INVALID index, which the next run drops and builds again.`,
        up: [
          `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON ${table.sql} (${columns.map(quoteIdent).join(', ')})`,
        ],
        down: [`DROP INDEX CONCURRENTLY IF EXISTS ${table.sibling(name)}`],
        outsideTransaction: true,
      }),
    },
    {
      step: 0,
      phase: 'contract',
      suffix: '_constraint',
      extension: 'sql',
      text: sqlMigration({
        comment: 'Contract: the index becomes the constraint, catalog-only.',
        up: [`ALTER TABLE ${table.sql} ADD CONSTRAINT ${index} UNIQUE USING INDEX ${index}`],
        down: [`ALTER TABLE ${table.sql} DROP CONSTRAINT IF EXISTS ${index}`],
        downNote:
          "dropping the constraint drops its index too; the expand's down then has nothing left to drop",
      }),
    },
  ];
}
