import { quoteIdent } from '../sql/identifiers.ts';
import { isNull } from './columns.ts';
import { backfillJson, sqlMigration } from './migration-text.ts';
import { derivedName, type TableName } from './names.ts';
import { notNullSteps } from './set-not-null.ts';
import type { RecipeFile } from './types.ts';

export interface ChangeTypeInput {
  readonly table: TableName;
  readonly column: string;
  readonly type: string;
  /** An expression over the row giving the new value; `"column"::type` when absent. */
  readonly using?: string;
  /** An expression over the row giving the old value from the new; the new column, converted on assignment, when absent. */
  readonly reverse?: string;
  /** The new column is NOT NULL too (CHECK NOT VALID, VALIDATE, SET NOT NULL before the swap). */
  readonly notNull?: boolean;
  readonly key?: string;
}

/** The shadow column a type change writes into until the swap. */
export function shadowColumn(column: string): string {
  return derivedName([column], 'new');
}

/**
 * Change a column's type without rewriting the table under ACCESS EXCLUSIVE: a shadow column of the new
 * type (expand), filled and kept in step from the old one (backfill with sync), then in contract the old
 * column dropped and the shadow renamed to its name (catalog-only, one short transaction).
 *
 * @example
 * changeType({ table: tableName('orders'), column: 'total', type: 'numeric(14, 2)' });
 */
export function changeType(input: ChangeTypeInput): RecipeFile[] {
  const { table, column, type } = input;
  const shadow = shadowColumn(column);
  const [c, s] = [quoteIdent(column), quoteIdent(shadow)];
  const steps = input.notNull ? notNullSteps(table, shadow, { firstStep: 1, suffix: '_new' }) : [];
  return [
    {
      step: 0,
      phase: 'expand',
      suffix: '',
      extension: 'sql',
      text: sqlMigration({
        comment: `Expand: ${table.sql}.${c} becomes ${type} through the shadow column ${s}; nothing the application sees changes yet.\nThe two-way sync trigger keeps ${c} and ${s} in step: the old version writes ${c}, the new one may write\neither (a versioned release shows it ${s} as ${c}); a value the old type cannot hold fails the write.`,
        up: [`ALTER TABLE ${table.sql} ADD COLUMN ${s} ${type}`],
        down: [`ALTER TABLE ${table.sql} DROP COLUMN ${s}`],
      }),
    },
    {
      step: 0,
      phase: 'backfill',
      suffix: '',
      extension: 'json',
      text: backfillJson({
        table: table.text,
        set: { [shadow]: input.using ?? `${c}::${type}` },
        // assigned to the old column, a value is converted to its type as an assignment cast would,
        // and one that does not fit fails the new version's write instead of being stored wrong
        reverse: { [column]: input.reverse ?? s },
        where: `${isNull(shadow)} AND ${c} IS NOT NULL`,
        ...(input.key ? { key: input.key } : {}),
        sync: true,
      }),
    },
    ...steps,
    {
      step: steps.length + 1,
      phase: 'contract',
      suffix: '_swap',
      extension: 'sql',
      text: sqlMigration({
        comment: `Contract: the swap, catalog-only in one short transaction. Indexes, defaults and constraints on ${c}\nare not moved by this recipe: recreate them on ${s} before this migration.`,
        up: [
          `ALTER TABLE ${table.sql} DROP COLUMN ${c}`,
          `ALTER TABLE ${table.sql} RENAME COLUMN ${s} TO ${c}`,
        ],
        down: { irreversible: `the ${c} of the old type is gone; changing it back rewrites the table` },
      }),
    },
  ];
}
