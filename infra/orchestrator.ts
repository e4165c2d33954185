import { isAbsolute, resolve } from 'node:path';
import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/aws/deps.ts';
import { SCHEDULED_CONTRACT_INPUT } from '../lambdas/input.ts';
import { FLEET_TASK_NAMES, type FleetTaskName, TASK_NAMES, type TaskName } from '../lambdas/task-handlers.ts';
import { DEFAULT_TASK_SETTINGS, RESERVE_MS } from '../lambdas/tasks/settings.ts';
import { fleetSettings } from './fleet-settings.ts';
import { acknowledgeOrchestratorFindings } from './nag.ts';
import type { MigrationOrchestratorProps } from './orchestrator-props.ts';
import { buildWorkflowDefinition } from './state-machine.ts';
import { TaskFunctions } from './task-functions.ts';
import { TaskEndpoints } from './vpc-endpoints.ts';
import { buildFleetDefinition } from './workflow/fleet.ts';

const LAMBDA_LIMIT = Duration.minutes(15);

function positive(value: number, what: string, hint: string): void {
  if (!Token.isUnresolved(value) && !(Number.isFinite(value) && value > 0)) {
    throw new Error(`MigrationOrchestrator: ${what} must be positive (got ${value}); ${hint}`);
  }
}

/**
 * Deploys zerodown's migration workflow: a Standard Step Functions state machine (JSONPath; logging at
 * level ALL without execution data, X-Ray tracing) whose Lambda tasks plan, lock, expand, wait at deploy
 * gates, backfill in resumable chunks, contract, and roll back, against one PostgreSQL database whose
 * credentials are in Secrets Manager. Optionally notifies an SNS topic and runs contract-only executions
 * on a schedule.
 *
 * @example
 * const orchestrator = new MigrationOrchestrator(this, 'Migrations', {
 *   vpc, databaseSecret: database.secret!, migrationsDir: 'migrations',
 *   contractSchedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
 * });
 * database.connections.allowDefaultPortFrom(orchestrator);
 */
