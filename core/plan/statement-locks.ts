import {
  alterTable,
  columnConstraints,
  columnType,
  type Node,
  nameListKey,
  relationKey,
} from '../lint/ast.ts';
import { catalogOnlyTypeChange } from '../lint/rules/changing-column-type.ts';
import type { SchemaFacts } from '../lint/types.ts';
import { defaultVolatility } from '../lint/volatility.ts';
import { LOCK_MODES, type LockMode } from '../sql/lock-modes.ts';
import type { SqlStatement } from '../sql/statements.ts';
import {
  heavierEffect,
  LOCK_LEVELS,
  type LockLevelId,
  strongerLock,
  type TableEffect,
} from './lock-levels.ts';

/** What one statement locks and does, as `zerodown plan` shows it. */
export interface StatementLock {
  /** Rows of the lock table that apply (one per ALTER TABLE command); empty when the kind is not in it. */
  readonly kinds: readonly LockLevelId[];
  /** The strongest lock; `unknown` for a statement kind the table does not hold. */
  readonly lock: LockMode | 'none' | 'unknown';
  readonly effect: TableEffect;
  /** Tables (or indexes, sequences) the statement names, `schema.table` without `public.`. */
  readonly tables: readonly string[];
}

/** Classifies one ALTER TABLE command. */
function alterCommandKind(table: string, subtype: string, cmd: Node, facts?: SchemaFacts): LockLevelId {
  switch (subtype) {
    case 'AT_AddColumn': {
      const constraints = columnConstraints(cmd.def?.ColumnDef);
      // a STORED generated column and an identity column fill every row; a VIRTUAL one (PostgreSQL 18) none
      const stored = constraints.some(
        (c) =>
          (c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v') || c.contype === 'CONSTR_IDENTITY',
      );
      const fallback = constraints.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr;
      const serial = /serial$/.test(cmd.def?.ColumnDef?.typeName?.names?.at(-1)?.String?.sval ?? '');
      return stored || serial || defaultVolatility(fallback) === 'volatile'
        ? 'addColumnRewrite'
        : 'addColumn';
    }
    case 'AT_DropColumn':
      return 'dropColumn';
    case 'AT_AlterColumnType': {
      const def = cmd.def?.ColumnDef;
      const from = facts?.columnType(table, cmd.name);
      const to = def?.typeName;
      return from && to && def?.raw_default === undefined && catalogOnlyTypeChange(from, columnType(to))
        ? 'alterColumnTypeCatalogOnly'
        : 'alterColumnType';
    }
    case 'AT_SetNotNull':
      return facts?.hasValidatedNotNullCheck(table, cmd.name) ? 'setNotNullProven' : 'setNotNull';
    case 'AT_DropNotNull':
    case 'AT_ColumnDefault':
      return 'columnCatalog';
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
      return 'columnStatistics';
    case 'AT_AddConstraint':
      return constraintKind(cmd.def?.Constraint ?? {});
    case 'AT_ValidateConstraint':
      return 'validateConstraint';
    case 'AT_DropConstraint':
      return 'dropConstraint';
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
      return 'storageParameters';
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
    case 'AT_SetTableSpace':
    case 'AT_SetAccessMethod':
      return 'setPersistence';
    case 'AT_AttachPartition':
      return 'attachPartition';
    default:
      return /^AT_(Enable|Disable)(Always|Replica)?Trig/.test(subtype) ? 'triggers' : 'alterTableOther';
  }
}

function constraintKind(constraint: Node): LockLevelId {
  switch (constraint.contype) {
    case 'CONSTR_FOREIGN':
      return constraint.skip_validation ? 'addForeignKeyNotValid' : 'addForeignKey';
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
      return constraint.indexname ? 'addConstraintUsingIndex' : 'addIndexConstraint';
    case 'CONSTR_EXCLUSION':
      return 'addIndexConstraint';
    default:
      return constraint.skip_validation ? 'addNotValid' : 'addCheck';
  }
}

/** Foreign keys of a CREATE TABLE or ADD CONSTRAINT: the tables they reference. */
function referencedTables(tree: unknown, found: string[] = []): string[] {
  if (Array.isArray(tree)) for (const item of tree) referencedTables(item, found);
  else if (tree && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) {
      if (key === 'pktable') found.push(relationKey(value as Node));
      else referencedTables(value, found);
    }
  }
  return found;
}

const hasOption = (params: Node[] | undefined, name: string) =>
  (params ?? []).some((p) => p?.DefElem?.defname === name);

