import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '../../cli/main.ts';
import { WorkflowInputSchema } from '../../lambdas/input.ts';
import { workflowInputJsonSchema } from '../../lambdas/input-json-schema.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
// the files that run zerodown themselves (examples/github-workflow.yml runs it through action.yml)
const PIPELINE_FILES = ['action.yml', 'examples/gitlab-ci.yml', 'examples/kubernetes/migrations.yaml'];

/** Every YAML document of a file, parsed; a syntax error fails with the parser's message. */
function documents(path: string): unknown[] {
  return parseAllDocuments(read(path)).map((doc) => {
    expect(
      doc.errors.map((e) => e.message),
      path,
    ).toEqual([]);
    return doc.toJS();
  });
}

/** Every string in a document, and every list of strings joined (a container's `command: [...]`). */
function texts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) {
    const joined = value.every((v) => typeof v === 'string') ? [value.join(' ')] : [];
    return [...joined, ...value.flatMap(texts)];
  }
  if (value && typeof value === 'object') return Object.values(value).flatMap(texts);
  return [];
}

/** The arguments of each `zerodown` invocation in a shell text: `npx zerodown up --phase expand` -> [up, --phase, expand]. */
function invocations(text: string): string[][] {
  const found: string[][] = [];
  for (const segment of text.replace(/\\\n/g, ' ').split(/&&|\|\||[;|\n>()]/)) {
    const words = segment.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
    // `npx [--no-install] zerodown …`, or a segment that starts with it (not a name such as `name: zerodown`)
    const at = words.findIndex(
      (word, i) =>
        word === 'zerodown' &&
        (i === 0 ? words.length > 1 : /^(npx|--no-install|--yes)$/.test(words[i - 1]!)),
    );
    if (at >= 0) found.push(words.slice(at + 1));
  }
  return found;
}

/** What is wrong with one invocation: an unknown command, subcommand or option; empty when nothing. */
function problems(program: Command, args: readonly string[]): string[] {
  const [name, sub] = args;
  let command = program.commands.find((c) => c.name() === name);
  if (!command) return [`unknown command "${name}"`];
  if (command.commands.length > 0) {
    command = command.commands.find((c) => c.name() === sub);
    if (!command) return [`unknown command "${name} ${sub}"`];
  }
  const known = new Set(command.options.map((o) => o.long));
  return args
    .filter((a) => a.startsWith('--'))
    .map((a) => a.split('=')[0]!)
    .filter((flag) => !known.has(flag) && flag !== '--help')
    .map((flag) => `zerodown ${command!.name()} has no option ${flag}`);
}

describe('the pipeline files', () => {
  const program = buildProgram();

  it.each(PIPELINE_FILES)(
    '%s: parses, and every zerodown step names a command and options that exist',
    (path) => {
      const found = documents(path).flatMap(texts).flatMap(invocations);
      // each file runs zerodown somewhere (else the check checks nothing)
      expect(found.length, path).toBeGreaterThan(0);
      for (const args of found)
        expect(problems(program, args), `${path}: zerodown ${args.join(' ')}`).toEqual([]);
    },
  );

  it('the check catches a wrong command or option', () => {
    expect(problems(program, ['up', '--phaes', 'expand'])).toEqual(['zerodown up has no option --phaes']);
    expect(problems(program, ['gate', 'approv'])).toEqual(['unknown command "gate approv"']);
    expect(invocations('npx zerodown lint --format github || true')).toEqual([
      ['lint', '--format', 'github'],
    ]);
  });

  it('together they run each step of a release: lint, plan, start, gate approve and reject, up, backfill', () => {
    const used = new Set(
      PIPELINE_FILES.flatMap((p) => documents(p).flatMap(texts).flatMap(invocations)).map((args) =>
        args[0] === 'gate' ? `gate ${args[1]}` : args[0],
      ),
    );
    for (const step of ['lint', 'plan', 'start', 'gate approve', 'gate reject', 'up', 'backfill'])
      expect(used, step).toContain(step);
  });

  it('action.yml is a composite action whose steps use only its declared inputs', () => {
    const [action] = documents('action.yml') as [
      { inputs: Record<string, unknown>; runs: { using: string; steps: { run?: string; shell?: string }[] } },
    ];
    expect(action.runs.using).toBe('composite');
    // a composite step that runs a script must say its shell
    for (const step of action.runs.steps) if (step.run) expect(step.shell).toBe('bash');
    const referenced = [...read('action.yml').matchAll(/inputs\.([a-z-]+)/g)].map((m) => m[1]!);
    expect(referenced.filter((name) => !(name in action.inputs))).toEqual([]);
    // the example workflow gives the action only inputs it has, and commands it knows
    const [workflow] = documents('examples/github-workflow.yml') as [
      { jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }> },
    ];
    const uses = Object.values(workflow.jobs)
      .flatMap((job) => job.steps)
      .filter((step) => step.uses?.startsWith('zerodown/zerodown@'));
    expect(uses.length).toBe(4);
    for (const step of uses) {
      expect(Object.keys(step.with ?? {}).filter((name) => !(name in action.inputs))).toEqual([]);
      expect(['pull-request', 'start', 'approve', 'reject']).toContain(step.with?.command);
    }
  });

  it('the console input validates, and schemas/workflow-input.schema.json is generated from the input schema', () => {
    const input = JSON.parse(read('examples/console-input.json'));
    expect(WorkflowInputSchema.safeParse(input).success).toBe(true);
    expect(read('schemas/workflow-input.schema.json')).toBe(
      `${JSON.stringify(workflowInputJsonSchema(), null, 2)}\n`,
    );
    const schema = workflowInputJsonSchema() as {
      properties: Record<string, { description?: string }>;
      required: string[];
    };
    expect(Object.keys(input).filter((field) => !(field in schema.properties))).toEqual([]);
    expect(schema.required).toEqual(['release']);
    for (const [field, property] of Object.entries(schema.properties))
      expect(property.description, field).toBeTruthy();
  });
});
