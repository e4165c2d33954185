import { basename } from 'node:path';
import type pg from 'pg';
import { assertBackfillTargetsReachable } from '../backfill/preflight.ts';
import { InvalidInput } from '../errors.ts';
import { type LintConfig, lintBeforeApply } from '../lint/index.ts';
import type { Log } from '../log.ts';
import { compareVersions } from '../migrations/filename.ts';
import { assertInOrder, describeScript, pendingMigrations } from '../migrations/pending.ts';
import type { Migration, Phase } from '../migrations/types.ts';
import { assertNoDrift, readApplied } from '../state/records.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { readVersions } from '../state/versions.ts';
import { assertVersionedSchemaSupported } from '../versions/lifecycle.ts';
import { BASE_SCHEMA, versionSchemaName, versionSearchPath } from '../versions/names.ts';
import { describeShapes, newVersionShape } from '../versions/shape.ts';
import { contractsReleasedByGates, recordShippedContracts } from './release-contracts.ts';

/** What an execution was asked to do. */
export interface PlanRequest {
  readonly release: string;
  readonly executionId: string;
  readonly phases: readonly Phase[];
  /** Contract migrations a person names (versions, ids or file names). */
  readonly namedContracts?: readonly string[];
  /** The reason a person takes responsibility for lint errors. */
  readonly allowLintErrors?: string;
  readonly lintConfig?: LintConfig;
  /** Write nothing (no state schema, no shipped contracts); log the SQL that would run. */
  readonly dryRun?: boolean;
  /** Apply expand migrations older than applied ones (see `assertInOrder`). @default false */
  readonly outOfOrder?: boolean;
  /** Give the release a versioned schema of views (docs/versioned-schemas.md). @default false */
  readonly versionedSchema?: boolean;
  readonly log: Log;
}

/** The versions of a versioned release: the new one's schema, the old one's, and how the views differ. */
export interface VersionsPlan {
  /** The release whose version is the new one (a contract-only execution: the newest one it contracts). */
  readonly release: string;
  /** The new version's schema, `zd_<release>`. */
  readonly schema: string;
  /** What the new version connects with. */
  readonly searchPath: string;
  /** The old version's schema: the newest version still live, or the base schema. */
  readonly oldSchema: string;
  /** One line per table the new version sees differently (`users: without username`). */
  readonly views: string[];
}

/** A contract migration that stays pending in this execution, and why. */
export interface HeldBack {
  readonly id: string;
  readonly reason: string;
}

/** What an execution will apply: migration ids (`<version>.<phase>`) only, never file contents. */
export interface ExecutionPlan {
  readonly release: string;
  readonly executionId: string;
  readonly expand: string[];
  readonly backfill: string[];
  readonly contract: string[];
  /** Pending contract migrations this release ships (what its beforeContract gate releases). */
  readonly shippedContracts: string[];
  readonly heldBack: HeldBack[];
  /** A contract-only execution: contracts are limited to those released through a gate or named. */
  readonly contractOnly: boolean;
  /** Recorded with each migration applied when a person overrode lint errors. */
  readonly lintOverride?: string;
  /** A versioned release: its versions; undefined otherwise. */
  readonly versions?: VersionsPlan;
}

/**
 * The versions of a versioned release, refused on a server without `security_invoker` views: the new
 * version's schema and search_path, the old version's schema, and the views' differences from the
 * tables, read from the pending contracts and two-way backfills.
 */
async function planVersions(
  client: pg.ClientBase,
  release: string,
  pending: readonly Migration[],
): Promise<VersionsPlan> {
  await assertVersionedSchemaSupported(client);
  const schema = versionSchemaName(release);
  const live = (await readVersions(client)).filter((v) => v.retiredAt === null && v.release !== release);
  return {
    release,
    schema,
    searchPath: versionSearchPath(release),
    oldSchema: live.at(-1)?.schema ?? BASE_SCHEMA,
    views: describeShapes(newVersionShape(pending.filter((m) => m.phase !== 'expand'))),
  };
}

/**
 * A contract-only execution (the schedule) applies contracts of releases that passed their gates: the
 * newest live version among those releases is the one kept, and the older ones are dropped first.
 */
async function contractedVersion(
  client: pg.ClientBase,
  contract: readonly string[],
  released: ReadonlyMap<string, string>,
): Promise<VersionsPlan | undefined> {
  const releases = new Set(contract.map((id) => released.get(id)));
  const live = (await readVersions(client)).filter((v) => v.retiredAt === null);
  const keep = live.filter((v) => releases.has(v.release)).at(-1);
  if (!keep) return undefined;
  return {
    release: keep.release,
    schema: keep.schema,
    searchPath: versionSearchPath(keep.release),
    oldSchema: live.filter((v) => v.createdAt < keep.createdAt).at(-1)?.schema ?? BASE_SCHEMA,
    views: [],
  };
}

function matchesName(migration: Migration, name: string): boolean {
  return (
    name === migration.version ||
    name === migration.id ||
    name === migration.file ||
    name === basename(migration.file) ||
    name === `${migration.version}_${migration.name}`
  );
}

