import { alterTable, columnType, type Node, nameListKey, relationKey, strings, tableKey } from './ast.ts';
import type { ColumnType, SchemaFacts } from './types.ts';

interface NotNullCheck {
  column: string;
  validated: boolean;
}

// domain constraints that existing rows must be checked against when a column of the domain is added
const CONSTRAINING = new Set(['CONSTR_CHECK', 'CONSTR_NOTNULL']);

/** `schema.name` of a qualified name list, without `public.` (functions, domains). */
export function qualifiedKey(names: readonly Node[] | undefined): string {
  const parts = strings(names as Node[]);
  return tableKey(parts.length > 1 ? parts.at(-2) : undefined, parts.at(-1) ?? '?');
}

function volatilityOf(options: readonly Node[] | undefined): 'immutable' | 'stable' | 'volatile' | undefined {
  const value = options?.find((o) => o.DefElem?.defname === 'volatility')?.DefElem?.arg?.String?.sval;
  return value === 'immutable' || value === 'stable' || value === 'volatile' ? value : undefined;
}

const pair = (a: string, b: string) => `${a}\u0000${b}`;

/** Where the statement being linted runs: in the runner's transaction, a BEGIN of the file's, or neither. */
type TransactionState = 'runner' | 'explicit' | 'none';

/**
 * Follows what migrations do to the schema, statement by statement and migration after migration, so
 * that rules can tell a new table from one in use and a validated CHECK from a missing one.
 */
export class SchemaTracker implements SchemaFacts {
  private columns = new Map<string, Map<string, ColumnType>>();
  private notNullChecks = new Map<string, Map<string, NotNullCheck>>();
  private newTables = new Set<string>();
  private newIndexes = new Set<string>();
  private dropped = new Set<string>();
  private droppedTables = new Set<string>();
  private addedColumns = new Set<string>();
  private functions = new Map<string, 'immutable' | 'stable' | 'volatile'>();
  private constrainedDomains = new Set<string>();
  private notValidInTransaction = new Set<string>();
  private transaction: TransactionState = 'none';
  /**
   * Copy on write for a rollback's copy: its tables' column and check maps are the original's until it
   * changes one (`ownColumns`, `ownChecks`), so copying the schema for every down section costs the
   * number of tables, not their contents (a full copy per migration made lint quadratic in them).
   */
  private ownsAll = true;
  private owned = new Set<string>();

  /** Starts a migration: tables it creates are new until it ends; `transactional` is the runner's wrapping. */
  beginMigration(transactional: boolean): void {
    this.newTables = new Set();
    this.newIndexes = new Set();
    this.dropped = new Set();
    this.droppedTables = new Set();
    this.addedColumns = new Set();
    this.notValidInTransaction = new Set();
    this.transaction = transactional ? 'runner' : 'none';
  }

  /**
   * A copy of the schema as it is now, for linting a down section: it runs after the up (what the up
   * created is still new) and what it does must not change the schema the next migrations see.
   */
  forRollback(transactional: boolean): SchemaTracker {
    const copy = new SchemaTracker();
    copy.columns = new Map(this.columns);
    copy.notNullChecks = new Map(this.notNullChecks);
    copy.ownsAll = false;
    copy.functions = new Map(this.functions);
    copy.constrainedDomains = new Set(this.constrainedDomains);
    copy.newTables = new Set(this.newTables);
    copy.newIndexes = new Set(this.newIndexes);
    copy.addedColumns = new Set(this.addedColumns);
    copy.transaction = transactional ? 'runner' : 'none';
    return copy;
  }

  /** The next statement runs inside a transaction block. */
  get inTransaction(): boolean {
    return this.transaction !== 'none';
  }

  isNewTable(table: string): boolean {
    return this.newTables.has(table);
  }

  isNewIndex(index: string): boolean {
    return this.newIndexes.has(index);
  }

  columnType(table: string, column: string): ColumnType | undefined {
    return this.columns.get(table)?.get(column);
  }

  hasValidatedNotNullCheck(table: string, column: string): boolean {
    for (const check of this.notNullChecks.get(table)?.values() ?? []) {
      if (check.column === column && check.validated) return true;
    }
    return false;
  }

