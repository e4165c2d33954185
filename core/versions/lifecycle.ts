import type pg from 'pg';
import { installSyncTrigger } from '../backfill/sync-trigger.ts';
import { describeTarget } from '../backfill/target.ts';
import { verifyBackfillTarget } from '../backfill/verify.ts';
import type { GuardedDb } from '../db/guarded.ts';
import { VersionedSchemaUnavailable } from '../errors.ts';
import type { Migration } from '../migrations/types.ts';
import { quoteIdent } from '../sql/identifiers.ts';
import { readApplied } from '../state/records.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { readVersions, recordRetired, recordVersion } from '../state/versions.ts';
import { BASE_SCHEMA, versionSchemaName } from './names.ts';
import { newVersionShape } from './shape.ts';
import { describeVersionViews, grantsSql, type VersionView, viewSql } from './views.ts';

/** PostgreSQL 15: `CREATE VIEW … WITH (security_invoker)`. */
const VIEWS_NEED = 150_000;

/**
 * Refuses a versioned schema on a server without `security_invoker` views (PostgreSQL 14 and older),
 * naming the server's version: without it the views would check the view owner's rights, not the app's,
 * and row-level security would not apply through them.
 *
 * @example
 * await assertVersionedSchemaSupported(client); // throws VersionedSchemaUnavailable on PostgreSQL 14
 */
export async function assertVersionedSchemaSupported(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ num: number; version: string }>(
    "SELECT current_setting('server_version_num')::int AS num, current_setting('server_version') AS version",
  );
  const { num, version } = rows[0]!;
  if (num < VIEWS_NEED) {
    throw new VersionedSchemaUnavailable(
      `versionedSchema needs PostgreSQL 15 or newer (its views are WITH (security_invoker), so grants and row-level security apply to the app's role); this server is PostgreSQL ${version}. Run the release without "versionedSchema" (two-way sync with "reverse" works on ${version.split('.')[0]}), or upgrade the server`,
    );
  }
}

/** Pending contract and backfill migrations: what the release still does after expand. */
async function pendingAfterExpand(client: pg.ClientBase, migrations: readonly Migration[]) {
  const applied = new Set((await readApplied(client)).map((a) => a.id));
  return migrations.filter((m) => m.phase !== 'expand' && !applied.has(m.id));
}

/**
 * Creates the new version of a release after its expand migrations: installs the two-way sync triggers
 * of its pending backfills with `reverse` (so the new version's first write is synced), then, in one
 * transaction, the schema `zd_<release>` with one `security_invoker` view per table of the base schema,
 * shaped as the release's contract will leave the table (see `newVersionShape`), the tables' grants on
 * the views, and its record in `zerodown.versions`. A retried expand creates it anew.
 *
 * @example
 * const { schema, views } = await createVersion(guard(client, { log }), migrations, { release: 'v42', executionId });
 */
export async function createVersion(
  db: GuardedDb,
  migrations: readonly Migration[],
  options: { release: string; executionId: string },
): Promise<{ schema: string; views: VersionView[] }> {
  const { client, log } = db;
  await assertVersionedSchemaSupported(client);
  await ensureStateSchema(client);
  const schema = versionSchemaName(options.release);
  const taken = (await readVersions(client)).find(
    (v) => v.schema === schema && v.release !== options.release,
  );
  if (taken) {
    throw new VersionedSchemaUnavailable(
      `release ${options.release} would have the schema ${schema}, which release ${taken.release} has already; name the release so that it maps to another schema (letters, digits and _ are kept, other characters become _)`,
    );
  }
  const pending = await pendingAfterExpand(client, migrations);
  for (const backfill of pending) {
    if (backfill.kind !== 'backfill' || !backfill.spec.reverse) continue;
    const target = await describeTarget(client, backfill);
    await verifyBackfillTarget(db, backfill, target);
    await installSyncTrigger(db, backfill, target);
  }
  const views = await describeVersionViews(client, newVersionShape(pending, BASE_SCHEMA), BASE_SCHEMA);
  const grants = await grantsSql(client, schema, BASE_SCHEMA, views);
  await db.transaction(`creating the schema ${schema} of release ${options.release}`, async (tx) => {
    await tx.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await tx.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    for (const view of views) await tx.query(viewSql(schema, BASE_SCHEMA, view));
    for (const grant of grants) await tx.query(grant);
    await recordVersion(tx, {
      release: options.release,
      schema,
      baseSchema: BASE_SCHEMA,
      executionId: options.executionId,
    });
  });
  log.info(
    `release ${options.release}: schema ${schema} created with ${views.length} view(s); the new version connects with search_path ${schema}, ${BASE_SCHEMA}`,
  );
  return { schema, views };
}

async function dropVersionSchema(
  db: GuardedDb,
  version: { release: string; schema: string },
  by: { executionId: string; because: 'contract' | 'rollback' },
): Promise<void> {
  await db.transaction(`dropping the schema ${version.schema} of release ${version.release}`, async (tx) => {
    await tx.query(`DROP SCHEMA IF EXISTS ${quoteIdent(version.schema)} CASCADE`);
    await recordRetired(tx, version.release, by);
  });
}

/**
 * Contract, after the gate: drops the schemas of the versions older than this release's (their
 * application version no longer runs) and records them retired; the base schema is never dropped.
 * Returns the dropped schemas. Nothing when the release has no version of its own.
 *
 * @example
 * await retireOlderVersions(guard(client, { log }), { release: 'v43', executionId }); // ['zd_v42']
 */
export async function retireOlderVersions(
  db: GuardedDb,
  options: { release: string; executionId: string },
): Promise<string[]> {
  const live = (await readVersions(db.client)).filter((v) => v.retiredAt === null);
  const mine = live.find((v) => v.release === options.release);
  if (!mine) return [];
  const older = live.filter((v) => v.release !== mine.release && v.createdAt <= mine.createdAt);
  for (const version of older) {
    await dropVersionSchema(db, version, { executionId: options.executionId, because: 'contract' });
    db.log.info(`dropped the schema ${version.schema} of the old version (release ${version.release})`);
  }
  return older.map((v) => v.schema);
}

/**
 * Rollback: drops the new version's schema (before the downs run: its views read the columns they
 * drop) and records it retired. The old version's schema, or the base schema, is left as it is.
 * Returns whether there was one to drop.
 *
 * @example
 * await dropVersion(guard(client, { log }), { release: 'v42', executionId });
 */
export async function dropVersion(
  db: GuardedDb,
  options: { release: string; executionId: string },
): Promise<boolean> {
  const version = (await readVersions(db.client)).find(
    (v) => v.release === options.release && v.retiredAt === null,
  );
  if (!version) return false;
  await dropVersionSchema(db, version, { executionId: options.executionId, because: 'rollback' });
  db.log.info(`dropped the schema ${version.schema} of release ${options.release} (the new version)`);
  return true;
}
