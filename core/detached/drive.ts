import type { ConnectionOptions } from '../db/connection.ts';
import type { GuardedDb } from '../db/guarded.ts';
import { MigrationFailed } from '../errors.ts';
import type { Log } from '../log.ts';
import type { SchemaMigration } from '../migrations/types.ts';
import { quoteIdent } from '../sql/identifiers.ts';
import type { SqlStatement } from '../sql/statements.ts';
import { countStatementStarts, recordEvent } from '../state/records.ts';
import { concurrentIndexTarget, dropInvalidIndexes } from './invalid-index.ts';
import {
  awaitLocalBuild,
  type DetachedStatement,
  type DetachedStatus,
  forgetLocalBuild,
  localBuildState,
  qualifiedIndexName,
  readDetached,
  startDetached,
} from './session.ts';

/** Builds of one statement this execution may start before giving up (sessions that vanished). */
export const MAX_BUILD_ATTEMPTS = 3;

/**
 * A detached statement (an index build or a constraint validation) still running when the caller's
 * budget ran out: the workflow waits and calls again.
 */
export interface DetachedReport {
  readonly migration: string;
  readonly file: string;
  readonly kind: 'index' | 'validate';
  /** The index being built, or the constraint being validated. */
  readonly name: string;
  readonly table: string;
  readonly phase: string | null;
  /** Percent of blocks (or tuples) done in the current phase, when PostgreSQL reports it. */
  readonly percent: number | null;
}

/** What driving a detached statement needs. */
export interface DriveOptions {
  readonly executionId: string;
  readonly log: Log;
  /** How the statement's own session connects. */
  readonly connection: ConnectionOptions;
  /** Called about every few seconds while waiting (the task renews its lease there). */
  readonly onWait?: () => Promise<void>;
  /** How often to look at a statement another process runs. @default 1000 */
  readonly pollMs?: number;
}

/** A relation in the parse tree (`{ schemaname?, relname }`). */
interface RangeVar {
  readonly schemaname?: string;
  readonly relname: string;
}

/** The constraint an `ALTER TABLE … VALIDATE CONSTRAINT` statement (and nothing else) validates. */
function validateTarget(statement: SqlStatement): { relation: RangeVar; constraint: string } | undefined {
  const body = statement.node.AlterTableStmt;
  const commands = body?.cmds ?? [];
  const command = commands[0]?.AlterTableCmd;
  if (commands.length !== 1 || command?.subtype !== 'AT_ValidateConstraint' || !command.name)
    return undefined;
  return { relation: body.relation ?? {}, constraint: command.name };
}

function qualified(relation: RangeVar): string {
  return relation.schemaname
    ? `${quoteIdent(relation.schemaname)}.${quoteIdent(relation.relname)}`
    : quoteIdent(relation.relname);
}

/**
 * The statements of a migration that run detached, on their own session without lock_timeout (their
 * waits for old transactions block no application traffic): named CREATE INDEX CONCURRENTLY (in a
 * migration outside a transaction, as it must be), and ALTER TABLE … VALIDATE CONSTRAINT in a migration
 * outside a transaction or alone in its migration (then running it alone is the same transaction).
 */
export function detachedStatements(migration: SchemaMigration): Map<number, DetachedStatement> {
  const targets = new Map<number, DetachedStatement>();
  const { statements } = migration.up;
  statements.forEach((statement, index) => {
    const key = `zerodown-build:${migration.version}:${migration.phase}:${index + 1}`.slice(0, 63);
    const validate = validateTarget(statement);
    if (validate && (!migration.up.transaction || statements.length === 1)) {
      targets.set(index, {
        kind: 'validate',
        key,
        table: qualified(validate.relation),
        tableName: [validate.relation.schemaname, validate.relation.relname].filter(Boolean).join('.'),
        name: validate.constraint,
        sql: statement.sql,
      });
      return;
    }
    const target = migration.up.transaction ? undefined : concurrentIndexTarget(statement);
    if (!target?.index) return; // unnamed: the runner builds it inline
    const relation = statement.node.IndexStmt?.relation ?? {};
    targets.set(index, {
      kind: 'index',
      key,
      table: target.table,
      tableName: [relation.schemaname, relation.relname].filter(Boolean).join('.'),
      name: target.index,
      sql: statement.sql,
    });
  });
  return targets;
}

/** The event that records each start of a statement on its own session (counted for attempts). */
const STARTED_EVENT = { index: 'index_build_started', validate: 'validation_started' } as const;

