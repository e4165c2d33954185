/** What a local run reports as it goes; `--format json` prints these as JSON lines. */
export type LocalRunEvent =
  | { type: 'synthesized'; stateMachine: string; transformedMaps: readonly string[]; ms: number }
  | { type: 'execution-started'; executionId: string; input: unknown }
  | { type: 'state-entered'; state: string; iteration?: number }
  | { type: 'state-left'; state: string; iteration?: number; ms: number }
  | { type: 'state-failed'; state: string; iteration?: number; error: string; cause: string }
  | { type: 'state-retried'; state: string; iteration?: number; attempt: number }
  | { type: 'state-caught'; state: string; iteration?: number; next: string }
  | {
      type: 'gate-waiting';
      state: string;
      release: string;
      gate: string;
      command: string;
      rejectCommand: string;
      timeoutSeconds: number;
    }
  | {
      type: 'gate-decided';
      state: string;
      release: string;
      gate: string;
      decision: string;
      decidedBy: string | null;
      automatically: boolean;
    }
  | {
      type: 'backfill-progress';
      state: string;
      migration: string;
      partition: number;
      partitions: number;
      rowsDone: number;
      rowsEstimated: number | null;
      rowsPerSecond: number | null;
      etaSeconds: number | null;
      done: boolean;
    }
  | { type: 'notice'; subject: string; message: string }
  | { type: 'execution-succeeded'; executionId: string; output: unknown; ms: number }
  | {
      type: 'execution-failed';
      executionId: string;
      state: string | undefined;
      error: string;
      cause: string;
      ms: number;
    };

/** The message inside a Step Functions cause: a Lambda error document's errorMessage, else the cause. */
export function causeMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: a Fail state's or SendTaskFailure's plain cause
  }
  return cause;
}

/** `Error: message`, or the error alone when the cause adds nothing (a timeout's cause is empty). */
function failure(error: string, cause: string): string {
  const message = causeMessage(cause);
  return message && message !== error ? `${error}: ${message}` : error;
}

function at(event: { state: string; iteration?: number }): string {
  return event.iteration === undefined ? event.state : `${event.state}[${event.iteration}]`;
}

/** A wait for people: `24 h`, `90 min`, `45 s`. */
function waitText(totalSeconds: number): string {
  if (totalSeconds >= 3600 && totalSeconds % 3600 === 0) return `${totalSeconds / 3600} h`;
  if (totalSeconds >= 60 && totalSeconds % 60 === 0) return `${totalSeconds / 60} min`;
  return `${totalSeconds} s`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * One human line per event (undefined for events text mode leaves out).
 *
 * @example
 * const line = formatEvent({ type: 'state-entered', state: 'Expand' }); // '-> Expand'
 */
export function formatEvent(event: LocalRunEvent): string | undefined {
  switch (event.type) {
    case 'synthesized':
      return `synthesized ${event.stateMachine} in ${seconds(event.ms)}${event.transformedMaps.length ? ` (Distributed Map run inline: ${event.transformedMaps.join(', ')})` : ''}`;
    case 'execution-started':
      return `execution ${event.executionId}`;
    case 'state-entered':
      return `-> ${at(event)}`;
    case 'state-left':
      return `<- ${at(event)} (${seconds(event.ms)})`;
    case 'state-failed':
      return `!! ${at(event)} failed: ${failure(event.error, event.cause)}`;
    case 'state-retried':
      return `   ${at(event)}: retry ${event.attempt}`;
    case 'state-caught':
      return `   ${at(event)}: caught, going to ${event.next}`;
    case 'gate-waiting':
      return `   gate ${event.gate} (release ${event.release}): waiting up to ${waitText(event.timeoutSeconds)} for a decision; approve with:\n     ${event.command}\n   or reject with:\n     ${event.rejectCommand}${event.command.includes('"$DATABASE_URL"') ? '\n   (with DATABASE_URL set to this database: the password is not printed)' : ''}`;
    case 'gate-decided':
      return event.automatically
        ? `   gate ${event.gate}: approved automatically (--approve-gates)`
        : `   gate ${event.gate}: ${event.decision}${event.decidedBy ? ` by ${event.decidedBy}` : ''}`;
    case 'backfill-progress': {
      const total = event.rowsEstimated ? `/~${event.rowsEstimated}` : '';
      const rate = event.rowsPerSecond ? `, ${Math.round(event.rowsPerSecond)} rows/s` : '';
      const eta = !event.done && event.etaSeconds ? `, eta ${Math.round(event.etaSeconds)} s` : '';
      const part = event.partitions > 1 ? ` partition ${event.partition + 1}/${event.partitions}` : '';
      return `   backfill ${event.migration}${part}: ${event.rowsDone}${total} rows${rate}${eta}${event.done ? ', done' : ''}`;
    }
    case 'notice':
      // the gate task logs the whole notice too; one line is enough here
      return `   notice published: ${event.subject}`;
    case 'execution-succeeded': {
      // ifLocked: skip ended it without applying anything: say so, and who holds the lock
      const skipped = (event.output as { skipped?: { Error?: string; Cause?: string } } | null)?.skipped;
      return skipped
        ? `succeeded in ${seconds(event.ms)}, SKIPPED (nothing applied): ${failure(skipped.Error ?? 'LockHeld', skipped.Cause ?? '')}`
        : `succeeded in ${seconds(event.ms)}`;
    }
    case 'execution-failed':
      return `FAILED${event.state ? ` in ${event.state}` : ''}: ${failure(event.error, event.cause)}`;
  }
}
