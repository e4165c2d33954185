import { isAbsolute, resolve } from 'node:path';
import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DatabaseTls } from '../lambdas/aws/database-secret.ts';
import { ENV } from '../lambdas/aws/deps.ts';
import { SCHEDULED_CONTRACT_INPUT } from '../lambdas/input.ts';
import { RESERVE_MS } from '../lambdas/tasks/session.ts';
import type { TaskName } from '../lambdas/tasks.ts';
import { acknowledgeOrchestratorFindings } from './nag.ts';
import { type BackfillMapMode, buildWorkflowDefinition } from './state-machine.ts';
import { TaskFunctions } from './task-functions.ts';

/** Properties of {@link MigrationOrchestrator}. */
export interface MigrationOrchestratorProps {
  /**
   * The database secret: RDS-style JSON `{ host, port, username, password, dbname }` (what RDS, Aurora and
   * `rds.DatabaseSecret` store). Give this or `databaseSecretArn`. The tasks may read this secret and no other.
   * @default - `databaseSecretArn` is required
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html
   */
  readonly databaseSecret?: secretsmanager.ISecret;
  /**
   * The ARN of the database secret, when it is not defined in this app (complete ARN, with its random
   * suffix, or a partial one).
   * @default - `databaseSecret` is required
   */
  readonly databaseSecretArn?: string;
  /**
   * The VPC the task functions run in (they connect to the database from there).
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
   */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the task functions; they need a route to Secrets Manager (NAT or VPC endpoint).
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the task functions. Allow them into the database (`orchestrator.connections`).
   * @default - a new security group with outbound access only
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * The migrations directory, bundled with every task function (`.ts` and `.js` migrations compiled at
   * synth). Relative paths are taken from the working directory of the synth.
   * @default 'migrations'
   */
  readonly migrationsDir?: string;
  /**
   * `lock_timeout` of every statement: a DDL never waits behind a long transaction longer than this
   * (and is retried with backoff).
   * @default Duration.millis(500)
   * @see https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT
   */
  readonly lockTimeout?: Duration;
  /**
   * `statement_timeout` of the tasks' statements; must stay below the 15 minute Lambda limit. Long
   * CREATE INDEX CONCURRENTLY builds are not bound by it (they run on their own session and are polled).
   * @default Duration.minutes(10)
   * @see https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-STATEMENT-TIMEOUT
   */
  readonly statementTimeout?: Duration;
  /**
   * The batch duration adaptive backfill sizing aims at (a backfill spec's `targetBatchMs` wins).
   * @default Duration.millis(200)
   */
  readonly backfillTargetBatch?: Duration;
  /**
   * Key-range partitions per backfill (unless its spec says) and how many run at once.
   * @default 4
   */
  readonly maxPartitions?: number;
  /**
   * The longest one BackfillChunk invocation works (also how long Expand/Contract wait on an index
   * build per invocation). Longer chunks mean fewer history events; see docs/workflow.md.
   * @default Duration.minutes(5)
   */
  readonly chunkBudget?: Duration;
  /**
   * How long the lease outlives the last task that renewed it (a crashed execution frees the lock
   * after this). The gate task renews it for the whole gate wait.
   * @default Duration.minutes(30)
   */
  readonly leaseTtl?: Duration;
  /**
   * How long a deploy gate waits for `zerodown gate approve|reject` (the gate state's TimeoutSeconds);
   * then it fails with States.Timeout.
   * @default Duration.hours(24)
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
   */
  readonly gateTimeout?: Duration;
  /**
   * When set, a gate also fails unless SendTaskHeartbeat comes this often (HeartbeatSeconds): for
   * pipelines that keep a job alive while they deploy. Must be shorter than `gateTimeout`.
   * @default - no heartbeat
   * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html
   */
  readonly gateHeartbeat?: Duration;
  /**
   * Where gate notices (with the approve command) and failed, timed-out or aborted executions are
   * published. If the topic is encrypted with a KMS key, that key must let EventBridge use it.
   * @default - notices only in the gate function's log
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
   */
  readonly noticeTopic?: sns.ITopic;
  /**
   * A schedule that starts contract-only executions: they apply the contract migrations whose release
   * passed its beforeContract gate. For example `ScheduleExpression.cron({ minute: '0', hour: '3' })`.
   * @default - no schedule
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
   */
  readonly contractSchedule?: scheduler.ScheduleExpression;
  /**
   * How the Backfill Map runs partitions: `distributed` makes each partition a child execution with its
   * own 25,000-event history (for backfills that run for days); `inline` keeps every event in one history.
   * @default 'distributed'
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
   */
  readonly backfillMap?: BackfillMapMode;
  /**
   * How long the workflow waits between two looks at a CREATE INDEX CONCURRENTLY that outlasted its task.
   * @default Duration.minutes(1)
   */
  readonly indexBuildPollInterval?: Duration;
  /**
   * TLS to the database: `verify-full` checks the server certificate against the Amazon RDS CAs.
   * @default 'verify-full'
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html
   */
  readonly databaseTls?: DatabaseTls;
  /**
   * Retention of the task and state machine logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

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
  readonly functions: Readonly<Record<TaskName, lambda.IFunction>>;
  /** The task functions' network access: allow it into the database. */
  readonly connections: ec2.Connections;
  /** The contract schedule, when `contractSchedule` was given. */
  readonly contractSchedule?: scheduler.Schedule;
  /** The state machine's log group (no execution data in it). */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MigrationOrchestratorProps) {
    super(scope, id);
    const secret = this.resolveSecret(props);
    const lockTimeout = props.lockTimeout ?? Duration.millis(500);
    const statementTimeout = props.statementTimeout ?? Duration.minutes(10);
    const chunkBudget = props.chunkBudget ?? Duration.minutes(5);
    const gateTimeout = props.gateTimeout ?? Duration.hours(24);
    const maxPartitions = props.maxPartitions ?? 4;
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
      [ENV.secretArn]: secret.secretArn,
      [ENV.tls]: props.databaseTls ?? 'verify-full',
      [ENV.lockTimeoutMs]: String(lockTimeout.toMilliseconds()),
      [ENV.statementTimeoutMs]: String(statementTimeout.toMilliseconds()),
      [ENV.targetBatchMs]: String((props.backfillTargetBatch ?? Duration.millis(200)).toMilliseconds()),
      [ENV.maxPartitions]: String(maxPartitions),
      [ENV.leaseTtlMs]: String((props.leaseTtl ?? Duration.minutes(30)).toMilliseconds()),
      [ENV.chunkBudgetMs]: String(chunkBudget.toMilliseconds()),
      ...(props.noticeTopic ? { [ENV.noticeTopicArn]: props.noticeTopic.topicArn } : {}),
    };
    const tasks = new TaskFunctions(this, 'Tasks', {
      migrationsDir: isAbsolute(migrationsDir) ? migrationsDir : resolve(process.cwd(), migrationsDir),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups,
      secret,
      environment,
      noticeTopic: props.noticeTopic,
      logRetention,
    });
    this.functions = tasks.functions;
    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logRetention });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildWorkflowDefinition(this, {
          functions: tasks.functions,
          gateTimeout,
          gateHeartbeat: props.gateHeartbeat,
          maxPartitions,
          backfillMap: props.backfillMap ?? 'distributed',
          indexBuildPollInterval: props.indexBuildPollInterval ?? Duration.minutes(1),
        }),
      ),
      // task tokens, plans and errors stay out of the logs: only state transitions are logged
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      comment: 'zerodown: expand, backfill, deploy gates, contract (see docs/workflow.md)',
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
      distributedMap: (props.backfillMap ?? 'distributed') === 'distributed',
    });
  }

  private resolveSecret(props: MigrationOrchestratorProps): secretsmanager.ISecret {
    if (props.databaseSecret && props.databaseSecretArn) {
      throw new Error('MigrationOrchestrator: give databaseSecret or databaseSecretArn, not both');
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