export class MigrationOrchestrator extends Construct implements ec2.IConnectable {
  /** The workflow; start it with `zerodown start --state-machine-arn <its ARN>`. */
  readonly stateMachine: sfn.StateMachine;
  /** The task functions, by task name (each has `ZERODOWN_TASK`). */
  readonly functions: Readonly<Record<TaskName, lambda.IFunction>> &
    Readonly<Partial<Record<FleetTaskName, lambda.IFunction>>>;
  /** The task functions' network access: allow it into the database. */
  readonly connections: ec2.Connections;
  /** The contract schedule, when `contractSchedule` was given. */
  readonly contractSchedule?: scheduler.Schedule;
  /** The state machine's log group (no execution data in it). */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MigrationOrchestratorProps) {
    super(scope, id);
    const fleet = props.fleet ? fleetSettings(props) : undefined;
    const secrets = fleet ? fleet.secrets : [this.resolveSecret(props)];
    const defaults = DEFAULT_TASK_SETTINGS;
    const lockTimeout = props.lockTimeout ?? Duration.millis(defaults.lockTimeoutMs);
    const statementTimeout = props.statementTimeout ?? Duration.millis(defaults.statementTimeoutMs);
    const chunkBudget = props.chunkBudget ?? Duration.millis(defaults.chunkBudgetMs);
    const targetBatch = props.backfillTargetBatch ?? Duration.millis(defaults.targetBatchMs);
    const leaseTtl = props.leaseTtl ?? Duration.millis(defaults.leaseTtlMs);
    const gateTimeout = props.gateTimeout ?? Duration.hours(24);
    const maxPartitions = props.maxPartitions ?? defaults.maxPartitions;
    const backfillMap = props.backfillMap ?? 'distributed';
    positive(maxPartitions, 'maxPartitions', 'use 1 to backfill one partition at a time');
    if (!Number.isInteger(maxPartitions) || maxPartitions > 64) {
      throw new Error(
        `MigrationOrchestrator: maxPartitions must be a whole number up to 64 (got ${maxPartitions})`,
      );
    }
    const longest = LAMBDA_LIMIT.toMilliseconds() - RESERVE_MS - 60_000;
    if (statementTimeout.toMilliseconds() > longest || statementTimeout.toMilliseconds() <= 0) {
      throw new Error(
        `MigrationOrchestrator: statementTimeout must be between 1 ms and ${longest / 60_000} minutes (below the 15 minute Lambda limit), got ${statementTimeout.toHumanString()}`,
      );
    }
    if (chunkBudget.toMilliseconds() > longest || chunkBudget.toMilliseconds() < 1_000) {
      throw new Error(
        `MigrationOrchestrator: chunkBudget must be between 1 second and ${longest / 60_000} minutes, got ${chunkBudget.toHumanString()}`,
      );
    }
    if (props.gateHeartbeat && props.gateHeartbeat.toSeconds() >= gateTimeout.toSeconds()) {
      throw new Error(
        `MigrationOrchestrator: gateHeartbeat (${props.gateHeartbeat.toHumanString()}) must be shorter than gateTimeout (${gateTimeout.toHumanString()}); leave it unset for no heartbeat`,
      );
    }
    const migrationsDir = props.migrationsDir ?? 'migrations';
    const securityGroup =
      props.securityGroups === undefined
        ? new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
            vpc: props.vpc,
            description: 'zerodown task functions (outbound to the database and AWS APIs)',
            allowAllOutbound: true,
          })
        : undefined;
    const securityGroups = props.securityGroups ?? [securityGroup!];
    this.connections = new ec2.Connections({ securityGroups });
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const environment: Record<string, string> = {
      ...(fleet ? {} : { [ENV.secretArn]: secrets[0]!.secretArn }),
      [ENV.tls]: props.databaseTls ?? 'verify-full',
      [ENV.lockTimeoutMs]: String(lockTimeout.toMilliseconds()),
      [ENV.statementTimeoutMs]: String(statementTimeout.toMilliseconds()),
      [ENV.targetBatchMs]: String(targetBatch.toMilliseconds()),
      [ENV.maxPartitions]: String(maxPartitions),
      [ENV.leaseTtlMs]: String(leaseTtl.toMilliseconds()),
      [ENV.chunkBudgetMs]: String(chunkBudget.toMilliseconds()),
      ...(props.noticeTopic ? { [ENV.noticeTopicArn]: props.noticeTopic.topicArn } : {}),
    };
    const tasks = new TaskFunctions(this, 'Tasks', {
      migrationsDir: isAbsolute(migrationsDir) ? migrationsDir : resolve(process.cwd(), migrationsDir),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups,
      secrets,
      secretKey: props.databaseSecretKey ?? (fleet ? undefined : secrets[0]!.encryptionKey),
      tasks: fleet ? [...TASK_NAMES, ...FLEET_TASK_NAMES] : TASK_NAMES,
      environment,
      noticeTopic: props.noticeTopic,
      logRetention,
      sourceMaps: props.sourceMaps,
    });
    this.functions = tasks.functions;
    if (props.vpcEndpoints) {
      new TaskEndpoints(this, 'Endpoints', {
        vpc: props.vpc,
        subnets: props.vpcSubnets,
        tasks: this,
        noticeTopic: props.noticeTopic !== undefined,
      });
    }
    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logRetention });
    const workflowProps = {
      functions: tasks.functions,
      gateTimeout,
      gateHeartbeat: props.gateHeartbeat,
      maxPartitions,
      backfillMap,
      indexBuildPollInterval: props.indexBuildPollInterval ?? Duration.minutes(1),
    };
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        fleet
          ? buildFleetDefinition(this, { ...workflowProps, ...fleet.definition })
          : buildWorkflowDefinition(this, workflowProps),
      ),
      // task tokens, plans and errors stay out of the logs: only state transitions are logged
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      comment: 'zerodown: expand, backfill, deploy gates, contract (see docs/workflow.md)',
    });
    // decisions sent to the gate function (zerodown gate … --gate-function) resume the execution from
    // there: a policy of its own, since the role's default policy is what the function (and so the state
    // machine) depends on, and naming the state machine in it would be a cycle
    new iam.Policy(this, 'GateTaskResponsePolicy', {
      roles: [tasks.functions.gate.role!],
      statements: [
        new iam.PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
    if (props.noticeTopic) {
      new events.Rule(this, 'ExecutionFailedRule', {
        description: 'zerodown executions that failed, timed out or were aborted',
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: {
            stateMachineArn: [this.stateMachine.stateMachineArn],
            status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          },
        },
        targets: [new eventTargets.SnsTopic(props.noticeTopic)],
      });
    }
    if (props.contractSchedule) {
      this.contractSchedule = new scheduler.Schedule(this, 'ContractSchedule', {
        schedule: props.contractSchedule,
        description:
          'zerodown contract-only execution: contracts whose release passed its beforeContract gate',
        target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject(SCHEDULED_CONTRACT_INPUT),
          retryAttempts: 0,
        }),
      });
    }
    acknowledgeOrchestratorFindings({
      orchestrator: this,
      stateMachine: this.stateMachine,
      functions: Object.values(tasks.functions),
      roles: Object.values(tasks.functions).map((fn) => fn.role!),
      gateRole: tasks.functions.gate.role!,
      encryptedTopic: props.noticeTopic?.masterKey !== undefined,
      distributedMap: fleet !== undefined || backfillMap === 'distributed',
    });
  }

  /**
   * Lets a CI/CD role approve, reject and send heartbeats to gates without database access:
   * lambda:InvokeFunction on the gate function, which records the decision and resumes the execution
   * (`zerodown gate approve --release v42 --gate-function <name>`).
   *
   * @example
   * orchestrator.grantGateDecisions(deployRole);
   */
  grantGateDecisions(grantee: iam.IGrantable): iam.Grant {
    return this.functions.gate.grantInvoke(grantee);
  }

  private resolveSecret(props: MigrationOrchestratorProps): secretsmanager.ISecret {
    if (props.databaseSecret && props.databaseSecretArn) {
      throw new Error('MigrationOrchestrator: give databaseSecret or databaseSecretArn, not both');
    }
    const ownKey = props.databaseSecret?.encryptionKey;
    if (ownKey && props.databaseSecretKey && ownKey !== props.databaseSecretKey) {
      throw new Error(
        "MigrationOrchestrator: databaseSecret carries an encryptionKey and databaseSecretKey names another key; leave databaseSecretKey unset (the tasks are granted the secret's own key) or import the secret with the key it is encrypted with",
      );
    }
    if (props.databaseSecret) return props.databaseSecret;
    if (!props.databaseSecretArn) {
      throw new Error(
        'MigrationOrchestrator: databaseSecret (an ISecret) or databaseSecretArn is required: the tasks read the database credentials from it',
      );
    }
    const arn = props.databaseSecretArn;
    // a complete ARN ends with "-" and six random characters after the secret name
    return /-[A-Za-z0-9]{6}$/.test(arn) && !Token.isUnresolved(arn)
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'DatabaseSecret', arn)
      : secretsmanager.Secret.fromSecretPartialArn(this, 'DatabaseSecret', arn);
  }
}

export type { MigrationOrchestratorProps } from './orchestrator-props.ts';