/** The kind and the tables of a statement other than ALTER TABLE. */
function otherKind(kind: string, body: Node): { id?: LockLevelId; tables: string[]; lock?: LockMode } {
  const relation = body?.relation ? [relationKey(body.relation)] : [];
  const rangeVars = (list: Node[] | undefined) => (list ?? []).map((r) => relationKey(r.RangeVar ?? r));
  switch (kind) {
    case 'IndexStmt':
      return { id: body.concurrent ? 'createIndexConcurrently' : 'createIndex', tables: relation };
    case 'DropStmt': {
      const objects = (body.objects ?? []).map((o: Node) => nameListKey(o));
      if (body.removeType === 'OBJECT_INDEX')
        return { id: body.concurrent ? 'dropIndexConcurrently' : 'dropIndex', tables: objects };
      if (body.removeType === 'OBJECT_TABLE') return { id: 'dropTable', tables: objects };
      if (body.removeType === 'OBJECT_POLICY') return { id: 'createPolicy', tables: [] };
      return { tables: objects };
    }
    case 'ReindexStmt':
      return {
        id: hasOption(body.params, 'concurrently') ? 'reindexConcurrently' : 'reindex',
        tables: relation,
      };
    case 'RenameStmt':
      return { id: body.renameType === 'OBJECT_INDEX' ? 'renameIndex' : 'rename', tables: relation };
    case 'TruncateStmt':
      return { id: 'truncate', tables: rangeVars(body.relations) };
    case 'ClusterStmt':
      return { id: 'cluster', tables: relation };
    case 'VacuumStmt': {
      const tables = (body.rels ?? []).map((r: Node) => relationKey(r.VacuumRelation?.relation));
      if (!body.is_vacuumcmd) return { id: 'analyze', tables };
      return { id: hasOption(body.options, 'full') ? 'cluster' : 'vacuum', tables };
    }
    case 'CreateStmt': {
      const referenced = referencedTables(body.tableElts);
      return referenced.length > 0
        ? { id: 'createTableReferences', tables: referenced }
        : { id: 'createTable', tables: [] };
    }
    case 'CreateSeqStmt':
    case 'CreateFunctionStmt':
    case 'CompositeTypeStmt':
    case 'CreateEnumStmt':
    case 'CreateSchemaStmt':
    case 'CreateExtensionStmt':
      return { id: 'createTable', tables: [] };
    case 'ViewStmt':
      return { id: 'createView', tables: [] };
    case 'CreateTrigStmt':
      return { id: 'triggers', tables: relation };
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      return { id: 'createPolicy', tables: body.table ? [relationKey(body.table)] : [] };
    case 'CommentStmt':
      return { id: 'comment', tables: [] };
    case 'AlterSeqStmt':
      return { id: 'alterSequence', tables: [relationKey(body.sequence)] };
    case 'UpdateStmt':
    case 'DeleteStmt':
      return { id: 'update', tables: relation };
    case 'InsertStmt':
      return { id: 'insert', tables: relation };
    case 'SelectStmt':
      return { id: 'select', tables: [] };
    case 'RefreshMatViewStmt':
      return { id: 'refreshMaterializedView', tables: relation };
    case 'LockStmt':
      return {
        tables: rangeVars(body.relations),
        lock: LOCK_MODES[(body.mode ?? 8) - 1] ?? 'ACCESS EXCLUSIVE',
      };
    default:
      return { tables: relation };
  }
}

/**
 * The lock a statement takes and what it does to the table's rows, from the lock table
 * (`LOCK_LEVELS`). `facts` (the lint's schema tracker, fed the earlier statements) tells a SET NOT NULL a
 * validated CHECK proves, and a catalog-only type change, from the ones that scan or rewrite.
 *
 * @example
 * statementLock(statement); // { kinds: ['createIndex'], lock: 'SHARE', effect: 'scan', tables: ['users'] }
 */
export function statementLock(statement: SqlStatement, facts?: SchemaFacts): StatementLock {
  const alter = alterTable(statement.node);
  if (alter) {
    const kinds = alter.commands.map(({ subtype, cmd }) =>
      alterCommandKind(alter.table, subtype, cmd, facts),
    );
    const tables = [alter.table, ...referencedTables(alter.commands.map((c) => c.cmd))];
    return { kinds, tables: [...new Set(tables)], ...combine(kinds) };
  }
  const [kind, body] = Object.entries(statement.node)[0] ?? ['Unknown', {}];
  const other = otherKind(kind, body ?? {});
  if (other.lock) return { kinds: [], lock: other.lock, effect: 'none', tables: other.tables };
  if (!other.id) return { kinds: [], lock: 'unknown', effect: 'none', tables: other.tables };
  return { kinds: [other.id], tables: other.tables, ...combine([other.id]) };
}

function combine(kinds: readonly LockLevelId[]): { lock: LockMode | 'none'; effect: TableEffect } {
  let lock: LockMode | 'none' = 'none';
  let effect: TableEffect = 'none';
  for (const id of kinds) {
    const level = LOCK_LEVELS[id];
    lock = strongerLock(lock, level.lock);
    effect = heavierEffect(effect, level.effect);
  }
  return { lock, effect };
}
