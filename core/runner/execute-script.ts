import type pg from 'pg';
import type { GuardedDb } from '../db/guarded.ts';
import {
  concurrentIndexTarget,
  dropInvalidIndexes,
  invalidIndexes,
  leftoverInvalidIndex,
} from '../detached/invalid-index.ts';
import { MigrationFailed, StatementError } from '../errors.ts';
import type { SqlScript } from '../migrations/types.ts';
import { endsTransaction, type SqlStatement } from '../sql/statements.ts';

/** Where a script comes from and what to do around it. */
export interface ScriptContext {
  readonly file: string;
  /** Runs inside the script's transaction just before COMMIT (transactional scripts), or after the last statement. */
  readonly finish: (client: pg.ClientBase) => Promise<void>;
  /**
   * Transactional scripts: the statement that records the script, sent with the COMMIT in one round
   * trip; given, it stands in for `finish` there.
   */
  readonly finishSql?: () => string;
  /** Non-transactional scripts: statements already applied by an earlier, interrupted attempt. */
  readonly skipStatements?: number;
  /** Non-transactional scripts: called after each statement commits, with how many are done. */
  readonly onStatementDone?: (done: number) => Promise<void>;
}

async function runStatement(client: pg.ClientBase, statement: SqlStatement): Promise<void> {
  try {
    await client.query(statement.sql);
  } catch (error) {
    throw new StatementError(statement, error);
  }
}

/**
 * CREATE INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY wait for every older transaction in the
 * database, and lock_timeout counts that wait: an unrelated long transaction would make them fail at
 * lock_timeout over and over. Their own lock (SHARE UPDATE EXCLUSIVE) lets the application read and
 * write, so a queue behind them blocks no traffic: they run without lock_timeout.
 */
export function waitsForOldTransactions(statement: SqlStatement): boolean {
  const { IndexStmt, DropStmt } = statement.node;
  return IndexStmt?.concurrent === true || DropStmt?.concurrent === true;
}

function toMigrationFailed(file: string, error: unknown, done?: string): unknown {
  if (!(error instanceof StatementError)) return error;
  const pgError = error.original as { code?: string; detail?: string; hint?: string };
  const detail = [pgError.detail, pgError.hint && `hint: ${pgError.hint}`].filter(Boolean).join('; ');
  return new MigrationFailed(
    file,
    `${file}:${error.statement.line}: ${error.message}${pgError.code ? ` (SQLSTATE ${pgError.code})` : ''}${detail ? ` — ${detail}` : ''}${done ? `; ${done}` : ''}`,
    { line: error.statement.line, cause: error.original },
  );
}

/**
 * A COMMIT or ROLLBACK in a script that runs in one transaction with its record would end that
 * transaction half way: what follows would run unrecorded, and a failure after it would leave the
 * migration half applied. Refused before anything runs (lint reports it too: `transaction-nesting`).
 */
function refuseTransactionEnd(file: string, script: SqlScript): void {
  const ender = script.statements.find(endsTransaction);
  if (!ender) return;
  throw new MigrationFailed(
    file,
    `${file}:${ender.line}: ${ender.sql.split(/\s/)[0]!.toUpperCase()} inside a migration that runs in one transaction with its record would end it half way, leaving what follows unrecorded; remove it (or mark the section transaction:false); nothing was applied`,
    { line: ender.line },
  );
}

/**
 * Runs a migration script under the guards: lock_timeout retry around each transaction (transactional
 * scripts) or each statement (non-transactional ones), and for CREATE INDEX CONCURRENTLY, INVALID
 * indexes left by a failed build are dropped before a retry or before the failure is reported.
 *
 * @example
 * await runScript(guard(client, { log }), migration.up, { file: migration.file, finish: (c) => recordApplied(c, migration, ...) });
 */
export async function runScript(db: GuardedDb, script: SqlScript, context: ScriptContext): Promise<void> {
  const { file } = context;
  const { client, log } = db;
  if (script.transaction) {
    refuseTransactionEnd(file, script);
    try {
      const { finishSql } = context;
      await db.transaction(
        file,
        async (tx) => {
          for (const statement of script.statements) await runStatement(tx, statement);
          if (!finishSql) await context.finish(tx);
        },
        finishSql ? { withCommit: finishSql } : undefined,
      );
    } catch (error) {
      throw toMigrationFailed(file, error);
    }
    return;
  }
  log.info(`${file} runs outside a transaction: ${script.noTransactionReason ?? 'requested'}`);
  const statements = script.statements;
  for (let index = context.skipStatements ?? 0; index < statements.length; index++) {
    const statement = statements[index]!;
    const target = concurrentIndexTarget(statement);
    const done =
      index > 0
        ? `statements 1-${index} of ${statements.length} are applied and recorded; rerun to resume`
        : undefined;
    try {
      if (target) await dropInvalidIndexes(db, await leftoverInvalidIndex(client, target));
      const before = target ? await invalidIndexes(client, target.table) : new Set<string>();
      const cleanUp = async () => {
        if (!target) return;
        const after = await invalidIndexes(client, target.table);
        await dropInvalidIndexes(
          db,
          [...after].filter((name) => !before.has(name)),
        );
      };
      try {
        await db.outsideTransaction(`${file}:${statement.line}`, (c) => runStatement(c, statement), {
          beforeRetry: cleanUp,
          noLockTimeout: waitsForOldTransactions(statement),
        });
      } catch (error) {
        // the guard turns a last lock_timeout into LockTimeout: every way out leaves no INVALID index
        await cleanUp().catch((e) => log.error(`could not drop INVALID index: ${e}`));
        throw error;
      }
      await context.onStatementDone?.(index + 1);
    } catch (error) {
      throw toMigrationFailed(file, error, done);
    }
  }
  await context.finish(client);
}
