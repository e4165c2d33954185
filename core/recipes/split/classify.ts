import { parseSync } from 'libpg-query';
import { quoteIdent } from '../../sql/identifiers.ts';
import type { ForeignKeyAction, RecipeKind, RecipeOptions } from '../types.ts';
import { alterCommandRanges, keywordAt, type StatementText, statementText } from './statement-text.ts';

// biome-ignore lint/suspicious/noExplicitAny: the parser's JSON tree is typed loosely on purpose
type Node = any;

/** What one statement, or one command of an ALTER TABLE, becomes. */
export type Piece =
  | {
      readonly kind: 'recipe';
      readonly recipe: RecipeKind;
      readonly options: RecipeOptions;
      readonly sql?: string;
    }
  /** A CREATE INDEX, built CONCURRENTLY in a migration of its own. */
  | { readonly kind: 'index'; readonly sql: string; readonly down: string }
  /** Kept as written in an expand migration; `down` when zerodown knows the inverse. */
  | { readonly kind: 'keep'; readonly sql: string; readonly down?: string }
  /** Kept too, but it is what `split` could not make safe: `reason` says why. */
  | { readonly kind: 'unsplit'; readonly sql: string; readonly reason: string };

const ACTIONS: Record<string, ForeignKeyAction | undefined> = {
  a: undefined, // NO ACTION, the default
  r: 'restrict',
  c: 'cascade',
  n: 'set-null',
  d: 'set-default',
};

/** `schema.table` as a recipe's `--table` takes it; undefined when a name holds a dot (it would split there). */
function tableOf(relation: Node): string | undefined {
  const parts = [relation?.schemaname, relation?.relname].filter((p): p is string => p !== undefined);
  if (parts.length === 0 || parts.some((p) => p.includes('.'))) return undefined;
  return parts.join('.');
}

const names = (list: Node[] | undefined): string[] => (list ?? []).map((n: Node) => n.String?.sval);

function qualified(relation: Node, name: string): string {
  return relation?.schemaname ? `${quoteIdent(relation.schemaname)}.${quoteIdent(name)}` : quoteIdent(name);
}

/** The inverse of a statement that only creates, for the down of the expand migration it is kept in. */
export function inverseOf(node: Node): string | undefined {
  if (node.CreateStmt)
    return `DROP TABLE ${qualified(node.CreateStmt.relation, node.CreateStmt.relation.relname)}`;
  if (node.ViewStmt) return `DROP VIEW ${qualified(node.ViewStmt.view, node.ViewStmt.view.relname)}`;
  if (node.CreateSeqStmt)
    return `DROP SEQUENCE ${qualified(node.CreateSeqStmt.sequence, node.CreateSeqStmt.sequence.relname)}`;
  if (node.CreateEnumStmt)
    return `DROP TYPE ${names(node.CreateEnumStmt.typeName).map(quoteIdent).join('.')}`;
  if (node.IndexStmt?.idxname)
    return `DROP INDEX${node.IndexStmt.concurrent ? ' CONCURRENTLY' : ''} IF EXISTS ${qualified(node.IndexStmt.relation, node.IndexStmt.idxname)}`;
  const alter = node.AlterTableStmt;
  if (alter?.objtype !== 'OBJECT_TABLE') return undefined;
  const table = qualified(alter.relation, alter.relation.relname);
  const inverses = (alter.cmds ?? []).map((c: Node) => {
    const cmd = c.AlterTableCmd;
    if (cmd?.subtype === 'AT_AddColumn')
      return `ALTER TABLE ${table} DROP COLUMN ${quoteIdent(cmd.def.ColumnDef.colname)}`;
    const name = cmd?.subtype === 'AT_AddConstraint' ? cmd.def.Constraint?.conname : undefined;
    return name ? `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${quoteIdent(name)}` : undefined;
  });
  if (inverses.length > 0 && inverses.every((i: string | undefined) => i !== undefined))
    return inverses.reverse().join(';\n');
  return undefined;
}

function foreignKey(table: string, constraint: Node): Piece | string {
  if (constraint.deferrable || constraint.initdeferred) return 'a DEFERRABLE foreign key';
  if (constraint.fk_matchtype && constraint.fk_matchtype !== 's') return 'MATCH FULL';
  if (constraint.fk_del_set_cols?.length) return 'ON DELETE SET NULL (columns)';
  const references = tableOf(constraint.pktable);
  if (!references) return 'a referenced table name with a dot in it';
  const referencedColumns = names(constraint.pk_attrs);
  const options: RecipeOptions = {
    table,
    columns: names(constraint.fk_attrs),
    references,
    ...(referencedColumns.length ? { referencedColumns } : {}),
    onDelete: ACTIONS[constraint.fk_del_action],
    onUpdate: ACTIONS[constraint.fk_upd_action],
    constraint: constraint.conname,
  };
  return { kind: 'recipe', recipe: 'add-foreign-key', options };
}

