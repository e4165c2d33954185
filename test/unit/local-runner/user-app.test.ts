import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveUserApp } from '../../../cli/local-runner/user-app.ts';
import { InvalidInput, ZerodownError } from '../../../core/errors.ts';

// Which state machine `zerodown run --local` runs: --template, --app (a command or a cloud assembly
// directory), ./cdk.json, and --state-machine among several. Real files and real child processes.
let dir: string;
const machine = (path: string) => ({
  Type: 'AWS::StepFunctions::StateMachine',
  Properties: { DefinitionString: '{}' },
  Metadata: { 'aws:cdk:path': `${path}/Resource` },
});
const twoMachines = {
  Resources: { BlueSM1: machine('Shop/Blue/StateMachine'), GreenSM2: machine('Shop/Green/StateMachine') },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zerodown-user-app-'));
  await writeFile(join(dir, 'two.json'), JSON.stringify(twoMachines));
  await writeFile(join(dir, 'none.json'), JSON.stringify({ Resources: {} }));
  // a cloud assembly as cdk synth writes it
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        Shop: { type: 'aws:cloudformation:stack', properties: { templateFile: 'two.json' } },
      },
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the app run --local synthesizes', () => {
  it('is none without --app, --template or ./cdk.json: the caller falls back to the example app', async () => {
    expect(await resolveUserApp({ cwd: dir })).toBeUndefined();
  });

  it('chooses among several state machines by logical id or construct path, and lists them otherwise', async () => {
    const byId = await resolveUserApp({ cwd: dir, template: 'two.json', stateMachine: 'GreenSM2' });
    expect(byId?.stateMachine).toBe('GreenSM2');
    const byPath = await resolveUserApp({ cwd: dir, template: 'two.json', stateMachine: 'Shop/Blue' });
    expect(byPath?.stateMachine).toBe('BlueSM1');
    expect(byPath?.description).toBe(
      'the template two.json, stack two.json, state machine Shop/Blue/StateMachine',
    );
    await expect(resolveUserApp({ cwd: dir, template: 'two.json' })).rejects.toThrow(
      /has 2 state machines: choose one with --state-machine .*BlueSM1 \(Shop\/Blue\/StateMachine\), GreenSM2/,
    );
    await expect(resolveUserApp({ cwd: dir, template: 'two.json', stateMachine: 'Red' })).rejects.toThrow(
      /--state-machine Red: the template two.json has no such state machine/,
    );
    await expect(resolveUserApp({ cwd: dir, template: 'none.json' })).rejects.toThrow(InvalidInput);
  });

  it('reads a cloud assembly directory given as --app, as cdk does', async () => {
    const app = await resolveUserApp({ cwd: dir, app: '.', stateMachine: 'BlueSM1' });
    expect(app?.description).toBe('the app ".", stack Shop, state machine Shop/Blue/StateMachine');
  });

  it("runs ./cdk.json's app with CDK_OUTDIR, and says so when the app fails", async () => {
    const project = await mkdtemp(join(dir, 'project-'));
    // an "app" that writes the assembly where CDK_OUTDIR says, as a CDK app does
    await writeFile(
      join(project, 'app.mjs'),
      `import { writeFileSync } from 'node:fs';
       const out = process.env.CDK_OUTDIR;
       const context = JSON.parse(process.env.CDK_CONTEXT_JSON);
       if (context['aws:cdk:bundling-stacks'].length !== 0) process.exit(3);
       writeFileSync(out + '/t.json', ${JSON.stringify(JSON.stringify(twoMachines))});
       writeFileSync(out + '/manifest.json', JSON.stringify({ artifacts: { App: { type: 'aws:cloudformation:stack', displayName: 'App', properties: { templateFile: 't.json' } } } }));`,
    );
    await writeFile(join(project, 'cdk.json'), JSON.stringify({ app: `"${process.execPath}" app.mjs` }));
    const app = await resolveUserApp({ cwd: project, stateMachine: 'GreenSM2' });
    expect(app?.description).toMatch(
      /^the app of \.\/cdk\.json \(".*app\.mjs"\), stack App, state machine Shop\/Green\/StateMachine$/,
    );
    await writeFile(
      join(project, 'cdk.json'),
      JSON.stringify({ app: `"${process.execPath}" -e "process.exit(7)"` }),
    );
    await expect(resolveUserApp({ cwd: project })).rejects.toThrow(ZerodownError);
    await expect(resolveUserApp({ cwd: project })).rejects.toThrow(/exited with 7 .*or pass --template/);
  });
});