  addedNotValidInThisTransaction(table: string, constraint: string): boolean {
    return this.notValidInTransaction.has(pair(table, constraint));
  }

  addedInThisMigration(table: string, column: string): boolean {
    return this.addedColumns.has(pair(table, column));
  }

  droppedInThisMigration(table: string, column: string): boolean {
    return this.dropped.has(pair(table, column));
  }

  droppedTableInThisMigration(table: string): boolean {
    return this.droppedTables.has(table);
  }

  functionVolatility(name: string): 'immutable' | 'stable' | 'volatile' | undefined {
    return this.functions.get(name);
  }

  domainHasConstraint(domain: string): boolean {
    return this.constrainedDomains.has(domain);
  }

  /** Records what a statement did; call it after the rules have looked at the statement. */
  observe(node: Node): void {
    const [kind, body] = Object.entries(node)[0] ?? [];
    switch (kind) {
      case 'CreateStmt':
        this.createTable(body);
        break;
      case 'CreateTableAsStmt':
        this.newTables.add(relationKey(body?.into?.rel));
        break;
      case 'AlterTableStmt':
        this.alter(node);
        break;
      case 'RenameStmt':
        this.rename(body);
        break;
      case 'DropStmt':
        if (body?.removeType === 'OBJECT_TABLE') {
          for (const object of body.objects ?? []) {
            const table = nameListKey(object);
            if (!this.newTables.has(table)) this.droppedTables.add(table);
            this.forgetTable(table);
          }
        }
        break;
      case 'CreateFunctionStmt':
        this.functions.set(qualifiedKey(body?.funcname), volatilityOf(body?.options) ?? 'volatile');
        break;
      case 'CreateDomainStmt':
        if ((body?.constraints ?? []).some((c: Node) => CONSTRAINING.has(c.Constraint?.contype)))
          this.constrainedDomains.add(qualifiedKey(body.domainname));
        break;
      case 'AlterDomainStmt':
        if (body?.subtype === 'C' && CONSTRAINING.has(body.def?.Constraint?.contype))
          this.constrainedDomains.add(qualifiedKey(body.typeName));
        if (body?.subtype === 'O') this.constrainedDomains.add(qualifiedKey(body.typeName));
        break;
      case 'IndexStmt':
        if (this.newTables.has(relationKey(body?.relation)) && body?.idxname) {
          this.newIndexes.add(tableKey(body.relation?.schemaname, body.idxname));
        }
        break;
      case 'TransactionStmt':
        this.transactionStatement(String(body?.kind));
        break;
    }
    // outside a transaction block each statement commits on its own
    if (this.transaction === 'none') this.notValidInTransaction.clear();
  }

  private createTable(body: Node): void {
    const table = relationKey(body?.relation);
    this.newTables.add(table);
    const columns = new Map<string, ColumnType>();
    for (const element of body?.tableElts ?? []) {
      const def = element?.ColumnDef;
      if (def?.colname) columns.set(def.colname, columnType(def.typeName));
    }
    this.own(table);
    this.columns.set(table, columns);
  }

  /** Makes `table`'s maps this tracker's own before a change (a rollback's copy shares them until then). */
  private own(table: string): void {
    if (this.ownsAll || this.owned.has(table)) return;
    this.owned.add(table);
    const columns = this.columns.get(table);
    if (columns) this.columns.set(table, new Map(columns));
    const checks = this.notNullChecks.get(table);
    if (checks)
      this.notNullChecks.set(table, new Map([...checks].map(([name, check]) => [name, { ...check }])));
  }

  /** `table`'s columns, to change: this tracker's own, made when missing. */
  private columnsOf(table: string): Map<string, ColumnType> {
    this.own(table);
    let columns = this.columns.get(table);
    if (!columns) {
      columns = new Map();
      this.columns.set(table, columns);
    }
    return columns;
  }

