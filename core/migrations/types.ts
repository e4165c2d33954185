import type { BackfillSpec } from '../backfill/spec.ts';
import type { SqlStatement } from '../sql/statements.ts';

/** The expand/contract phases, in the order they run. */
export const PHASES = ['expand', 'backfill', 'contract'] as const;
export type Phase = (typeof PHASES)[number];

/** SQL to run for one direction of a migration. */
export interface SqlScript {
  readonly statements: readonly SqlStatement[];
  /** false when the file says `transaction:false` or a statement cannot run in a transaction. */
  readonly transaction: boolean;
  /** Why the script runs outside a transaction, for logs. */
  readonly noTransactionReason?: string;
}

/** The down of a migration: a script, or the reason there is none. */
export type DownScript =
  | { readonly kind: 'script'; readonly script: SqlScript }
  | {
      readonly kind: 'irreversible';
      readonly reason: string;
      /**
       * The down section was written but the parser rejects it: the file still loads (its up and every
       * other file go on), lint reports it as an error at this line, and a rollback stops here with the reason.
       */
      readonly syntaxError?: { readonly line: number; readonly message: string };
    };

interface MigrationBase {
  /** `<version>.<phase>`: unique within a directory. */
  readonly id: string;
  readonly version: string;
  readonly name: string;
  readonly phase: Phase;
  /** Path relative to the working directory, for messages. */
  readonly file: string;
  readonly path: string;
  /** sha256 of the file's bytes, hex. */
  readonly checksum: string;
}

/** An expand or contract migration: SQL (dbmate sections) or a node-pg-migrate module compiled to SQL. */
export interface SchemaMigration extends MigrationBase {
  readonly kind: 'schema';
  readonly phase: 'expand' | 'contract';
  readonly format: 'sql' | 'node-pg-migrate';
  readonly up: SqlScript;
  readonly down: DownScript;
}

/** A declarative (or custom) backfill, run by the backfill engine. */
export interface BackfillMigration extends MigrationBase {
  readonly kind: 'backfill';
  readonly phase: 'backfill';
  readonly spec: BackfillSpec;
}

export type Migration = SchemaMigration | BackfillMigration;
