import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AslDefinition,
  extractStateMachine,
  localFunctionArn,
  type TemplateFunction,
} from '../../cli/local-runner/definition.ts';
import { UnfaithfulDefinition } from '../../cli/local-runner/errors.ts';
import { prepareDefinition } from '../../cli/local-runner/execute-state-machine.ts';
import { fidelityProblems } from '../../cli/local-runner/guard.ts';
import { toInlineMaps } from '../../cli/local-runner/inline-map.ts';
import { synthesizeExampleTemplate } from '../../cli/local-runner/run-release.ts';
import { TASK_NAMES } from '../../lambdas/task-handlers.ts';
import { tinyTemplate } from './support/tiny-stack.ts';

// The guard and the one transformation, on definitions CDK synthesizes and on hand-written ASL.
let template: object;
let distributedTemplate: object;
let readerTemplate: object;
let exampleTemplate: object;

beforeAll(async () => {
  exampleTemplate = await synthesizeExampleTemplate();
  template = tinyTemplate('inline');
  distributedTemplate = tinyTemplate('distributed');
  readerTemplate = tinyTemplate('distributed-with-reader');
}, 60_000);

const planArn = localFunctionArn('PlanFunction');
const functions = new Map<string, TemplateFunction>([
  [planArn, { logicalId: 'PlanFunction', arn: planArn, task: 'plan', timeoutSeconds: 30, environment: {} }],
]);
const lambdaTask = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: planArn, 'Payload.$': '$' },
  End: true,
  ...extra,
});
const machine = (states: Record<string, unknown>, extra: Record<string, unknown> = {}): AslDefinition => ({
  StartAt: Object.keys(states)[0]!,
  States: states,
  ...extra,
});

describe('definition extraction', () => {
  it('resolves every FunctionName to a template function that carries ZERODOWN_TASK', () => {
    const extracted = extractStateMachine(template);
    const plan = extracted.definition.States.Plan;
    expect(plan.Parameters.FunctionName).toMatch(
      /^arn:aws:lambda:local:000000000000:function:PlanFunction[0-9A-F]{8}$/,
    );
    expect(extracted.functions.get(plan.Parameters.FunctionName)).toMatchObject({
      task: 'plan',
      timeoutSeconds: 30,
    });
    expect(fidelityProblems(extracted.definition, extracted.functions)).toEqual([]);
  });

  it('refuses a template without exactly one state machine, saying which', () => {
    expect(() => extractStateMachine({ Resources: {} })).toThrow('has no AWS::StepFunctions::StateMachine');
  });
});

describe('fidelity guard', () => {
  it('passes the definition of the example stack, its Distributed Map made inline', () => {
    // the definition every scenario in test/workflow runs: it must stay runnable as it is deployed
    const machine = extractStateMachine(exampleTemplate);
    expect(toInlineMaps(machine.definition).refused).toEqual([]);
    expect(fidelityProblems(toInlineMaps(machine.definition).definition, machine.functions)).toEqual([]);
    expect(prepareDefinition(machine).transformedMaps).toEqual(['Backfill']);
    const tasks = [...machine.functions.values()].map((fn) => fn.task).filter(Boolean);
    // every task the handlers know has its function in the template, and no function names another
    expect(new Set(tasks)).toEqual(new Set(TASK_NAMES));
  });

  it('refuses JSONata, at the top or in a state', () => {
    expect(
      fidelityProblems(machine({ Plan: lambdaTask() }, { QueryLanguage: 'JSONata' }), functions),
    ).toEqual([{ path: '(top)', problem: 'QueryLanguage JSONata is not run locally' }]);
    expect(
      fidelityProblems(
        machine({ Plan: lambdaTask({ QueryLanguage: 'JSONata', Arguments: { a: '{% $x %}' } }) }),
        functions,
      ),
    ).toEqual([
      { path: 'Plan', problem: 'QueryLanguage JSONata is not run locally' },
      { path: 'Plan', problem: 'field Arguments (JSONata or workflow variables) is not run locally' },
    ]);
  });

  it('refuses workflow variables, unknown context paths and non-Lambda resources', () => {
    const problems = fidelityProblems(
      machine({
        A: lambdaTask({ Assign: { x: 1 }, End: undefined, Next: 'B' }),
        B: { Type: 'Pass', Parameters: { 'at.$': '$$.State.EnteredTime' }, Next: 'C' },
        C: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Parameters: {}, End: true },
      }),
      functions,
    );
    expect(problems.map((p) => `${p.path}: ${p.problem}`)).toEqual([
      'A: field Assign (JSONata or workflow variables) is not run locally',
      'B: context object path $$.State.EnteredTime is not supplied locally',
      'C: Resource arn:aws:states:::sns:publish is not a Lambda invocation (lambda:invoke or lambda:invoke.waitForTaskToken)',
    ]);
  });

  it('refuses a Lambda task whose function has no ZERODOWN_TASK handler', () => {
    const other = localFunctionArn('Other');
    const withOther = new Map<string, TemplateFunction>([
      ...functions,
      [other, { logicalId: 'Other', arn: other, task: undefined, timeoutSeconds: 3, environment: {} }],
    ]);
    expect(
      fidelityProblems(machine({ A: lambdaTask({ Parameters: { FunctionName: other } }) }), withOther),
    ).toEqual([{ path: 'A', problem: 'function Other has no ZERODOWN_TASK environment variable' }]);
  });

  it('refuses a Distributed Map that was not transformed, naming the nested path', () => {
    const { definition, functions: fns } = extractStateMachine(distributedTemplate);
    expect(fidelityProblems(definition, fns)).toEqual([
      {
        path: 'Backfill',
        problem: expect.stringContaining('Distributed Map runs locally only after toInlineMaps()'),
      },
    ]);
  });
});

describe('Distributed Map -> inline Map', () => {
  it('keeps everything but the processor mode and the distributed-only fields', () => {
    const { definition } = extractStateMachine(distributedTemplate);
    const inline = extractStateMachine(template).definition;
    const { definition: transformed, transformed: paths, refused } = toInlineMaps(definition);
    expect(paths).toEqual(['Backfill']);
    expect(refused).toEqual([]);
    // the whole state: exactly what CDK writes for the inline Map of the same stack
    expect(transformed.States.Backfill).toEqual(inline.States.Backfill);
    expect(definition.States.Backfill.ItemProcessor.ProcessorConfig).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
  });

  it('refuses a Distributed Map that reads its items from S3', () => {
    const extracted = extractStateMachine(readerTemplate);
    expect(toInlineMaps(extracted.definition).refused).toEqual([
      { path: 'Backfill', problem: 'Distributed Map with ItemReader cannot run as an inline Map' },
    ]);
    expect(() => prepareDefinition(extracted)).toThrow(UnfaithfulDefinition);
  });

  it('refuses a Distributed Map whose items read $$.Execution (the child execution in AWS)', () => {
    const definition = machine({
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'T',
          States: {
            T: lambdaTask({ Parameters: { FunctionName: planArn, Payload: { 'id.$': '$$.Execution.Id' } } }),
          },
        },
        End: true,
      },
    });
    expect(toInlineMaps(definition).refused[0]?.problem).toContain('reads $$.Execution');
  });
});