  /** `table`'s NOT NULL checks, to change: this tracker's own, made when missing. */
  private checksOf(table: string): Map<string, NotNullCheck> {
    this.own(table);
    let checks = this.notNullChecks.get(table);
    if (!checks) {
      checks = new Map();
      this.notNullChecks.set(table, checks);
    }
    return checks;
  }

  private alter(node: Node): void {
    const alter = alterTable(node);
    if (!alter) return;
    const { table } = alter;
    for (const { subtype, cmd } of alter.commands) {
      const def = cmd.def?.ColumnDef;
      if (subtype === 'AT_AddColumn' && def?.colname) {
        this.columnsOf(table).set(def.colname, columnType(def.typeName));
        this.addedColumns.add(pair(table, def.colname));
      } else if (subtype === 'AT_AlterColumnType' && cmd.name) {
        this.columnsOf(table).set(cmd.name, columnType(def?.typeName));
      } else if (subtype === 'AT_DropColumn' && cmd.name) {
        this.columnsOf(table).delete(cmd.name);
        this.dropped.add(pair(table, cmd.name));
      } else if (subtype === 'AT_AddConstraint') {
        this.addConstraint(table, cmd.def?.Constraint);
      } else if (subtype === 'AT_ValidateConstraint' && cmd.name) {
        const check = this.checksOf(table).get(cmd.name);
        if (check) check.validated = true;
      } else if (subtype === 'AT_DropConstraint' && cmd.name) {
        this.checksOf(table).delete(cmd.name);
      }
    }
  }

  private addConstraint(table: string, constraint: Node | undefined): void {
    if (!constraint) return;
    const name: string | undefined = constraint.conname;
    const notValid = constraint.skip_validation === true;
    if (notValid && name) this.notValidInTransaction.add(pair(table, name));
    const test = constraint.raw_expr?.NullTest;
    let column: string | undefined;
    if (constraint.contype === 'CONSTR_CHECK' && test?.nulltesttype === 'IS_NOT_NULL') {
      const fields = strings(test.arg?.ColumnRef?.fields);
      if (fields.length === 1) column = fields[0];
    } else if (constraint.contype === 'CONSTR_NOTNULL') {
      column = strings(constraint.keys)[0];
    }
    if (column) this.checksOf(table).set(name ?? `${column} is not null`, { column, validated: !notValid });
  }

  private rename(body: Node): void {
    const table = relationKey(body?.relation);
    if (body?.renameType === 'OBJECT_TABLE' && body.newname) {
      const renamed = tableKey(body.relation?.schemaname, body.newname);
      if (this.owned.delete(table)) this.owned.add(renamed);
      for (const map of [this.columns, this.notNullChecks] as Map<string, unknown>[]) {
        const value = map.get(table);
        if (value !== undefined) {
          map.delete(table);
          map.set(renamed, value);
        }
      }
      if (this.newTables.delete(table)) this.newTables.add(renamed);
    } else if (body?.renameType === 'OBJECT_COLUMN' && body.subname && body.newname) {
      this.own(table);
      const columns = this.columns.get(table);
      const type = columns?.get(body.subname);
      if (columns && type) {
        columns.delete(body.subname);
        columns.set(body.newname, type);
      }
      for (const check of this.notNullChecks.get(table)?.values() ?? []) {
        if (check.column === body.subname) check.column = body.newname;
      }
    } else if (body?.renameType === 'OBJECT_TABCONSTRAINT' && body.subname && body.newname) {
      this.own(table);
      const checks = this.notNullChecks.get(table);
      const check = checks?.get(body.subname);
      if (checks && check) {
        checks.delete(body.subname);
        checks.set(body.newname, check);
      }
    }
  }

  private forgetTable(table: string): void {
    this.owned.delete(table);
    this.columns.delete(table);
    this.notNullChecks.delete(table);
    this.newTables.delete(table);
  }

  private transactionStatement(kind: string): void {
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
      if (this.transaction === 'none') this.transaction = 'explicit';
    } else if (
      kind === 'TRANS_STMT_COMMIT' ||
      kind === 'TRANS_STMT_ROLLBACK' ||
      kind === 'TRANS_STMT_PREPARE'
    ) {
      this.transaction = 'none';
    }
  }
}