function namedContracts(pending: readonly Migration[], names: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (const name of names) {
    const found = pending.find((m) => m.phase === 'contract' && matchesName(m, name));
    if (!found) {
      const list = pending.filter((m) => m.phase === 'contract').map((m) => m.file);
      throw new InvalidInput(
        `contract: "${name}" names no pending contract migration; pending: ${list.length > 0 ? list.join(', ') : 'none'}`,
      );
    }
    named.add(found.id);
  }
  return named;
}

/**
 * Plans an execution: refuses drift, selects the pending migrations of the requested phases, decides
 * which contract migrations may run (in a contract-only execution: only those a release shipped and
 * released through an approved `beforeContract` gate, or that a person names), lints what will be
 * applied (`LintFailed` unless overridden) and records the contracts this release ships.
 *
 * @example
 * const plan = await planExecution(client, migrations, { release: 'v42', executionId, phases: ['expand'], log });
 */
export async function planExecution(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  request: PlanRequest,
): Promise<ExecutionPlan> {
  const applied = await readApplied(client);
  assertNoDrift(migrations, applied);
  if (request.phases.includes('expand')) assertInOrder(migrations, applied, request);
  const pending = pendingMigrations(migrations, applied, { phases: ['expand', 'backfill', 'contract'] });
  const wants = (phase: Phase) => request.phases.includes(phase);
  const contractOnly = wants('contract') && !wants('expand') && !wants('backfill');
  const pendingContracts = pending.filter((m) => m.phase === 'contract');
  const named = namedContracts(pending, request.namedContracts ?? []);
  const released = contractOnly ? await contractsReleasedByGates(client) : new Map<string, string>();
  const pendingBackfills = pending.filter((m) => m.kind === 'backfill');
  const heldBack: HeldBack[] = [];
  const contract: string[] = [];
  for (const migration of pendingContracts) {
    // a contract removes what the old application still reads; its backfills must be complete first
    const unfinished = wants('backfill')
      ? undefined
      : pendingBackfills.find((b) => compareVersions(b.version, migration.version) <= 0);
    if (!wants('contract')) {
      heldBack.push({
        id: migration.id,
        reason:
          'the contract phase was not requested; a contract-only execution applies it once this release passes its beforeContract gate',
      });
    } else if (unfinished) {
      heldBack.push({ id: migration.id, reason: `the backfill ${unfinished.file} has not finished` });
    } else if (contractOnly && !named.has(migration.id) && !released.has(migration.id)) {
      heldBack.push({
        id: migration.id,
        reason: 'no release that ships it has passed its beforeContract gate, and nobody named it',
      });
    } else {
      contract.push(migration.id);
    }
  }
  const plan: ExecutionPlan = {
    release: request.release,
    executionId: request.executionId,
    expand: wants('expand') ? pending.filter((m) => m.phase === 'expand').map((m) => m.id) : [],
    backfill: wants('backfill') ? pendingBackfills.map((m) => m.id) : [],
    contract,
    shippedContracts: contractOnly ? [] : pendingContracts.map((m) => m.id),
    heldBack,
    contractOnly,
  };
  const toApply = [...plan.expand, ...plan.backfill, ...plan.contract];
  // a backfill naming a table or column nothing creates fails here, before the expand runs
  if (plan.backfill.length > 0) await assertBackfillTargetsReachable(client, pending);
  const versions = contractOnly
    ? await contractedVersion(client, contract, released)
    : request.versionedSchema
      ? await planVersions(client, request.release, pending)
      : undefined;
  if (versions && !contractOnly) {
    request.log.info(
      `versioned schema: the new version reads and writes ${versions.schema} (search_path ${versions.searchPath}), the old one ${versions.oldSchema}; views: ${versions.views.length > 0 ? versions.views.join('; ') : 'every table as it is'}`,
    );
  }
  const { lintOverride } = await lintBeforeApply(migrations, {
    pending: toApply,
    config: request.lintConfig,
    allowLintErrors: request.allowLintErrors,
    log: request.log,
  });
  for (const held of heldBack) request.log.info(`held back ${held.id}: ${held.reason}`);
  if (request.dryRun) {
    logDryRun(migrations, toApply, request.log);
    return { ...plan, lintOverride, versions };
  }
  if (plan.shippedContracts.length > 0) {
    await ensureStateSchema(client);
    await recordShippedContracts(client, {
      release: request.release,
      executionId: request.executionId,
      contracts: pendingContracts,
    });
  }
  return { ...plan, lintOverride, versions };
}

function logDryRun(migrations: readonly Migration[], ids: readonly string[], log: Log): void {
  const byId = new Map(migrations.map((m) => [m.id, m]));
  for (const id of ids) {
    const migration = byId.get(id)!;
    if (migration.kind === 'backfill') {
      log.info(`-- ${migration.file} (backfill of ${migration.spec.table}, in batches)`);
    } else {
      log.info(`-- ${migration.file} (${migration.phase})\n${describeScript(migration.up)}`);
    }
  }
}
