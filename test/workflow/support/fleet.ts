import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { LocalRunEvent } from '../../../cli/local-runner/events.ts';
import type { LocalRunResult } from '../../../cli/local-runner/execute-state-machine.ts';
import { runFleetLocally, synthesizeExampleFleetTemplate } from '../../../cli/local-runner/run-fleet.ts';
import type { Log } from '../../../core/log.ts';
import type { FleetTarget } from '../../../lambdas/fleet-events.ts';
import { migrationsDir } from '../../support/migrations-dir.ts';

/** The tenant migrations of the fleet tests: a column with its backfill, a new table, and a contract. */
export const TENANT_MIGRATIONS: Record<string, string> = {
  '20260301000100_notes_title.sql':
    '-- migrate:up\nALTER TABLE notes ADD COLUMN title text;\n-- migrate:down\nALTER TABLE notes DROP COLUMN title;\n',
  '20260301000100_notes_title.backfill.json': JSON.stringify({
    table: 'notes',
    set: { title: 'upper(body)' },
    where: 'title IS NULL',
    batchSize: 50,
  }),
  '20260301000200_notes_archive.sql':
    '-- migrate:up\nCREATE TABLE notes_archive (id bigint PRIMARY KEY, title text);\n-- migrate:down\nDROP TABLE notes_archive;\n',
  '20260301000300_notes_drop_body.contract.sql': '-- migrate:up\nALTER TABLE notes DROP COLUMN body;\n',
};

/** Creating or dropping 50 databases on a loaded 2-core machine takes a while. */
const HOOK_TIMEOUT_MS = 300_000;

/** Rows every tenant starts with. */
export const TENANT_ROWS = 120;

/** A log that keeps the test output quiet. */
export const quietLog: Log = { info() {}, warn() {}, error() {}, debug() {} };

/** A fleet of fresh databases on the test server: each is a target, dropped after the file. */
export interface TestFleet {
  readonly targets: FleetTarget[];
  /** A client of a target's database (closed by the caller). */
  connect(target: FleetTarget): Promise<pg.Client>;
  /** Runs `sql` in every target (or the named ones). */
  each(sql: string, names?: readonly string[]): Promise<void>;
}

/**
 * Creates `size` target databases (`tenant-1` …) for the calling file, each with the app's `notes`
 * table and {@link TENANT_ROWS} rows, and drops them after it.
 */
export function useTestFleet(size: number): TestFleet {
  const serverUrl = inject('pgServerUrl');
  const prefix = `zd_fleet_${randomBytes(4).toString('hex')}`;
  const names = Array.from({ length: size }, (_, i) => `${prefix}_${i + 1}`);
  const urlOf = (database: string) => {
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const targets: FleetTarget[] = names.map((database, i) => ({
    name: `tenant-${i + 1}`,
    databaseUrl: urlOf(database),
  }));
  const connect = async (target: FleetTarget) => {
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    return client;
  };
  const fleet: TestFleet = {
    targets,
    connect,
    async each(sql, only) {
      for (const target of targets.filter((t) => !only || only.includes(t.name))) {
        const client = await connect(target);
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }
      }
    },
  };
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      for (const name of names) await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }, HOOK_TIMEOUT_MS);
  return fleet;
}

/** Resets every target to the app's starting point: no zerodown state, `notes` with its rows. */
export async function resetTenants(fleet: TestFleet): Promise<void> {
  // one target after the other: enough for 50 on a loaded machine
  await fleet.each(
    `DROP SCHEMA IF EXISTS zerodown CASCADE;
     DROP TABLE IF EXISTS notes, notes_archive;
     CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);
     INSERT INTO notes (body) SELECT 'note ' || g FROM generate_series(1, ${TENANT_ROWS}) g;`,
  );
}

/** The fleet template (synthesized once per file) and the tenant migrations directory. */
export function useFleetTemplate(): { template: object; migrations: string } {
  const handle = {} as { template: object; migrations: string };
  beforeAll(async () => {
    handle.migrations = await migrationsDir(TENANT_MIGRATIONS);
    handle.template = await synthesizeExampleFleetTemplate(handle.migrations);
  }, HOOK_TIMEOUT_MS);
  return handle;
}

/** A local fleet run with the states it entered and the events it emitted. */
export interface FleetRun {
  readonly result: LocalRunResult;
  readonly events: LocalRunEvent[];
  readonly entered: string[];
}

/** Runs the fleet's synthesized state machine locally over `targets`. */
export async function rollOut(
  setup: { template: object; migrations: string },
  targets: readonly FleetTarget[],
  input: { release: string; [field: string]: unknown },
  options: { approveGates?: boolean; maxConcurrency?: number; onEvent?: (event: LocalRunEvent) => void } = {},
): Promise<FleetRun> {
  const events: LocalRunEvent[] = [];
  const result = await runFleetLocally({
    template: setup.template,
    migrationsDir: setup.migrations,
    targets,
    input,
    approveGates: options.approveGates ?? true,
    maxConcurrency: options.maxConcurrency,
    log: quietLog,
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  const entered = events.flatMap((e) => (e.type === 'state-entered' ? [e.state] : []));
  return { result, events, entered };
}
