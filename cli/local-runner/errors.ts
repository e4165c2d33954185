import { ZerodownError } from '../../core/errors.ts';

/**
 * Errors of the local runner. Those a state fails with carry the Step Functions error name as their
 * `name` (`GateRejected`, `States.Timeout`, a Lambda's `errorType`), so that the definition's Retry and
 * Catch match them as they would in AWS.
 */

/** Something in a definition the local runner cannot execute the way Step Functions would. */
export interface FidelityProblem {
  /** Where: state names from the top, e.g. `Backfill > BackfillChunk`. */
  readonly path: string;
  readonly problem: string;
}

/** The definition uses something the local runner would not run faithfully. */
export class UnfaithfulDefinition extends ZerodownError {
  override name = 'UnfaithfulDefinition';
  constructor(readonly problems: readonly FidelityProblem[]) {
    super(
      `the local runner cannot run this state machine faithfully:\n${problems.map((p) => `  ${p.path}: ${p.problem}`).join('\n')}\nchange the definition (infra/state-machine.ts) or teach cli/local-runner to run it, with a test`,
    );
  }
}

/** Too many items of a Map with a failure budget failed (the Map run fails this way in AWS). */
export class FailureBudgetExceeded extends ZerodownError {
  override name = 'States.ExceedToleratedFailureThreshold';
}

/**
 * A Lambda function error as Step Functions sees it after lambda:invoke: the error name is the
 * function's `errorType` and the cause is the JSON error document, as in AWS.
 */
export class LambdaFunctionError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
  ) {
    super(JSON.stringify({ errorType, errorMessage }));
    this.name = errorType;
  }
}

/**
 * A task returned more than a state's data may hold (256 KiB). Terminal in Step Functions: no Retry or
 * Catch, not even States.ALL, takes it.
 */
export class DataLimitExceeded extends Error {
  override name = 'States.DataLimitExceeded';
  readonly isCatchable = false;
  readonly isRetryable = false;
}

/** The error a rejected gate fails with: `GateRejected`, as SendTaskFailure names it. */
export class GateRejectedError extends Error {
  override name = 'GateRejected';
}

/** A gate waited longer than its state's TimeoutSeconds. */
export class GateTimedOut extends Error {
  override name = 'States.Timeout';
}

/** A gate got no heartbeat within its state's HeartbeatSeconds. */
export class GateHeartbeatTimedOut extends Error {
  override name = 'States.HeartbeatTimeout';
}
