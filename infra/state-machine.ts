import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { backfillStage } from './workflow/backfill.ts';
import { chainStages, type WorkflowDefinitionProps } from './workflow/context.ts';
import { deployGate } from './workflow/deploy-gate.ts';
import { planAndLock } from './workflow/plan-and-lock.ts';
import { schemaPhase } from './workflow/schema-phase.ts';
import { buildWaysOut } from './workflow/ways-out.ts';

export type { BackfillMapMode, WorkflowDefinitionProps } from './workflow/context.ts';
export { LAMBDA_SERVICE_ERRORS } from './workflow/task-state.ts';

/**
 * Builds the migration workflow (Standard, JSONPath), one stage after the other:
 * Plan -> AcquireLock -> Expand (looping while an index builds) -> [GateAfterExpand] -> PrepareBackfill ->
 * Backfill (Map of BackfillChunk loops) -> FinishBackfills -> [GateBeforeContract] -> Contract -> ReleaseLock.
 * Expand/backfill failures roll back; a rejected or timed-out gate keeps the expand unless the input
 * says `onGateReject: rollback`; every way out after AcquireLock goes through ReleaseLock. State names
 * are an interface (the local runner, `zerodown start`): see docs/workflow.md. Each stage lives in its
 * own file under `infra/workflow/`.
 *
 * @example
 * const definition = buildWorkflowDefinition(this, { functions, gateTimeout: Duration.hours(24),
 *   maxPartitions: 4, backfillMap: 'distributed', indexBuildPollInterval: Duration.minutes(1) });
 */
export function buildWorkflowDefinition(scope: Construct, props: WorkflowDefinitionProps): sfn.IChainable {
  const ctx = { scope: new Construct(scope, 'Workflow'), props };
  // the failure paths first: every stage below may catch into them
  const exits = buildWaysOut(ctx);
  const start = chainStages(
    [
      planAndLock(ctx, exits),
      schemaPhase(ctx, { phase: 'expand', onFailure: exits.rollback }),
      deployGate(ctx, exits, 'afterExpand'),
      backfillStage(ctx, exits),
      deployGate(ctx, exits, 'beforeContract'),
      schemaPhase(ctx, { phase: 'contract', onFailure: exits.releaseLock }),
    ],
    exits.releaseLock,
  );
  exits.close();
  return start;
}