function unique(table: string, constraint: Node): Piece | string {
  if (
    constraint.deferrable ||
    constraint.including?.length ||
    constraint.nulls_not_distinct ||
    constraint.options
  )
    return 'UNIQUE with DEFERRABLE, INCLUDE, NULLS NOT DISTINCT or WITH';
  if (constraint.indexspace) return 'UNIQUE … USING INDEX TABLESPACE';
  return {
    kind: 'recipe',
    recipe: 'add-unique',
    options: { table, columns: names(constraint.keys), constraint: constraint.conname },
  };
}

/** One ALTER TABLE command as a recipe; a string says why it is none. */
function alterCommand(
  table: string,
  cmd: Node,
  text: StatementText,
  range: [number, number],
): Piece | string {
  const column = cmd.name;
  switch (cmd.subtype) {
    case 'AT_AlterColumnType': {
      const def = cmd.def.ColumnDef;
      if (def.collClause) return 'a type change with COLLATE';
      const using = def.raw_default ? keywordAt(text, 'USING', def.typeName.location, range[1]) : undefined;
      const type = text.slice(def.typeName.location, using?.start ?? range[1]);
      const options: RecipeOptions = {
        table,
        columns: [column],
        type,
        ...(using ? { using: text.slice(using.end, range[1]) } : {}),
      };
      return { kind: 'recipe', recipe: 'change-type', options };
    }
    case 'AT_SetNotNull':
      return { kind: 'recipe', recipe: 'set-not-null', options: { table, columns: [column] } };
    case 'AT_DropColumn':
      return { kind: 'recipe', recipe: 'drop-column', options: { table, columns: [column] } };
    case 'AT_AddConstraint': {
      const constraint = cmd.def.Constraint;
      if (constraint.contype === 'CONSTR_FOREIGN' && !constraint.skip_validation)
        return foreignKey(table, constraint);
      if (constraint.contype === 'CONSTR_UNIQUE' && !constraint.indexname) return unique(table, constraint);
      return `ADD CONSTRAINT of this kind (${String(constraint.contype).replace('CONSTR_', '')}) has no recipe`;
    }
    default:
      return `${String(cmd.subtype).replace('AT_', '')} has no recipe`;
  }
}

/**
 * What an unsafe statement becomes: recipes for what has one, the rest kept as written (`unsplit` with
 * the reason). An ALTER TABLE of several commands is taken apart, command by command; its commands
 * without a recipe are kept as ALTER TABLEs of their own. The parser must be loaded.
 */
export function splitUnsafe(sql: string, lintReason: string): Piece[] {
  const node: Node = parseSync(sql).stmts?.[0]?.stmt ?? {};
  const rename = node.RenameStmt;
  if (rename?.relationType === 'OBJECT_TABLE' || rename?.renameType === 'OBJECT_TABLE') {
    const table = tableOf(rename.relation);
    if (table && rename.renameType === 'OBJECT_COLUMN')
      return [
        {
          kind: 'recipe',
          recipe: 'rename-column',
          options: { table, columns: [rename.subname], to: rename.newname },
        },
      ];
    if (table && rename.renameType === 'OBJECT_TABLE')
      return [{ kind: 'recipe', recipe: 'rename-table', options: { table, to: rename.newname } }];
  }
  const index = node.IndexStmt;
  if (index && !index.concurrent && index.idxname) {
    const text = statementText(sql);
    const keyword = keywordAt(text, 'INDEX', 0, text.bytes.length)!;
    // IF NOT EXISTS too: a build that failed leaves an INVALID index, which the next run drops and rebuilds
    const ifNotExists = index.if_not_exists ? '' : ' IF NOT EXISTS';
    const concurrent = `${text.slice(0, keyword.end)} CONCURRENTLY${ifNotExists} ${text.slice(keyword.end)}`;
    return [
      { kind: 'index', sql: concurrent, down: inverseOf({ IndexStmt: { ...index, concurrent: true } })! },
    ];
  }
  const alter = node.AlterTableStmt;
  const table = alter?.objtype === 'OBJECT_TABLE' ? tableOf(alter.relation) : undefined;
  if (!alter || !table) return [{ kind: 'unsplit', sql, reason: lintReason }];
  const text = statementText(sql);
  const ranges = alterCommandRanges(text, alter.relation.location);
  const head = text.slice(0, ranges[0]![0]);
  return alter.cmds.map((c: Node, i: number): Piece => {
    const piece = alterCommand(table, c.AlterTableCmd, text, ranges[i]!);
    const command = alter.cmds.length === 1 ? sql : `${head} ${text.slice(...ranges[i]!)}`;
    if (typeof piece !== 'string') return { ...piece, sql: command };
    return { kind: 'unsplit', sql: command, reason: `${piece}; ${lintReason}` };
  });
}
