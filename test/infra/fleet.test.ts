import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExampleFleetStack } from '../../infra/fleet-app.ts';
import { MigrationOrchestrator } from '../../infra/orchestrator.ts';
import { FLEET_TASK_NAMES, TASK_NAMES } from '../../lambdas/task-handlers.ts';
import { allStates, type Json, resolvedDefinition, testApp } from './synth.ts';

const TENANT_SECRETS = [
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tenants/a',
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tenants/b',
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tenants/c',
];

describe('MigrationOrchestrator in fleet mode', () => {
  let template: Template;
  let definition: Json;
  let states: Record<string, Json>;

  beforeAll(() => {
    // GIVEN the example fleet with three tenants' secrets, 6 targets at once and a 20 % budget
    const stack = new ExampleFleetStack(testApp(), 'Fleet', {
      targetSecretArns: TENANT_SECRETS,
      fleet: { maxConcurrency: 6, toleratedFailurePercentage: 20 },
    });
    template = Template.fromStack(stack);
    definition = resolvedDefinition(template);
    states = allStates(definition);
  });

  it('rolls each wave out as a Distributed Map: MaxConcurrency, the wave’s failure budget, child executions', () => {
    expect(definition.StartAt).toBe('FleetPlan');
    expect(states.FleetPlan.Parameters.Payload).toEqual({
      'input.$': '$',
      'executionId.$': '$$.Execution.Id',
      defaults: { toleratedFailurePercentage: 20 },
    });
    const { ItemProcessor, ...wave } = states.RolloutWave;
    expect(wave).toEqual({
      Type: 'Map',
      ItemsPath: '$.current.wave.targets',
      ItemSelector: {
        'target.$': '$$.Map.Item.Value',
        'executionId.$': '$$.Execution.Id',
        'input.$': '$.fleet.input',
      },
      MaxConcurrency: 6,
      ToleratedFailurePercentagePath: '$.current.wave.toleratedFailurePercentage',
      Label: 'RolloutWave',
      ResultPath: null,
      Next: 'NextWave',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'StopRollout' }],
    });
    expect(ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(ItemProcessor.StartAt).toBe('RecordTargetStarted');
    // the contract and the undo of the fleet are Distributed Maps over every target too
    for (const name of ['ContractFleet', 'UndoFleet']) {
      expect(states[name]).toMatchObject({
        Type: 'Map',
        ItemsPath: '$.fleet.targets',
        MaxConcurrency: 6,
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' } },
      });
    }
  });

  it('passes the target to every task of a target and never reads the child execution’s id', () => {
    for (const [name, state] of Object.entries(allStates(states.RolloutWave.ItemProcessor))) {
      if (state.Type !== 'Task') continue;
      // BackfillChunk gets its whole item, which the Backfill Map's ItemSelector gave the target
      if (name === 'BackfillChunk') expect(state.Parameters['Payload.$']).toBe('$');
      else expect(state.Parameters.Payload['target.$'], name).toBe('$.target');
      expect(JSON.stringify(state), name).not.toContain('$$.Execution');
    }
    expect(states.Backfill.ItemSelector['target.$']).toBe('$.target');
    expect(states.AcquireLock.Parameters.Payload).toEqual({
      'executionId.$': '$.executionId',
      'release.$': '$.plan.release',
      'target.$': '$.target',
    });
  });

  it('waits at one gate for the whole fleet, recorded in the first target, before contract', () => {
    expect(states.GateFleet).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        Payload: {
          'release.$': '$.fleet.release',
          gate: 'beforeContract',
          'target.$': '$.fleet.gateTarget',
        },
      },
      Next: 'ShouldContractFleet',
    });
    expect(Object.keys(states).filter((name) => name.startsWith('Gate'))).toEqual(['GateFleet']);
  });

  it('gives the task functions read access to the fleet’s secrets and no other', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Json[];
    const tasks = functions.map((fn) => fn.Properties.Environment?.Variables?.ZERODOWN_TASK).filter(Boolean);
    expect(tasks.sort()).toEqual([...TASK_NAMES, ...FLEET_TASK_NAMES].sort());
    expect(functions.every((fn) => !fn.Properties.Environment.Variables.ZERODOWN_DB_SECRET_ARN)).toBe(true);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Json[];
    const secretResources = new Set<string>();
    for (const policy of policies) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions = [statement.Action].flat();
        if (!actions.some((action: string) => action.startsWith('secretsmanager:'))) continue;
        for (const resource of [statement.Resource].flat()) secretResources.add(JSON.stringify(resource));
      }
    }
    // each secret by its partial ARN with the random suffix wildcard, nothing broader
    expect([...secretResources].sort()).toEqual(
      TENANT_SECRETS.map((arn) => JSON.stringify(`${arn}-??????`)).sort(),
    );
  });
});

describe('fleet props', () => {
  let stack: Stack;
  let vpc: ec2.Vpc;
  beforeEach(() => {
    stack = new Stack(testApp(), 'Props');
    vpc = new ec2.Vpc(stack, 'Vpc');
  });

  it('refuses a fleet without secrets, with a database secret, a bad MaxConcurrency or a contract schedule', () => {
    const secret = secretsmanager.Secret.fromSecretPartialArn(stack, 'S', TENANT_SECRETS[0]!);
    expect(() => new MigrationOrchestrator(stack, 'A', { vpc, fleet: { targetSecrets: [] } })).toThrow(
      /fleet.targetSecrets is empty/,
    );
    expect(
      () =>
        new MigrationOrchestrator(stack, 'B', {
          vpc,
          databaseSecret: secret,
          fleet: { targetSecrets: [secret] },
        }),
    ).toThrow(/not databaseSecret/);
    expect(
      () =>
        new MigrationOrchestrator(stack, 'C', { vpc, fleet: { targetSecrets: [secret], maxConcurrency: 0 } }),
    ).toThrow(/maxConcurrency must be a whole number/);
    expect(
      () =>
        new MigrationOrchestrator(stack, 'D', {
          vpc,
          fleet: { targetSecrets: [secret] },
          contractSchedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
        }),
    ).toThrow(/contractSchedule is for one database/);
  });
});
