import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { ExampleStack, type ExampleStackProps } from '../../infra/app.ts';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh app writing to its own temporary directory, with asset bundling skipped (fast). */
export function testApp(context: Record<string, unknown> = { 'aws:cdk:bundling-stacks': [] }): App {
  const outdir = mkdtempSync(join(tmpdir(), 'zerodown-cdk-'));
  outdirs.push(outdir);
  return new App({ context, outdir });
}

/** The example stack, synthesized without bundling. */
export function exampleTemplate(props: ExampleStackProps = {}): { stack: ExampleStack; template: Template } {
  const stack = new ExampleStack(testApp(), 'ZerodownExample', props);
  return { stack, template: Template.fromStack(stack) };
}

// biome-ignore lint/suspicious/noExplicitAny: ASL and CloudFormation are open-ended JSON
export type Json = any;

/**
 * The state machine definition of a template with every token rendered readably: a function ARN
 * becomes `<LogicalId.Arn>`, the partition `aws`.
 */
export function resolvedDefinition(template: Template): Json {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const machine = Object.values(machines)[0]!;
  const join = machine.Properties.DefinitionString['Fn::Join'];
  const text = join[1]
    .map((part: Json) => {
      if (typeof part === 'string') return part;
      if (part.Ref === 'AWS::Partition') return 'aws';
      if (part['Fn::GetAtt']) return `<${part['Fn::GetAtt'].join('.')}>`;
      if (part.Ref) return `<${part.Ref}>`;
      return `<${JSON.stringify(part)}>`;
    })
    .join(join[0]);
  return JSON.parse(text);
}

/** Every state of a definition by name, Map item processors included. */
export function allStates(definition: Json, found: Record<string, Json> = {}): Record<string, Json> {
  for (const [name, state] of Object.entries(definition.States as Record<string, Json>)) {
    found[name] = state;
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) allStates(processor, found);
  }
  return found;
}

/** Where a state can go next: Next, Default, Choices and Catch targets. */
export function transitions(state: Json): string[] {
  return [
    state.Next,
    state.Default,
    ...(state.Choices ?? []).map((c: Json) => c.Next),
    ...(state.Catch ?? []).map((c: Json) => c.Next),
  ].filter(Boolean);
}
