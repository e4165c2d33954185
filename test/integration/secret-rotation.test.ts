import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../cli/embedded-postgres.ts';
import { ENV } from '../../lambdas/aws/deps.ts';
import { awsTaskHandler } from '../../lambdas/aws/handler.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

// A rotated password, end to end: the real Powertools secrets provider and AWS SDK over HTTP to a
// stand-in Secrets Manager, a real task handler, and a PostgreSQL server that checks passwords (the
// embedded one: the shared test server may trust every login).
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rotation-test-AbCdEf';
let server: EmbeddedServer;
let secretsManager: Server;
let secretRequests = 0;
let current = { username: 'migrator', password: 'first-password-1' };

function startSecretsManager(): Promise<Server> {
  const http = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      secretRequests++;
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      const { port } = new URL(server.url);
      response.end(
        JSON.stringify({
          ARN: SECRET_ARN,
          Name: 'rotation-test',
          VersionId: `v${secretRequests}`,
          SecretString: JSON.stringify({
            host: '127.0.0.1',
            port: Number(port),
            dbname: 'postgres',
            ...current,
          }),
        }),
      );
    });
  });
  return new Promise((done) => http.listen(0, '127.0.0.1', () => done(http)));
}

async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  await asAdmin(`CREATE ROLE migrator LOGIN PASSWORD '${current.password}'`);
  secretsManager = await startSecretsManager();
}, 120_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((done) => secretsManager?.close(done));
  await server?.stop();
});

describe('a task after the database password was rotated', () => {
  it('reads the secret again on a refused login, once, and goes on; the password is never logged', async () => {
    const dir = await migrationsDir({ '1_t.sql': 'CREATE TABLE rotation_t (id bigint);' });
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('POWERTOOLS_DEV', 'true'); // Powertools logs to the global console, captured below
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example-secret-key');
    vi.stubEnv(
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`,
    );
    const lines: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi
        .spyOn(console, level)
        .mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    );
    try {
      const plan = awsTaskHandler('plan', {
        [ENV.secretArn]: SECRET_ARN,
        [ENV.tls]: 'disable',
        [ENV.migrationsDir]: dir,
        [ENV.secretMaxAgeSeconds]: '300',
      });
      const event = (n: number) => ({
        input: { release: `v${n}` },
        executionId: `arn:aws:states:eu-west-1:123456789012:execution:m:rotation-${n}`,
      });
      // GIVEN a warm task that read the secret and connected
      expect(await plan(event(1))).toMatchObject({ release: 'v1', expand: ['1.expand'] });
      expect(secretRequests).toBe(1);
      const old = current.password;
      // WHEN the password is rotated (the secret and the role), well inside the cache's 5 minutes
      current = { ...current, password: 'second-password-2' };
      await asAdmin(`ALTER ROLE migrator PASSWORD '${current.password}'`);
      // THEN the next call is refused with the cached password, reads the secret again and succeeds
      expect(await plan(event(2))).toMatchObject({ release: 'v2', expand: ['1.expand'] });
      expect(secretRequests).toBe(2);
      expect(lines.join('\n')).toMatch(/refused the login; reading the credentials again/);
      // and the one after that uses the new password from the cache
      expect(await plan(event(3))).toMatchObject({ release: 'v3' });
      expect(secretRequests).toBe(2);
      // a wrong password in the secret itself fails after one fresh read, naming no password
      current = { ...current, password: 'not-the-password-3' };
      await asAdmin(`ALTER ROLE migrator PASSWORD 'yet-another-password-4'`);
      const error = await plan(event(4)).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /cannot connect to postgres:\/\/migrator@127\.0\.0\.1:\d+\/postgres: password authentication failed/,
      );
      expect(secretRequests).toBe(3);
      const everything = `${lines.join('\n')}\n${(error as Error).message}`;
      for (const password of [old, 'second-password-2', 'not-the-password-3'])
        expect(everything).not.toContain(password);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
