/**
 * Change recipes: the expand, backfill and contract files of a common schema change, written for the
 * user (`zerodown create <name> --recipe <kind>`). Pure: options in, file names and texts out.
 */
import { InvalidInput } from '../errors.ts';
import type { Phase } from '../migrations/types.ts';
import { addForeignKey } from './add-foreign-key.ts';
import { addUnique } from './add-unique.ts';
import { changeType } from './change-type.ts';
import { dropColumn } from './drop-column.ts';
import { checkExpression, checkName, checkType } from './input.ts';
import { tableName } from './names.ts';
import { renameColumn } from './rename-column.ts';
import { renameTable } from './rename-table.ts';
import { setNotNull } from './set-not-null.ts';
import { splitColumn } from './split-column.ts';
import type { RecipeFile, RecipeKind, RecipeOptions } from './types.ts';

export {
  FOREIGN_KEY_ACTIONS,
  RECIPE_KINDS,
  type RecipeFile,
  type RecipeKind,
  type RecipeOptions,
} from './types.ts';

type Field = keyof RecipeOptions;

/** What each recipe needs and may take; anything else given is a usage error. */
const FIELDS: Record<RecipeKind, { required: Field[]; optional: Field[] }> = {
  'rename-column': { required: ['table', 'columns', 'to'], optional: ['type', 'key'] },
  'rename-table': { required: ['table', 'to'], optional: [] },
  'change-type': { required: ['table', 'columns', 'type'], optional: ['using', 'reverse', 'key', 'notNull'] },
  'set-not-null': { required: ['table', 'columns'], optional: ['fill', 'key', 'constraint'] },
  'add-foreign-key': {
    required: ['table', 'columns', 'references'],
    optional: ['referencedColumns', 'onDelete', 'onUpdate', 'constraint'],
  },
  'add-unique': { required: ['table', 'columns'], optional: ['constraint'] },
  'split-column': { required: ['table', 'columns', 'into'], optional: ['key'] },
  'drop-column': { required: ['table', 'columns'], optional: [] },
};

/** How the CLI spells each field, for messages. */
export const RECIPE_FLAGS: Record<Field, string> = {
  table: '--table',
  columns: '--column',
  to: '--to',
  type: '--type',
  using: '--using',
  reverse: '--reverse',
  fill: '--fill',
  references: '--references',
  referencedColumns: '--referenced-column',
  onDelete: '--on-delete',
  onUpdate: '--on-update',
  into: '--into',
  key: '--key',
  constraint: '--constraint',
  notNull: '--not-null',
};

const MULTI_COLUMN: readonly RecipeKind[] = ['add-foreign-key', 'add-unique'];

function checkFields(kind: RecipeKind, options: RecipeOptions): void {
  const { required, optional } = FIELDS[kind];
  const given = (Object.keys(options) as Field[]).filter((f) => options[f] !== undefined);
  const missing = required.filter((f) => !given.includes(f));
  if (missing.length > 0) {
    throw new InvalidInput(
      `--recipe ${kind} needs ${missing.map((f) => RECIPE_FLAGS[f]).join(', ')} (see zerodown create --help)`,
    );
  }
  const extra = given.filter((f) => !required.includes(f) && !optional.includes(f));
  if (extra.length > 0) {
    throw new InvalidInput(
      `--recipe ${kind} does not take ${extra.map((f) => RECIPE_FLAGS[f]).join(', ')}; it takes ${[...required, ...optional].map((f) => RECIPE_FLAGS[f]).join(', ')}`,
    );
  }
  if ((options.columns?.length ?? 0) > 1 && !MULTI_COLUMN.includes(kind)) {
    throw new InvalidInput(`--recipe ${kind} takes one --column, not ${options.columns!.length}`);
  }
}

/** The recipe's files, its options checked; needs the SQL parser loaded (types and expressions are parsed). */
export function recipeFiles(kind: RecipeKind, options: RecipeOptions): RecipeFile[] {
  checkFields(kind, options);
  for (const name of [options.to, options.into, options.key, options.constraint, ...(options.columns ?? [])])
    if (name !== undefined) checkName(name);
  for (const table of [options.table, options.references]) if (table !== undefined) checkName(table, 'table');
  for (const name of options.referencedColumns ?? []) checkName(name);
  if (options.type !== undefined) checkType(options.type);
  if (options.using !== undefined) checkExpression('--using', options.using);
  if (options.reverse !== undefined) checkExpression('--reverse', options.reverse);
  if (options.fill !== undefined) checkExpression('--fill', options.fill);
  const table = tableName(options.table!);
  const column = options.columns?.[0] ?? '';
  switch (kind) {
    case 'rename-column':
      return renameColumn({ table, column, to: options.to!, type: options.type, key: options.key });
    case 'rename-table':
      return renameTable({ table, to: options.to! });
    case 'change-type':
      return changeType({
        table,
        column,
        type: options.type!,
        using: options.using,
        reverse: options.reverse,
        key: options.key,
        notNull: options.notNull,
      });
    case 'set-not-null':
      return setNotNull({
        table,
        column,
        fill: options.fill,
        key: options.key,
        constraint: options.constraint,
      });
    case 'add-foreign-key':
      return addForeignKey({
        table,
        columns: options.columns!,
        references: tableName(options.references!),
        referencedColumns: options.referencedColumns,
        onDelete: options.onDelete,
        onUpdate: options.onUpdate,
        constraint: options.constraint,
      });
    case 'add-unique':
      return addUnique({ table, columns: options.columns!, constraint: options.constraint });
    case 'split-column':
      return splitColumn({ table, column, into: options.into!, key: options.key ?? 'id' });
    case 'drop-column':
      return dropColumn({ table, column });
  }
}

/** A recipe file's name: `<version + step>_<name><suffix>[.<phase>].<ext>` (DESIGN.md). */
export function recipeFileName(file: RecipeFile, version: string, name: string): string {
  const phase: Phase = file.phase;
  const suffix = phase === 'expand' ? '' : `.${phase}`;
  const stepped = (BigInt(version) + BigInt(file.step)).toString().padStart(version.length, '0');
  return `${stepped}_${name}${file.suffix}${suffix}.${file.extension}`;
}
