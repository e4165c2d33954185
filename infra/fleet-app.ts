import { App, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { MigrationOrchestrator } from './orchestrator.ts';
import type { FleetProps, MigrationOrchestratorProps } from './orchestrator-props.ts';

/** Options of the example fleet stack. */
export interface ExampleFleetStackProps extends StackProps {
  /** The migrations to bundle. @default 'migrations' */
  readonly migrationsDir?: string;
  /** The targets' secret ARNs. @default two example tenants' secrets */
  readonly targetSecretArns?: readonly string[];
  /** Overrides of the fleet props (tests use them). */
  readonly fleet?: Partial<Omit<FleetProps, 'targetSecrets'>>;
  /** Overrides of the orchestrator's props. */
  readonly orchestrator?: Partial<Omit<MigrationOrchestratorProps, 'vpc' | 'fleet'>>;
}

/** Example tenants' secrets (partial ARNs, as `aws secretsmanager create-secret --name zerodown/tenant-1` gives). */
const EXAMPLE_SECRETS = [
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:zerodown/tenant-1',
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:zerodown/tenant-2',
];

/**
 * The example fleet: a VPC and the migration workflow in fleet mode over tenant databases whose
 * secrets exist elsewhere. `zerodown run --local --fleet fleet.json` runs this state machine when the
 * working directory has no CDK app of its own.
 *
 * @example
 * new ExampleFleetStack(app, 'ZerodownFleetExample', { targetSecretArns: [tenantA, tenantB] });
 */
export class ExampleFleetStack extends Stack {
  readonly orchestrator: MigrationOrchestrator;

  constructor(scope: Construct, id: string, props: ExampleFleetStackProps = {}) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const targetSecrets = (props.targetSecretArns ?? EXAMPLE_SECRETS).map((arn, index) =>
      secretsmanager.Secret.fromSecretPartialArn(this, `TargetSecret${index + 1}`, arn),
    );
    this.orchestrator = new MigrationOrchestrator(this, 'Fleet', {
      vpc,
      migrationsDir: props.migrationsDir ?? 'migrations',
      ...props.orchestrator,
      fleet: { targetSecrets, ...props.fleet },
    });
    new CfnOutput(this, 'StateMachineArn', {
      value: this.orchestrator.stateMachine.stateMachineArn,
      description: 'zerodown start --state-machine-arn, with the fleet as input',
    });
  }
}

/**
 * The example fleet app, for the local runner (`{ 'aws:cdk:bundling-stacks': [] }`: no bundling).
 *
 * @example
 * const template = buildExampleFleetApp({ 'aws:cdk:bundling-stacks': [] }).synth().getStackByName('ZerodownFleetExample').template;
 */
export function buildExampleFleetApp(
  context?: Record<string, unknown>,
  props: ExampleFleetStackProps = {},
): App {
  const app = new App({ context });
  new ExampleFleetStack(app, 'ZerodownFleetExample', {
    description: 'zerodown example: the fleet workflow over tenant databases',
    ...props,
  });
  return app;
}
