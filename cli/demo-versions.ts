import pg from 'pg';
import { versionedConnection } from '../core/versions/names.ts';

/** What one application version wrote in the demo, for the check at the end. */
interface VersionWrites {
  inserts: number;
  updates: number;
  /** Row id -> the display name this version last gave it (inserts and updates). */
  readonly expected: Map<string, string>;
}

/** One version's writer: inserts a user and renames another, in a loop on its own connection. */
function versionWriter(
  config: pg.ClientConfig,
  columnName: 'username' | 'display_name',
  label: string,
  ids: { from: number; count: number },
) {
  const writes: VersionWrites = { inserts: 0, updates: 0, expected: new Map() };
  let running = true;
  const done = (async () => {
    const client = new pg.Client({ ...config, application_name: `demo-${label}-version` });
    await client.connect();
    try {
      for (let n = 0; running; n++) {
        const inserted = await client.query<{ id: string }>(
          `INSERT INTO users (${columnName}) VALUES ($1) RETURNING id`,
          [`${label}-${n}`],
        );
        writes.inserts++;
        writes.expected.set(inserted.rows[0]!.id, `${label}-${n}`);
        const id = String(ids.from + ((n * 7919) % ids.count));
        const updated = await client.query(`UPDATE users SET ${columnName} = $2 WHERE id = $1`, [
          id,
          `${label}-renamed-${n}`,
        ]);
        if (updated.rowCount === 1) {
          writes.updates++;
          writes.expected.set(id, `${label}-renamed-${n}`);
        }
      }
    } finally {
      await client.end();
    }
  })();
  done.catch(() => undefined); // reported by stop()
  return {
    writes,
    stop: async () => {
      running = false;
      await done;
      return writes;
    },
  };
}

/**
 * The demo's two application versions during a versioned release: the old one writes `username` on
 * the tables (its search_path is the default), the new one writes `display_name` through the views of
 * `zd_<release>`. They rename disjoint halves of the first `rows` users, so each row's expected final
 * name is known.
 *
 * @example
 * const writers = startVersionWriters(url, 'demo', 100_000);
 * const old = await writers.old.stop(); // before contract drops username
 */
export function startVersionWriters(url: string, release: string, rows: number) {
  const half = Math.floor(rows / 2);
  return {
    old: versionWriter({ connectionString: url }, 'username', 'old', { from: 1, count: half }),
    new: versionWriter(versionedConnection({ connectionString: url }, release), 'display_name', 'new', {
      from: half + 1,
      count: half,
    }),
  };
}

/** Every row either version wrote, read back through the new version's display_name: how many are missing or wrong. */
export async function checkVersionWrites(
  client: pg.ClientBase,
  writes: readonly VersionWrites[],
): Promise<{ checked: number; missing: number; wrong: number }> {
  const expected = new Map(writes.flatMap((w) => [...w.expected]));
  const { rows } = await client.query<{ id: string; display_name: string }>(
    'SELECT id::text, display_name FROM users WHERE id = ANY ($1::bigint[])',
    [[...expected.keys()]],
  );
  const found = new Map(rows.map((r) => [r.id, r.display_name]));
  let missing = 0;
  let wrong = 0;
  for (const [id, name] of expected) {
    if (!found.has(id)) missing++;
    else if (found.get(id) !== name) wrong++;
  }
  return { checked: expected.size, missing, wrong };
}
