import type { SqlStatement } from '../sql/statements.ts';

/** The phases a schema migration runs in; lint severities depend on them. */
export type LintPhase = 'expand' | 'contract';

/** How bad a finding is: `error` blocks `zerodown up` and the workflow's plan step. */
export type Severity = 'error' | 'warning';

/** A rule's level in one phase; `off` means the statement is right for that phase. */
export type RuleLevel = Severity | 'off';

/** One problem the linter found, where it is, and the safe way to do the same thing. */
export interface LintFinding {
  /** Path of the migration file, relative to the working directory. */
  readonly file: string;
  /** 1-based line (1 for node-pg-migrate modules, whose generated SQL has no line in the file). */
  readonly line: number;
  /** 1-based column (1 when unknown). */
  readonly column: number;
  /** The rule's id, e.g. `require-concurrent-index-creation`. */
  readonly rule: string;
  readonly severity: Severity;
  /** What is wrong with this statement, naming its table, column or index. */
  readonly message: string;
  /** The safe alternative, as concrete SQL where there is one. */
  readonly hint: string;
  /** The PostgreSQL major version the findings were made for (`--pg-version`, the server, or config). */
  readonly pgVersion?: number;
}

/** What a rule found in one statement; the engine adds the file, line and severity. */
export interface Violation {
  readonly message: string;
  /** Overrides the rule's generic hint with one built from this statement's names. */
  readonly hint?: string;
  /** Parser `location` (byte offset in the parsed text) of the part at fault; the statement start when absent. */
  readonly location?: number;
  /** Byte offset in the statement's own text, for parts the parse tree has no location for. */
  readonly offset?: number;
  /** Lowers the rule's level for this case (e.g. a default whose volatility zerodown cannot tell). */
  readonly downgrade?: boolean;
}

/** What the linter knows when it reaches a statement. */
export interface StatementContext {
  readonly phase: LintPhase;
  readonly file: string;
  /** The statement runs inside a transaction block (the runner's, or a BEGIN in the file). */
  readonly inTransaction: boolean;
  /** Every statement of the migration's up script, in order. */
  readonly statements: readonly SqlStatement[];
  /** Index of this statement in `statements`. */
  readonly index: number;
  /** Whether the runner wraps the whole script in one transaction. */
  readonly scriptTransaction: boolean;
  readonly facts: SchemaFacts;
  /** The PostgreSQL major version the migrations will run on, when known; rules assume a current one otherwise. */
  readonly pgVersion?: number;
}

/** Column type as written (`varchar` with modifiers `[255]`), enough to tell rewrites from catalog-only changes. */
export interface ColumnType {
  readonly name: string;
  readonly modifiers: readonly number[];
  readonly array: boolean;
  /** The schema the type name was qualified with (not `pg_catalog`), for user types such as domains. */
  readonly schema?: string;
}

/** Read-only view of what earlier statements and migrations did to the schema. */
export interface SchemaFacts {
  /** The table was created earlier in the same migration: it is empty and nobody else uses it yet. */
  isNewTable(table: string): boolean;
  /** The index was created earlier in the same migration on a new table. */
  isNewIndex(index: string): boolean;
  /** A column's type when an earlier statement or migration declared it. */
  columnType(table: string, column: string): ColumnType | undefined;
  /** A `CHECK (column IS NOT NULL)` on the table has been validated (or added valid). */
  hasValidatedNotNullCheck(table: string, column: string): boolean;
  /** The constraint was added NOT VALID in the transaction that is still open. */
  addedNotValidInThisTransaction(table: string, constraint: string): boolean;
  /** The column was added earlier in the same migration (its down drops what nothing running uses). */
  addedInThisMigration(table: string, column: string): boolean;
  /** The column was dropped earlier in the same migration (a rename onto its name is a swap). */
  droppedInThisMigration(table: string, column: string): boolean;
  /** A table that was not new was dropped earlier in the same migration. */
  droppedTableInThisMigration(table: string): boolean;
  /** A function's declared volatility when an earlier statement or migration created it. */
  functionVolatility(name: string): 'immutable' | 'stable' | 'volatile' | undefined;
  /** The domain was declared (CREATE DOMAIN or ALTER DOMAIN … ADD) with a CHECK or NOT NULL constraint. */
  domainHasConstraint(domain: string): boolean;
}

/** An SQL example for the rule reference; `before` are earlier migrations it relies on. */
export interface RuleExample {
  readonly sql: string;
  readonly phase: LintPhase;
  readonly before?: readonly string[];
}

/**
 * A lint rule (the cdk-nag shape): its id, its level in each phase, why it matters, the safe
 * alternative, one unsafe and one safe example, and a pure check of one statement.
 */
export interface LintRule {
  readonly id: string;
  /** A short title for the rule reference. */
  readonly title: string;
  readonly severity: { readonly expand: RuleLevel; readonly contract: RuleLevel };
  /** Why the statement is dangerous (the lock it takes, the rewrite, what breaks). */
  readonly why: string;
  /** The safe alternative, as concrete SQL, when a violation gives no statement-specific hint. */
  readonly hint: string;
  readonly examples: { readonly unsafe: RuleExample; readonly safe: RuleExample };
  check(statement: SqlStatement, context: StatementContext): Violation[];
}

/** A rule's level per phase, or one level for both. */
export type RuleLevelSetting = RuleLevel | { readonly expand?: RuleLevel; readonly contract?: RuleLevel };

/** Project settings from the `lint` section of `zerodown.config.json`. */
export interface LintConfig {
  /** Rule id -> level (`off`, `warning`, `error`), for both phases or per phase. */
  readonly rules?: Readonly<Record<string, RuleLevelSetting>>;
  /** Findings to suppress for files matching a glob, each with the reason a person gave. */
  readonly ignore?: readonly { readonly rule: string; readonly files: string; readonly reason: string }[];
  /** The PostgreSQL major version to lint for when neither `--pg-version` nor a server says. */
  readonly pgVersion?: number;
}