function report(
  migration: SchemaMigration,
  target: DetachedStatement,
  status: DetachedStatus,
): DetachedReport {
  const ratio =
    status.blocksTotal && status.blocksTotal > 0
      ? (status.blocksDone ?? 0) / status.blocksTotal
      : status.tuplesTotal && status.tuplesTotal > 0
        ? (status.tuplesDone ?? 0) / status.tuplesTotal
        : null;
  return {
    migration: migration.id,
    file: migration.file,
    kind: target.kind,
    name: target.name,
    table: target.tableName,
    phase: status.phase,
    percent: ratio === null ? null : Math.round(ratio * 1000) / 10,
  };
}

function buildFailed(
  migration: SchemaMigration,
  statement: number,
  target: DetachedStatement,
  error: Error,
): MigrationFailed {
  const line = migration.up.statements[statement]?.line;
  const code = (error as { code?: string }).code;
  const after =
    target.kind === 'index'
      ? 'the INVALID index it left was dropped'
      : `constraint ${target.name} stays NOT VALID (the application's writes are checked by it already); fix the rows that violate it, then run the release again`;
  return new MigrationFailed(
    migration.file,
    `${migration.file}:${line}: ${error.message}${code ? ` (SQLSTATE ${code})` : ''}; ${after}`,
    { line, cause: error },
  );
}

/**
 * The build's session went away (terminated, server restart or failover, network): the statement
 * itself did not fail, so it is started again rather than failing the migration.
 */
function sessionLost(error: Error): boolean {
  const code = (error as { code?: string }).code ?? '';
  return (
    ['57P01', '57P02', '57P03'].includes(code) ||
    code.startsWith('08') ||
    /Connection terminated|ECONNRESET|EPIPE|socket/i.test(error.message)
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Drives one detached statement (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT) to the end or until
 * the deadline: starts it on its own session when nothing runs it, waits on it, and starts it again
 * (dropping the INVALID index) when its session vanished; a statement that failed with an error fails
 * the migration. Returns `done`, or where it stands when the deadline came first.
 */
export async function driveDetached(
  db: GuardedDb,
  migration: SchemaMigration,
  statement: number,
  target: DetachedStatement,
  options: DriveOptions,
  deadline: number,
): Promise<'done' | DetachedReport> {
  const { client } = db;
  // a failed index build leaves an INVALID index to drop; a failed validation leaves a NOT VALID
  // constraint, which is where it started
  const dropInvalid = async () => {
    if (target.kind === 'index') await dropInvalidIndexes(db, [await qualifiedIndexName(client, target)]);
  };
  for (;;) {
    const local = localBuildState(target.key);
    if (local.state === 'running') {
      if (Date.now() >= deadline) return report(migration, target, await readDetached(client, target));
      await awaitLocalBuild(target.key, Math.min(5_000, deadline - Date.now()));
      await options.onWait?.();
      continue;
    }
    if (local.state === 'settled') {
      forgetLocalBuild(target.key);
      const status = await readDetached(client, target);
      if (local.error && !sessionLost(local.error)) {
        if (status.exists && !status.valid) await dropInvalid();
        throw buildFailed(migration, statement, target, local.error);
      }
      if (!local.error && status.valid) return 'done';
      if (local.error)
        options.log.warn(`the session running ${target.name} was lost: ${local.error.message}`);
    }
    const status = await readDetached(client, target);
    if (status.running) {
      if (Date.now() >= deadline) return report(migration, target, status);
      await sleep(Math.min(options.pollMs ?? 1_000, deadline - Date.now()));
      await options.onWait?.();
      continue;
    }
    const attempts = await countStatementStarts(client, {
      event: STARTED_EVENT[target.kind],
      migration,
      statement: statement + 1,
      executionId: options.executionId,
    });
    if (attempts.ever > 0 && status.valid) return 'done';
    if (status.exists && !status.valid) await dropInvalid();
    if (attempts.thisExecution >= MAX_BUILD_ATTEMPTS) {
      throw new MigrationFailed(
        migration.file,
        `${migration.file}:${migration.up.statements[statement]?.line}: ${target.kind === 'index' ? `the build of index ${target.name} ended without a valid index` : `the validation of constraint ${target.name} ended without validating it`} ${attempts.thisExecution} times and its sessions are gone (failover, terminated backend?); see the server log, then run the release again`,
      );
    }
    await recordEvent(client, {
      executionId: options.executionId,
      event: STARTED_EVENT[target.kind],
      migration,
      detail: `statement ${statement + 1} (line ${migration.up.statements[statement]?.line}): ${target.kind === 'index' ? 'index' : 'constraint'} ${target.name} on ${target.tableName}, attempt ${attempts.thisExecution + 1}`,
    });
    await startDetached(options.connection, target, options.log);
  }
}
