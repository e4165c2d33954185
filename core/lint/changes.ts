/**
 * What a statement changes, read from its parse tree in the shapes several rules share: the columns
 * it adds or declares, the constraints it adds.
 */
import { alterTable, columnConstraints, columnType, type Node, relationKey, strings } from './ast.ts';
import type { ColumnType } from './types.ts';

/** A column a statement declares: in CREATE TABLE, ADD COLUMN, or ALTER COLUMN … TYPE. */
export interface DeclaredColumn {
  readonly table: string;
  readonly column: string;
  readonly type: ColumnType;
  readonly constraints: readonly Node[];
  readonly how: 'create-table' | 'add-column' | 'alter-type';
  readonly primaryKey: boolean;
  readonly location?: number;
}

/** Columns declared by CREATE TABLE, ALTER TABLE … ADD COLUMN and ALTER COLUMN … TYPE. */
export function declaredColumns(node: Node): DeclaredColumn[] {
  const create = node.CreateStmt;
  if (create) {
    const table = relationKey(create.relation);
    const primaryKey = new Set<string>();
    for (const element of create.tableElts ?? []) {
      const constraint = element?.Constraint;
      if (constraint?.contype === 'CONSTR_PRIMARY')
        for (const key of strings(constraint.keys)) primaryKey.add(key);
    }
    return (create.tableElts ?? [])
      .map((element: Node) => element?.ColumnDef)
      .filter((def: Node | undefined) => def?.colname)
      .map((def: Node) => {
        const constraints = columnConstraints(def);
        return {
          table,
          column: def.colname,
          type: columnType(def.typeName),
          constraints,
          how: 'create-table' as const,
          primaryKey: primaryKey.has(def.colname) || constraints.some((c) => c.contype === 'CONSTR_PRIMARY'),
          location: def.typeName?.location ?? def.location,
        };
      });
  }
  const alter = alterTable(node);
  if (!alter) return [];
  const columns: DeclaredColumn[] = [];
  for (const { subtype, cmd } of alter.commands) {
    const def = cmd.def?.ColumnDef;
    if (!def) continue;
    if (subtype === 'AT_AddColumn' || subtype === 'AT_AlterColumnType') {
      const constraints = columnConstraints(def);
      columns.push({
        table: alter.table,
        column: subtype === 'AT_AddColumn' ? def.colname : cmd.name,
        type: columnType(def.typeName),
        constraints,
        how: subtype === 'AT_AddColumn' ? 'add-column' : 'alter-type',
        primaryKey: constraints.some((c) => c.contype === 'CONSTR_PRIMARY'),
        location: def.typeName?.location ?? def.location,
      });
    }
  }
  return columns;
}

/** Columns an ALTER TABLE adds to a table that existed before this migration. */
export function columnsAddedToExistingTables(
  node: Node,
  isNewTable: (table: string) => boolean,
): DeclaredColumn[] {
  return declaredColumns(node).filter((c) => c.how === 'add-column' && !isNewTable(c.table));
}

/** A constraint an ALTER TABLE … ADD CONSTRAINT adds. */
export interface AddedConstraint {
  readonly table: string;
  readonly constraint: Node;
  readonly location?: number;
}

/** Constraints added with ALTER TABLE … ADD [CONSTRAINT …] (not those written on a new column). */
export function addedConstraints(node: Node): AddedConstraint[] {
  const alter = alterTable(node);
  if (!alter) return [];
  return alter.commands
    .filter((c) => c.subtype === 'AT_AddConstraint' && c.cmd.def?.Constraint)
    .map((c) => ({
      table: alter.table,
      constraint: c.cmd.def.Constraint,
      location: c.cmd.def.Constraint.location,
    }));
}

/** Serial pseudo-types: a sequence and a `nextval()` default. */
export const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);
