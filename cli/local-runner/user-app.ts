import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidInput, ZerodownError } from '../../core/errors.ts';

/** Where the state machine that runs locally comes from. */
export interface AppSource {
  /** `--app "<command>"` (as cdk), or a cloud assembly directory such as `cdk.out`. */
  readonly app?: string;
  /** `--template <file>`: a synthesized CloudFormation template. */
  readonly template?: string;
  /** `--state-machine <logical id or construct path>`, when the app has several. */
  readonly stateMachine?: string;
  /** Where `cdk.json` is looked for. @default process.cwd() */
  readonly cwd?: string;
}

/** The template to run, the state machine in it, and a line saying where both came from. */
export interface ResolvedApp {
  readonly template: object;
  readonly stateMachine: string;
  /** e.g. `the app of ./cdk.json ("npx tsx bin/app.ts"), stack ShopDb` */
  readonly description: string;
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are open-ended JSON
type Json = any;

interface Candidate {
  readonly template: Json;
  readonly stack: string;
  readonly logicalId: string;
  /** The construct path of the state machine (`aws:cdk:path` without its `/Resource`), when synthesized with it. */
  readonly path?: string;
}

function stateMachinesOf(template: Json, stack: string): Candidate[] {
  return Object.entries((template?.Resources ?? {}) as Record<string, Json>)
    .filter(([, resource]) => resource?.Type === 'AWS::StepFunctions::StateMachine')
    .map(([logicalId, resource]) => ({
      template,
      stack,
      logicalId,
      path: (resource.Metadata?.['aws:cdk:path'] as string | undefined)?.replace(/\/Resource$/, ''),
    }));
}

function matches(candidate: Candidate, wanted: string): boolean {
  const { logicalId, path } = candidate;
  if (logicalId === wanted) return true;
  if (path === undefined) return false;
  return path === wanted || `${path}/Resource` === wanted || path.startsWith(`${wanted}/`);
}

function choose(candidates: readonly Candidate[], wanted: string | undefined, where: string): Candidate {
  const name = (c: Candidate) => `${c.logicalId}${c.path ? ` (${c.path})` : ''}`;
  if (candidates.length === 0) throw new InvalidInput(`${where} has no AWS::StepFunctions::StateMachine`);
  const chosen = wanted === undefined ? candidates : candidates.filter((c) => matches(c, wanted));
  if (chosen.length === 1) return chosen[0]!;
  const list = candidates.map(name).join(', ');
  if (wanted === undefined) {
    throw new InvalidInput(
      `${where} has ${candidates.length} state machines: choose one with --state-machine <logical id or construct path> (${list})`,
    );
  }
  throw new InvalidInput(
    chosen.length === 0
      ? `--state-machine ${wanted}: ${where} has no such state machine (it has ${list})`
      : `--state-machine ${wanted} names ${chosen.length} state machines of ${where} (${chosen.map(name).join(', ')}): give the logical id or the whole construct path`,
  );
}

async function readJson(file: string, what: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInput(`${what} ${file} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(`${what} ${file} is not JSON: ${(error as Error).message}`);
  }
}

/** Every stack template of a cloud assembly directory (`manifest.json`, as `cdk synth` writes it). */
async function assemblyCandidates(dir: string): Promise<Candidate[]> {
  const manifest = await readJson(join(dir, 'manifest.json'), 'the cloud assembly manifest');
  const candidates: Candidate[] = [];
  for (const [name, artifact] of Object.entries((manifest.artifacts ?? {}) as Record<string, Json>)) {
    if (artifact?.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const template = await readJson(
        join(dir, artifact.properties.templateFile),
        `the template of stack ${name}`,
      );
      candidates.push(...stateMachinesOf(template, artifact.displayName ?? name));
    } else if (artifact?.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      // a Stage: its stacks are a nested assembly
      candidates.push(...(await assemblyCandidates(join(dir, artifact.properties.directoryName))));
    }
  }
  return candidates;
}

/**
 * Runs a CDK app command as the CDK CLI does: the app writes its cloud assembly to `CDK_OUTDIR`. Asset
 * bundling is skipped (`aws:cdk:bundling-stacks: []`): only the template is needed, and nothing is
 * built or deployed. The command's own output goes to stderr, so a JSON run's stdout stays JSON.
 */
async function synthesizeApp(command: string, cwd: string): Promise<Candidate[]> {
  const outdir = await mkdtemp(join(tmpdir(), 'zerodown-synth-'));
  try {
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(command, {
        cwd,
        shell: true,
        stdio: ['ignore', process.stderr, process.stderr],
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({
            'aws:cdk:bundling-stacks': [],
            // construct paths in the template, as the CDK CLI asks for: --state-machine can name one
            'aws:cdk:enable-path-metadata': true,
          }),
        },
      });
      child.once('error', fail);
      child.once('exit', (exitCode) => done(exitCode));
    });
    if (code !== 0) {
      throw new ZerodownError(
        `the CDK app "${command}" exited with ${code} (its output is above): fix it so that "cdk synth" works, or pass --template <template.json>`,
      );
    }
    if (!existsSync(join(outdir, 'manifest.json'))) {
      throw new ZerodownError(
        `the CDK app "${command}" wrote no cloud assembly: it must call app.synth() (a CDK app does by default when run by cdk)`,
      );
    }
    return await assemblyCandidates(outdir);
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/**
 * The state machine `zerodown run --local` runs: `--template <file>`, else `--app <command or cloud
 * assembly dir>`, else the `app` of `cdk.json` in the working directory, else none (the caller falls
 * back to the example app). `--state-machine` chooses among several, by logical id or construct path.
 *
 * @example
 * const resolved = await resolveUserApp({ cwd: process.cwd() }); // the app of ./cdk.json, if any
 */
export async function resolveUserApp(source: AppSource): Promise<ResolvedApp | undefined> {
  const cwd = source.cwd ?? process.cwd();
  if (source.template !== undefined && source.app !== undefined) {
    throw new InvalidInput('--template and --app name two apps: give one');
  }
  let candidates: Candidate[];
  let where: string;
  if (source.template !== undefined) {
    const file = resolve(cwd, source.template);
    candidates = stateMachinesOf(await readJson(file, '--template'), source.template);
    where = `the template ${source.template}`;
  } else {
    let command = source.app;
    where = `the app "${command}"`;
    if (command === undefined) {
      const cdkJson = join(cwd, 'cdk.json');
      if (!existsSync(cdkJson)) return undefined;
      command = (await readJson(cdkJson, 'cdk.json')).app;
      if (typeof command !== 'string' || command.trim() === '') {
        throw new InvalidInput(`${cdkJson} has no "app" command: add one, or pass --app or --template`);
      }
      where = `the app of ./cdk.json ("${command}")`;
    }
    const assembly = resolve(cwd, command);
    candidates =
      existsSync(assembly) && statSync(assembly).isDirectory()
        ? await assemblyCandidates(assembly)
        : await synthesizeApp(command, cwd);
  }
  const chosen = choose(candidates, source.stateMachine, where);
  return {
    template: chosen.template,
    stateMachine: chosen.logicalId,
    description: `${where}, stack ${chosen.stack}, state machine ${chosen.path ?? chosen.logicalId}`,
  };
}
