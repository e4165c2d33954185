import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExampleStack } from '../../infra/app.ts';
import { runNode } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

// The one test that bundles: the example app synthesized with the local esbuild (no Docker), then the
// Plan function's bundle run on its own, as Lambda runs it (working directory = the bundle, the AWS SDK
// from outside the bundle), with Secrets Manager answered over HTTP by a stand-in and real PostgreSQL.
const db = useFreshDatabase();
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation is open-ended JSON
type Json = any;
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bundle-test-AbCdEf';

let outdir: string;
let template: Json;
let secretsManager: Server;
let secretRequests: { target: string; body: Json }[] = [];
let password: string;

/** A stand-in for the Secrets Manager endpoint (JSON 1.1 protocol), answering GetSecretValue. */
function startSecretsManager(secretString: string): Promise<Server> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      secretRequests.push({ target: String(request.headers['x-amz-target']), body: JSON.parse(body) });
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(
        JSON.stringify({ ARN: SECRET_ARN, Name: 'bundle-test', SecretString: secretString, VersionId: 'v1' }),
      );
    });
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

async function runBundle(
  assetDir: string,
  environment: Record<string, string>,
  event: unknown,
): Promise<Json> {
  const script = `
    const { handler } = await import(${JSON.stringify(join(assetDir, 'index.mjs'))});
    const context = { awsRequestId: 'r-1', functionName: 'plan', getRemainingTimeInMillis: () => 300000 };
    try { process.stdout.write(JSON.stringify({ result: await handler(${JSON.stringify(event)}, context) })); }
    catch (error) { process.stdout.write(JSON.stringify({ error: { name: error.name, message: error.message } })); }`;
  const { stdout, stderr } = await runNode(['--input-type=module', '-e', script], {
    cwd: assetDir,
    env: { PATH: process.env.PATH, ...environment },
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return { ...JSON.parse(last), logs: stdout, stderr };
  } catch {
    throw new Error(`the bundle printed no result:\n${stdout}\n${stderr}`);
  }
}

beforeAll(async () => {
  const dir = await migrationsDir({
    '20260301000000_users_nickname.ts': [
      "import type { MigrationBuilder } from 'node-pg-migrate';",
      'export const up = (pgm: MigrationBuilder): void => {',
      "  pgm.addColumn('users', { nickname: { type: 'text' } });",
      '};',
    ].join('\n'),
    '20260301000000_users_nickname.backfill.ts':
      "const spec: { table: string; set: Record<string, string> } = { table: 'users', set: { nickname: 'username' } };\nexport default spec;\n",
  });
  await copyFile(
    resolve('migrations/20260101000100_users_display_name.sql'),
    join(dir, '20260101000100_users_display_name.sql'),
  );
  // inside node_modules: the bundle finds the AWS SDK there, as the Lambda runtime provides it
  mkdirSync(resolve('node_modules/.cache'), { recursive: true });
  outdir = mkdtempSync(resolve('node_modules/.cache/zerodown-bundle-'));
  const app = new App({ outdir });
  const stack = new ExampleStack(app, 'ZerodownExample', { migrationsDir: dir });
  template = app.synth().getStackByName(stack.stackName).template;
  const url = new URL(db.url);
  // a trust-auth server ignores it; either way it must not show anywhere
  password = decodeURIComponent(url.password) || 'bundle-test-password-never-logged';
  secretsManager = await startSecretsManager(
    JSON.stringify({
      host: url.hostname,
      port: Number(url.port || 5432),
      username: decodeURIComponent(url.username),
      password,
      dbname: url.pathname.slice(1),
    }),
  );
}, 180_000);

afterAll(async () => {
  secretsManager?.close();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function taskFunctions(): [string, Json][] {
  return Object.entries(template.Resources as Record<string, Json>).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.ZERODOWN_TASK,
  );
}

describe('the task bundles', () => {
  it('hold the handler, the parser WASM, the migrations as they are and the modules compiled', () => {
    expect(taskFunctions()).toHaveLength(10);
    for (const [, fn] of taskFunctions()) {
      const asset = join(outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      // no source map unless the sourceMaps prop asks for one
      expect(readdirSync(asset).sort()).toEqual(['index.mjs', 'libpg-query.wasm', 'migrations']);
      // the Node.js 22 runtime provides the AWS SDK v3; the handler stays under 1 MB
      expect(statSync(join(asset, 'index.mjs')).size).toBeLessThan(1_000_000);
      expect(readdirSync(join(asset, 'migrations', '.compiled')).sort()).toEqual([
        '20260301000000_users_nickname.backfill.ts.mjs',
        '20260301000000_users_nickname.ts.mjs',
      ]);
      expect(existsSync(join(asset, 'migrations', '20260301000000_users_nickname.ts'))).toBe(true);
    }
  });

  it('run the Plan task on their own: secret from Secrets Manager, migrations loaded and linted, plan returned', async () => {
    const [, plan] = taskFunctions().find(
      ([, fn]) => fn.Properties.Environment.Variables.ZERODOWN_TASK === 'plan',
    )!;
    const asset = join(outdir, `asset.${plan.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    const variables = Object.fromEntries(
      Object.entries(plan.Properties.Environment.Variables as Record<string, unknown>).filter(
        ([, v]) => typeof v === 'string',
      ),
    ) as Record<string, string>;
    secretRequests = [];
    const outcome = await runBundle(
      asset,
      {
        ...variables,
        ZERODOWN_DB_SECRET_ARN: SECRET_ARN,
        ZERODOWN_DB_TLS: 'disable',
        NODE_EXTRA_CA_CERTS: '',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'example-secret-key',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`,
      },
      { input: { release: 'v1' }, executionId: 'arn:aws:states:eu-west-1:123456789012:execution:m:bundle' },
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({
      release: 'v1',
      expand: ['20260101000100.expand', '20260301000000.expand'],
      backfill: ['20260301000000.backfill'],
      run: { expand: true, backfill: true, contract: false },
    });
    expect(secretRequests).toEqual([
      { target: 'secretsmanager.GetSecretValue', body: { SecretId: SECRET_ARN } },
    ]);
    const log = outcome.logs.split('\n').find((line: string) => line.includes('plan for v1'));
    expect(JSON.parse(log)).toMatchObject({
      level: 'INFO',
      service: 'zerodown',
      task: 'plan',
      release: 'v1',
    });
    expect(`${outcome.logs}${outcome.stderr}${JSON.stringify(outcome.result)}`).not.toContain(password);
  });
});
