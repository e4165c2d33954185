import type pg from 'pg';
import type { ConnectionOptions } from '../db/connection.ts';
import { MigrationFailed } from '../errors.ts';
import type { SchemaMigration } from '../migrations/types.ts';
import { type AppliedResult, applySchemaMigration, type RunnerOptions } from '../runner/apply.ts';
import { runScript } from '../runner/execute-script.ts';
import { concurrentIndexTarget, dropInvalidIndexes } from '../runner/invalid-index.ts';
import { quoteIdent } from '../sql/identifiers.ts';
import type { SqlStatement } from '../sql/statements.ts';
import {
  clearPartialProgress,
  readPartialProgress,
  recordApplied,
  recordEvent,
  savePartialProgress,
} from '../state/records.ts';
import {
  awaitLocalBuild,
  forgetLocalBuild,
  type IndexBuildStatus,
  type IndexBuildTarget,
  localBuildState,
  qualifiedIndexName,
  readIndexBuild,
  startIndexBuild,
} from './build.ts';

/** Builds of one statement this execution may start before giving up (sessions that vanished). */
export const MAX_BUILD_ATTEMPTS = 3;

/**
 * An index build (or a constraint validation) still running when the task's budget ran out: the workflow
 * waits and calls again.
 */
export interface IndexBuildReport {
  readonly migration: string;
  readonly file: string;
  readonly kind: 'index' | 'validate';
  /** The index being built, or the constraint being validated. */
  readonly index: string;
  readonly table: string;
  readonly phase: string | null;
  /** Percent of blocks (or tuples) done in the current phase, when PostgreSQL reports it. */
  readonly percent: number | null;
}

/** How {@link applyWithIndexBuilds} ended: applied, or waiting for an index build. */
export type StepwiseResult =
  | { readonly status: 'applied'; readonly result: AppliedResult }
  | { readonly status: 'building'; readonly build: IndexBuildReport };

/** Options of {@link applyWithIndexBuilds}. */
export interface StepwiseOptions extends RunnerOptions {
  /** How builder sessions connect. */
  readonly connection: ConnectionOptions;
  /** Time this call may spend waiting on a build before returning `building`. */
  readonly budgetMs: number;
  /** Called about every few seconds while waiting (the task renews its lease there). */
  readonly onWait?: () => Promise<void>;
  /** How often to look at a build of another process. @default 1000 */
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
 * The statements of a migration that run on their own session: named CREATE INDEX CONCURRENTLY (in a
 * migration outside a transaction, as it must be), and ALTER TABLE … VALIDATE CONSTRAINT in a migration
 * outside a transaction or alone in its migration (then running it alone is the same transaction).
 */
export function indexBuildTargets(migration: SchemaMigration): Map<number, IndexBuildTarget> {
  const targets = new Map<number, IndexBuildTarget>();
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
        index: validate.constraint,
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
      index: target.index,
      sql: statement.sql,
    });
  });
  return targets;
}

/** The event that records each start of a statement on its own session (counted for attempts). */
const STARTED_EVENT = { index: 'index_build_started', validate: 'validation_started' } as const;

async function buildAttempts(
  client: pg.ClientBase,
  migration: SchemaMigration,
  statement: number,
  target: IndexBuildTarget,
  executionId: string,
): Promise<{ ever: number; thisExecution: number }> {
  const { rows } = await client.query<{ ever: string; mine: string }>(
    `SELECT count(*) AS ever, count(*) FILTER (WHERE execution_id = $4) AS mine FROM zerodown.events
      WHERE event = $5 AND version = $1 AND phase = $2 AND detail LIKE $3`,
    [
      migration.version,
      migration.phase,
      `statement ${statement} (%`,
      executionId,
      STARTED_EVENT[target.kind],
    ],
  );
  return { ever: Number(rows[0]?.ever ?? 0), thisExecution: Number(rows[0]?.mine ?? 0) };
}

function report(
  migration: SchemaMigration,
  target: IndexBuildTarget,
  status: IndexBuildStatus,
): IndexBuildReport {
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
    index: target.index,
    table: target.tableName,
    phase: status.phase,
    percent: ratio === null ? null : Math.round(ratio * 1000) / 10,
  };
}

