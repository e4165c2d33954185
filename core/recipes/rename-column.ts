import { quoteIdent } from '../sql/identifiers.ts';
import { addColumn, isNull } from './columns.ts';
import { backfillJson, sqlMigration } from './migration-text.ts';
import type { TableName } from './names.ts';
import type { RecipeFile } from './types.ts';

// lint cannot see the column the DO block adds: these comments say what it does, for the checks that ask
const BODY_IGNORE = (c: string, n: string) =>
  `-- zerodown:ignore body-not-checked the block only adds ${n}, with the type ${c} has`;
const DOWN_IGNORE = (n: string) =>
  `-- zerodown:ignore dropping-column the up added ${n}; the old version does not use it`;

export interface RenameColumnInput {
  readonly table: TableName;
  readonly column: string;
  readonly to: string;
  readonly type?: string;
  readonly key?: string;
}

/**
 * Rename a column without breaking the version still running: add the new column (expand), copy the
 * old one into it and keep both in step both ways (backfill with sync and reverse), drop the old one once
 * no server uses it (contract). A versioned release shows each version its own name.
 *
 * @example
 * renameColumn({ table: tableName('users'), column: 'username', to: 'display_name' });
 */
export function renameColumn(input: RenameColumnInput): RecipeFile[] {
  const { table, column, to } = input;
  const [c, n] = [quoteIdent(column), quoteIdent(to)];
  return [
    {
      step: 0,
      phase: 'expand',
      suffix: '',
      extension: 'sql',
      text: sqlMigration({
        comment: `Expand: ${table.sql}.${c} is renamed to ${n}. The new column is added; the backfill copies ${c} into it,\nand its two-way sync trigger keeps them in step: what the old version writes to ${c} is copied\nto ${n}, what the new version writes to ${n} is copied back, until the contract removes it.`,
        up: [
          input.type
            ? addColumn(table, to, { type: input.type })
            : `${BODY_IGNORE(c, n)}\n${addColumn(table, to, { like: column })}`,
        ],
        down: [`${input.type ? '' : `${DOWN_IGNORE(n)}\n`}ALTER TABLE ${table.sql} DROP COLUMN ${n}`],
      }),
    },
    {
      step: 0,
      phase: 'backfill',
      suffix: '',
      extension: 'json',
      text: backfillJson({
        table: table.text,
        set: { [to]: c },
        reverse: { [column]: n },
        where: isNull(to),
        ...(input.key ? { key: input.key } : {}),
        sync: true,
      }),
    },
    {
      step: 1,
      phase: 'contract',
      suffix: '_drop_old',
      extension: 'sql',
      text: sqlMigration({
        comment: `Contract: every application server runs the version that no longer uses ${c}.`,
        up: [`ALTER TABLE ${table.sql} DROP COLUMN ${c}`],
        down: {
          irreversible: `the values of ${c} are gone; add the column again and fill it from ${n} by hand`,
        },
      }),
    },
  ];
}
