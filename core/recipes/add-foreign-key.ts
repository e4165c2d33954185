import { quoteIdent } from '../sql/identifiers.ts';
import { sqlMigration } from './migration-text.ts';
import { derivedName, type TableName } from './names.ts';
import type { ForeignKeyAction, RecipeFile } from './types.ts';

export interface AddForeignKeyInput {
  readonly table: TableName;
  readonly columns: readonly string[];
  readonly references: TableName;
  readonly referencedColumns?: readonly string[];
  readonly onDelete?: ForeignKeyAction;
  readonly onUpdate?: ForeignKeyAction;
  readonly constraint?: string;
}

const list = (columns: readonly string[]) => columns.map(quoteIdent).join(', ');

/**
 * Add a foreign key without blocking writes to either table while existing rows are checked: added NOT
 * VALID in expand (new rows are checked at once; the lock is held for an instant), validated in
 * contract, in a transaction of its own, under a lock that lets reads and writes go on.
 *
 * @example
 * addForeignKey({ table: tableName('orders'), columns: ['user_id'], references: tableName('users') });
 */
export function addForeignKey(input: AddForeignKeyInput): RecipeFile[] {
  const { table, columns, references } = input;
  const name = quoteIdent(input.constraint ?? derivedName([table.name, ...columns], 'fkey'));
  const target = input.referencedColumns?.length ? ` (${list(input.referencedColumns)})` : '';
  const action = (on: string, what?: ForeignKeyAction) =>
    what ? ` ON ${on} ${what.replace('-', ' ').toUpperCase()}` : '';
  const actions = `${action('DELETE', input.onDelete)}${action('UPDATE', input.onUpdate)}`;
  return [
    {
      step: 0,
      phase: 'expand',
      suffix: '',
      extension: 'sql',
      text: sqlMigration({
        comment: `Expand: rows written from now on must reference ${references.sql}; existing rows are checked in contract.`,
        up: [
          `ALTER TABLE ${table.sql} ADD CONSTRAINT ${name} FOREIGN KEY (${list(columns)}) REFERENCES ${references.sql}${target}${actions} NOT VALID`,
        ],
        down: [`ALTER TABLE ${table.sql} DROP CONSTRAINT IF EXISTS ${name}`],
      }),
    },
    {
      step: 0,
      phase: 'contract',
      suffix: '_validate',
      extension: 'sql',
      text: sqlMigration({
        comment: `VALIDATE checks the existing rows under SHARE UPDATE EXCLUSIVE (writes go on). It fails, naming a row,\nwhen one references nothing: fix those rows, then run the contract again.`,
        up: [`ALTER TABLE ${table.sql} VALIDATE CONSTRAINT ${name}`],
        down: [],
        downNote: "nothing to undo: the expand's down drops the constraint",
      }),
    },
  ];
}