function buildFailed(
  migration: SchemaMigration,
  statement: number,
  target: IndexBuildTarget,
  error: Error,
): MigrationFailed {
  const line = migration.up.statements[statement]?.line;
  const code = (error as { code?: string }).code;
  const after =
    target.kind === 'index'
      ? 'the INVALID index it left was dropped'
      : `constraint ${target.index} stays NOT VALID (the application's writes are checked by it already); fix the rows that violate it, then run the release again`;
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
 * Drives one CREATE INDEX CONCURRENTLY to the end or until the deadline: starts it on its own session
 * when nothing builds it, waits on it, and restarts it (dropping the INVALID index) when its session
 * vanished; a build that failed with an error fails the migration.
 */
async function driveBuild(
  client: pg.ClientBase,
  migration: SchemaMigration,
  statement: number,
  target: IndexBuildTarget,
  options: StepwiseOptions,
  deadline: number,
): Promise<'built' | IndexBuildReport> {
  // a failed index build leaves an INVALID index to drop; a failed validation leaves a NOT VALID
  // constraint, which is where it started
  const dropInvalid = async () => {
    if (target.kind === 'index')
      await dropInvalidIndexes(client, [await qualifiedIndexName(client, target)], options.log);
  };
  for (;;) {
    const local = localBuildState(target.key);
    if (local.state === 'running') {
      if (Date.now() >= deadline) return report(migration, target, await readIndexBuild(client, target));
      await awaitLocalBuild(target.key, Math.min(5_000, deadline - Date.now()));
      await options.onWait?.();
      continue;
    }
    if (local.state === 'settled') {
      forgetLocalBuild(target.key);
      const status = await readIndexBuild(client, target);
      if (local.error && !sessionLost(local.error)) {
        if (status.exists && !status.valid) await dropInvalid();
        throw buildFailed(migration, statement, target, local.error);
      }
      if (!local.error && status.valid) return 'built';
      if (local.error)
        options.log.warn(`the session building ${target.index} was lost: ${local.error.message}`);
    }
    const status = await readIndexBuild(client, target);
    if (status.running) {
      if (Date.now() >= deadline) return report(migration, target, status);
      await sleep(Math.min(options.pollMs ?? 1_000, deadline - Date.now()));
      await options.onWait?.();
      continue;
    }
    const attempts = await buildAttempts(client, migration, statement + 1, target, options.executionId);
    if (attempts.ever > 0 && status.valid) return 'built';
    if (status.exists && !status.valid) await dropInvalid();
    if (attempts.thisExecution >= MAX_BUILD_ATTEMPTS) {
      throw new MigrationFailed(
        migration.file,
        `${migration.file}:${migration.up.statements[statement]?.line}: ${target.kind === 'index' ? `the build of index ${target.index} ended without a valid index` : `the validation of constraint ${target.index} ended without validating it`} ${attempts.thisExecution} times and its sessions are gone (failover, terminated backend?); see the server log, then run the release again`,
      );
    }
    await recordEvent(client, {
      executionId: options.executionId,
      event: STARTED_EVENT[target.kind],
      migration,
      detail: `statement ${statement + 1} (line ${migration.up.statements[statement]?.line}): ${target.kind === 'index' ? 'index' : 'constraint'} ${target.index} on ${target.tableName}, attempt ${attempts.thisExecution + 1}`,
    });
    await startIndexBuild(options.connection, target, options.log);
  }
}

/**
 * Applies an expand or contract migration whose named CREATE INDEX CONCURRENTLY statements may outlive
 * the task: each build runs on its own session (see build.ts); when `budgetMs` is spent before it ends,
 * returns `building` with its progress, and a later call (the workflow's poll loop) resumes: it finds the
 * build running, finished (valid index) or gone (restarted). Other statements run under the runner's
 * guards; progress is saved after each, as the runner does. Migrations without such statements are
 * applied by the runner as they are.
 *
 * @example
 * const outcome = await applyWithIndexBuilds(client, migration, { executionId, log, connection, budgetMs: 600_000 });
 * if (outcome.status === 'building') return { done: false, building: outcome.build };
 */
export async function applyWithIndexBuilds(
  client: pg.ClientBase,
  migration: SchemaMigration,
  options: StepwiseOptions,
): Promise<StepwiseResult> {
  const targets = indexBuildTargets(migration);
  if (targets.size === 0 || options.dryRun) {
    return { status: 'applied', result: await applySchemaMigration(client, migration, options) };
  }
  const started = performance.now();
  const deadline = Date.now() + options.budgetMs;
  const statements = migration.up.statements;
  let done = await readPartialProgress(client, migration);
  while (done < statements.length) {
    const target = targets.get(done);
    if (target) {
      const outcome = await driveBuild(client, migration, done, target, options, deadline);
      if (outcome !== 'built') return { status: 'building', build: outcome };
      options.log.info(
        `${migration.file}: ${target.kind === 'index' ? `index ${target.index} is built and valid` : `constraint ${target.index} is validated`}`,
      );
      done += 1;
      await savePartialProgress(client, migration, done, options.executionId);
      continue;
    }
    let next = done;
    while (next < statements.length && !targets.has(next)) next++;
    await runScript(
      client,
      {
        statements: statements.slice(0, next),
        transaction: false,
        noTransactionReason: migration.up.noTransactionReason,
      },
      {
        file: migration.file,
        log: options.log,
        retry: options.retry,
        skipStatements: done,
        onStatementDone: (count) => savePartialProgress(client, migration, count, options.executionId),
        finish: async () => undefined,
      },
    );
    done = next;
  }
  const durationMs = performance.now() - started;
  await recordApplied(client, migration, {
    executionId: options.executionId,
    durationMs,
    lintOverride: options.lintOverride,
  });
  await clearPartialProgress(client, migration);
  options.log.info(`applied ${migration.file}`, { file: migration.file, durationMs });
  return {
    status: 'applied',
    result: { id: migration.id, file: migration.file, phase: migration.phase, durationMs },
  };
}
