import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { main } from './main.ts';

/**
 * The demo: starts an embedded PostgreSQL, seeds `users` and `orders`, applies the example expand
 * migrations with `zerodown up` and prints `zerodown status`.
 */
export async function runDemo(_argv: string[]): Promise<number> {
  process.stderr.write('starting an embedded PostgreSQL...\n');
  const server = await startEmbeddedPostgres();
  try {
    const client = new pg.Client(server.url);
    await client.connect();
    await client.query(`
      CREATE TABLE users (id bigserial PRIMARY KEY, username text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, 1000) g;
      CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint NOT NULL, total numeric(12, 2) NOT NULL);
      INSERT INTO orders (user_id, total) SELECT 1 + g % 1000, g FROM generate_series(1, 1000) g;`);
    await client.end();
    const common = ['--database-url', server.url, '--migrations', 'migrations'];
    for (const args of [['up', '--phase', 'expand'], ['status']]) {
      process.stderr.write(`\n$ zerodown ${args.join(' ')}\n`);
      const code = await main(['node', 'zerodown', ...args, ...common]);
      if (code !== 0) return code;
    }
    return 0;
  } finally {
    await server.stop();
  }
}
