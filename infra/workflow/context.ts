import type { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { FleetTaskName, TaskName } from '../../lambdas/task-handlers.ts';

/** How the Backfill Map runs its partitions. */
export type BackfillMapMode = 'inline' | 'distributed';

/** What the workflow definition is built from. */
export interface WorkflowDefinitionProps {
  /** The Lambda function of every task (the fleet workflow's own tasks too, when it is built). */
  readonly functions: Readonly<Record<TaskName, lambda.IFunction>> &
    Readonly<Partial<Record<FleetTaskName, lambda.IFunction>>>;
  /** How long a gate waits for a decision (its TimeoutSeconds). */
  readonly gateTimeout: Duration;
  /** When set, the gate fails unless SendTaskHeartbeat comes at least this often. */
  readonly gateHeartbeat?: Duration;
  /** Partitions backfilled at once (the Map's MaxConcurrency). */
  readonly maxPartitions: number;
  /** `distributed`: every partition is a child execution with its own event history. */
  readonly backfillMap: BackfillMapMode;
  /** The wait between two looks at a CREATE INDEX CONCURRENTLY that outlasted its task. */
  readonly indexBuildPollInterval: Duration;
}

/**
 * Where the stages run when they run for one target of a fleet, inside a Map item: the item carries
 * the fleet execution's id (an item of a Distributed Map is a child execution with an id of its own),
 * the target's workflow input, and the target, which every task's payload passes on.
 */
export interface TargetScope {
  /** Path of the lease owner: the fleet execution's id, put into the item by the Map's ItemSelector. */
  readonly executionIdPath: string;
  /** Path of the workflow input the target's Plan validates. */
  readonly inputPath: string;
  /** Added to every task payload (and to the state a stage rebuilds): `{ 'target.$': '$.target' }`. */
  readonly payload: Readonly<Record<string, string>>;
}

/** What every stage builder works in: the construct its states belong to, and the definition's props. */
export interface WorkflowContext {
  /** The scope of every state (state names are the construct ids, so they stay flat). */
  readonly scope: Construct;
  readonly props: WorkflowDefinitionProps;
  /** Set when the stages run per target of a fleet. @default - the single-database workflow */
  readonly target?: TargetScope;
}

/**
 * A stage of the workflow: where it starts, and how it goes on. A stage that the plan can skip
 * (a phase not run, a gate not asked for) goes from its `start` straight to what `continueWith` names.
 */
export interface WorkflowStage {
  /** The first state of the stage. */
  readonly start: sfn.State;
  /** Continues the workflow with `next` once the stage is done (or skipped). Called once. */
  continueWith(next: sfn.State): void;
}

/**
 * Chains stages in workflow order: each one's `continueWith` is the next one's `start`, the last one's is
 * `end`. Returns the first state.
 *
 * @example
 * const start = chainStages([planAndLock, expand, afterExpand], exits.releaseLock);
 */
export function chainStages(stages: readonly WorkflowStage[], end: sfn.State): sfn.State {
  stages.forEach((stage, i) => {
    stage.continueWith(stages[i + 1]?.start ?? end);
  });
  return stages[0]!.start;
}
