import { quoteIdent } from '../sql/identifiers.ts';
import { isNull } from './columns.ts';
import { backfillJson, sqlMigration } from './migration-text.ts';
import { derivedName, type TableName } from './names.ts';
import type { RecipeFile } from './types.ts';

export interface SetNotNullInput {
  readonly table: TableName;
  readonly column: string;
  /** Fills the NULLs first: a backfill, whose sync trigger also fills what the old version writes. */
  readonly fill?: string;
  readonly constraint?: string;
  readonly key?: string;
}

/**
 * The three contract steps that set NOT NULL without a scan under ACCESS EXCLUSIVE: a CHECK added NOT
 * VALID (an instant), VALIDATE in a migration of its own (reads and writes go on), then SET NOT NULL,
 * which the validated CHECK lets skip its scan, and the CHECK dropped.
 */
export function notNullSteps(
  table: TableName,
  column: string,
  options: { firstStep: number; constraint?: string; suffix?: string },
): RecipeFile[] {
  const check = quoteIdent(options.constraint ?? derivedName([table.name, column], 'not_null'));
  const c = quoteIdent(column);
  const addCheck = `ALTER TABLE ${table.sql} ADD CONSTRAINT ${check} CHECK (${c} IS NOT NULL) NOT VALID`;
  const suffix = options.suffix ?? '';
  const step = (n: number, name: string, text: string): RecipeFile => ({
    step: options.firstStep + n,
    phase: 'contract',
    suffix: `${suffix}_${name}`,
    extension: 'sql',
    text,
  });
  return [
    step(
      0,
      'check',
      sqlMigration({
        comment: `Contract: a CHECK added NOT VALID holds its lock only for an instant; rows written from now on must have ${c}.`,
        up: [addCheck],
        down: [`ALTER TABLE ${table.sql} DROP CONSTRAINT IF EXISTS ${check}`],
      }),
    ),
    step(
      1,
      'validate',
      sqlMigration({
        comment: `VALIDATE scans ${table.sql} under SHARE UPDATE EXCLUSIVE: reads and writes go on meanwhile.`,
        up: [`ALTER TABLE ${table.sql} VALIDATE CONSTRAINT ${check}`],
        down: [],
        downNote: "nothing to undo: the previous migration's down drops the CHECK",
      }),
    ),
    step(
      2,
      'not_null',
      sqlMigration({
        comment:
          'SET NOT NULL skips its full-table scan because the validated CHECK proves it; then the CHECK goes.',
        up: [
          `ALTER TABLE ${table.sql} ALTER COLUMN ${c} SET NOT NULL`,
          `ALTER TABLE ${table.sql} DROP CONSTRAINT ${check}`,
        ],
        down: [addCheck, `ALTER TABLE ${table.sql} ALTER COLUMN ${c} DROP NOT NULL`],
      }),
    ),
  ];
}

/**
 * Set NOT NULL on a column: optionally fill its NULLs first (a backfill with sync, which also fills the
 * NULLs the old version keeps writing), then the three contract steps of {@link notNullSteps}.
 *
 * @example
 * setNotNull({ table: tableName('users'), column: 'email', fill: "''" });
 */
export function setNotNull(input: SetNotNullInput): RecipeFile[] {
  const { table, column, fill } = input;
  const files: RecipeFile[] = [];
  if (fill !== undefined) {
    files.push({
      step: 0,
      phase: 'backfill',
      suffix: '',
      extension: 'json',
      text: backfillJson({
        table: table.text,
        set: { [column]: fill },
        where: isNull(column),
        ...(input.key ? { key: input.key } : {}),
        sync: true,
      }),
    });
  }
  return [
    ...files,
    ...notNullSteps(table, column, { firstStep: fill === undefined ? 0 : 1, constraint: input.constraint }),
  ];
}
