import type { Phase } from '../migrations/types.ts';

/** The change recipes `zerodown create --recipe <kind>` writes. */
export const RECIPE_KINDS = [
  'rename-column',
  'rename-table',
  'change-type',
  'set-not-null',
  'add-foreign-key',
  'add-unique',
  'split-column',
  'drop-column',
] as const;

export type RecipeKind = (typeof RECIPE_KINDS)[number];

/** What a recipe is given: names are taken literally (no SQL quoting), `schema.table` splits on the first dot. */
export interface RecipeOptions {
  /** The table to change, `name` or `schema.name`. */
  readonly table?: string;
  /** The column(s) the change is about; a list for a foreign key or unique constraint. */
  readonly columns?: readonly string[];
  /** The new name (rename-column, rename-table). */
  readonly to?: string;
  /** A SQL type (change-type; rename-column and split-column take the old column's type when absent). */
  readonly type?: string;
  /** A SQL expression over the row that converts the old value (change-type). */
  readonly using?: string;
  /** A SQL expression over the row that converts a new value back to the old type (change-type). */
  readonly reverse?: string;
  /** A SQL expression over the row for the rows that hold NULL (set-not-null). */
  readonly fill?: string;
  /** The referenced table (add-foreign-key). */
  readonly references?: string;
  /** The referenced column(s) (add-foreign-key); the referenced table's primary key when absent. */
  readonly referencedColumns?: readonly string[];
  /** ON DELETE action (add-foreign-key). */
  readonly onDelete?: ForeignKeyAction;
  /** ON UPDATE action (add-foreign-key). */
  readonly onUpdate?: ForeignKeyAction;
  /** The new table (split-column). */
  readonly into?: string;
  /** The key column the backfill walks and a split table refers to; the primary key when absent. */
  readonly key?: string;
  /** The constraint's or index's name; derived from the table and columns when absent. */
  readonly constraint?: string;
  /** The changed column is NOT NULL too (change-type): the CHECK, VALIDATE, SET NOT NULL steps before the swap. */
  readonly notNull?: boolean;
}

export const FOREIGN_KEY_ACTIONS = ['no-action', 'restrict', 'cascade', 'set-null', 'set-default'] as const;
export type ForeignKeyAction = (typeof FOREIGN_KEY_ACTIONS)[number];

/** One file a recipe writes: `<version + step>_<name><suffix>[.<phase>].<ext>`. */
export interface RecipeFile {
  /** Added to the recipe's version: steps that must be separate migrations of one phase get their own. */
  readonly step: number;
  readonly phase: Phase;
  /** Appended to the migration's name (`_drop_old`), or empty. */
  readonly suffix: string;
  /** `sql` for expand and contract, `json` or `ts` for a backfill. */
  readonly extension: 'sql' | 'json' | 'ts';
  readonly text: string;
}
