import type { LocalRunEvent } from './events.ts';

/** States that do work; Choice, Pass, Succeed and Fail take no time worth reporting. */
const TIMED_TYPES = new Set(['Task', 'Map', 'Parallel', 'Wait']);

// biome-ignore lint/suspicious/noExplicitAny: aws-local-stepfunctions' event log entries
type EventLog = any;

interface Failure {
  state: string;
  iteration?: number;
  type: string;
  error: string;
  retried: boolean;
}

/**
 * One entry of the execution's history as aws-local-stepfunctions records it: execution started and
 * ended, each state entered (with its input) and exited (with its output), failed, retried, caught, Map
 * iterations. What the Step Functions console shows of an execution, minus the task parameters.
 */
export type HistoryEntry = Record<string, unknown>;

/** What {@link trackStates} learned once the execution's event log has ended. */
export interface TrackedRun {
  /** Total time spent in each top-level Task, Map, Parallel and Wait state. */
  readonly stateMs: Record<string, number>;
  /**
   * The state where a failure with this error started: the innermost, earliest Task or Map state that
   * failed with it and was not retried, rather than the Fail state the workflow ended in.
   */
  failedStateFor(error: string): string | undefined;
}

/**
 * Turns aws-local-stepfunctions' event log into {@link LocalRunEvent}s (entered, left with its duration,
 * failed, retried, caught) and remembers enough to name the failing state at the end.
 *
 * @example
 * const tracked = await trackStates(execution.eventLogs, (event) => console.log(formatEvent(event)));
 */
export async function trackStates(
  eventLogs: AsyncIterable<EventLog>,
  emit: (event: LocalRunEvent) => void,
  onHistory?: (entry: HistoryEntry) => void,
): Promise<TrackedRun> {
  const enteredAt = new Map<string, number>();
  const stateMs: Record<string, number> = {};
  const failures: Failure[] = [];
  let failState: string | undefined;
  for await (const event of eventLogs) {
    onHistory?.(event);
    const state: string | undefined = event.state?.name;
    if (!state) continue;
    const iteration: number | undefined = event.index;
    const key = `${state}#${iteration ?? ''}`;
    const where = iteration === undefined ? { state } : { state, iteration };
    switch (event.type) {
      case 'StateEntered':
        enteredAt.set(key, event.timestamp);
        emit({ type: 'state-entered', ...where });
        break;
      case 'StateExited': {
        const ms = event.timestamp - (enteredAt.get(key) ?? event.timestamp);
        if (iteration === undefined && TIMED_TYPES.has(event.state.type))
          stateMs[state] = (stateMs[state] ?? 0) + ms;
        emit({ type: 'state-left', ...where, ms });
        break;
      }
      case 'StateFailed':
        if (event.state.type === 'Fail') failState = state;
        else failures.push({ state, iteration, type: event.state.type, error: event.Error, retried: false });
        emit({
          type: 'state-failed',
          ...where,
          error: String(event.Error),
          cause: String(event.Cause ?? ''),
        });
        break;
      case 'StateRetried':
        for (const failure of failures) {
          if (failure.state === state && failure.iteration === iteration) failure.retried = true;
        }
        emit({ type: 'state-retried', ...where, attempt: event.retry?.attempt ?? 0 });
        break;
      case 'StateCaught':
        emit({ type: 'state-caught', ...where, next: event.catch?.catcher?.Next ?? '' });
        break;
    }
  }
  return {
    stateMs,
    failedStateFor(error) {
      const standing = failures.filter((failure) => !failure.retried);
      const matching = standing.filter((failure) => failure.error === error);
      const innermost = matching.find((failure) => failure.iteration !== undefined) ?? matching[0];
      return innermost?.state ?? standing.at(-1)?.state ?? failState;
    },
  };
}
