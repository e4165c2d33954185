import pg from 'pg';
import { inject } from 'vitest';

/**
 * The test server's `server_version_num` (150004 for 15.4), read once at collection, so a file can
 * skip what its server cannot do: `describe.skipIf((await serverVersionNum()) < 150000)`.
 */
export async function serverVersionNum(): Promise<number> {
  const client = new pg.Client({ connectionString: inject('pgServerUrl') });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    return Number(rows[0]!.v);
  } finally {
    await client.end();
  }
}
