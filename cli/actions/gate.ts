import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { openConnection } from '../../core/db/connection.ts';
import { GateNotWaiting, InvalidInput, ZerodownError } from '../../core/errors.ts';
import { applyGateAction, type GateResumption } from '../../core/gates/decide.ts';
import type { GateName } from '../../core/gates/gates.ts';
import { readStateVersion } from '../../core/state/schema.ts';
import { StepFunctionsGateResumer } from '../../lambdas/aws/gate-resumer.ts';
import type { GateDecisionEvent } from '../../lambdas/events.ts';

/** The options of `zerodown gate approve|reject|heartbeat` (cli/commands/gate.ts). */
export interface GateOptions {
  release: string;
  gate?: GateName;
  reason?: string;
  by: string;
  databaseUrl?: string;
  gateFunction?: string;
  region?: string;
  format: 'text' | 'json';
}

/** What a gate command asks for. */
export type GateAction = GateDecisionEvent['action'];

/** What a gate command did, whichever way it went. */
interface GateActionResult {
  readonly release: string;
  readonly gate: GateName;
  readonly resumed: GateResumption;
}

/** With database access: records the decision in `zerodown.gates` and resumes the execution from here. */
async function throughDatabase(action: GateAction, options: GateOptions): Promise<GateActionResult> {
  if (!options.databaseUrl) {
    throw new InvalidInput(
      'no database: pass --database-url postgres://… (or set DATABASE_URL), or --gate-function <name> (or ZERODOWN_GATE_FUNCTION) to decide through the deployed gate function',
    );
  }
  const client = await openConnection({ connection: options.databaseUrl, applicationName: 'zerodown-gate' });
  try {
    if ((await readStateVersion(client)) === 0) {
      throw new InvalidInput(
        'this database has no zerodown state: no workflow ever ran here (check --database-url)',
      );
    }
    const resumer = new StepFunctionsGateResumer(
      new SFNClient(options.region ? { region: options.region } : {}),
    );
    const { gate, resumed } = await applyGateAction(client, resumer, {
      action,
      release: options.release,
      gate: options.gate,
      decidedBy: options.by,
      reason: options.reason,
    });
    return { release: gate.release, gate: gate.gate, resumed };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Without database access (a CI/CD runner): invokes the deployed gate function, which records the
 * decision and resumes the execution (lambda:InvokeFunction, `MigrationOrchestrator.grantGateDecisions`).
 * Its errors come back with their names: `InvalidInput` stays a usage error.
 */
async function throughFunction(
  action: GateAction,
  options: GateOptions & { gateFunction: string },
): Promise<GateActionResult> {
  const event: GateDecisionEvent = {
    action,
    release: options.release,
    ...(options.gate ? { gate: options.gate } : {}),
    decidedBy: options.by,
    ...(options.reason !== undefined && action !== 'heartbeat' ? { reason: options.reason } : {}),
  };
  const lambda = new LambdaClient(options.region ? { region: options.region } : {});
  let response: InvokeCommandOutput;
  try {
    response = await lambda.send(
      new InvokeCommand({ FunctionName: options.gateFunction, Payload: JSON.stringify(event) }),
    );
  } catch (error) {
    throw new ZerodownError(
      `could not invoke the gate function ${options.gateFunction}: ${(error as Error).message}; check --gate-function, the AWS credentials and region (nothing was decided)`,
      { cause: error },
    );
  }
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : 'null';
  const payload = JSON.parse(text) as Record<string, unknown> | null;
  if (response.FunctionError) {
    const type = String(payload?.errorType ?? response.FunctionError);
    const message = String(payload?.errorMessage ?? text);
    if (type === 'InvalidInput') throw new InvalidInput(message);
    if (type === 'GateNotWaiting') throw new GateNotWaiting(message);
    throw new ZerodownError(`the gate function ${options.gateFunction} failed: ${type}: ${message}`);
  }
  const result = payload as { release?: string; gate?: GateName; resumed?: GateResumption } | null;
  if (!result?.release || !result.gate || !result.resumed) {
    throw new ZerodownError(
      `the gate function ${options.gateFunction} answered ${text.slice(0, 200)}: is it zerodown's gate function (the stack output GateFunctionName)?`,
    );
  }
  return { release: result.release, gate: result.gate, resumed: result.resumed };
}

/** Decides (or keeps alive) the gate, through the database or the deployed gate function, and prints what it did. */
export async function runGateAction(action: GateAction, options: GateOptions): Promise<void> {
  const { gateFunction } = options;
  const result = gateFunction
    ? await throughFunction(action, { ...options, gateFunction })
    : await throughDatabase(action, options);
  const { release, gate, resumed } = result;
  if (action === 'heartbeat') {
    if (options.format === 'json') {
      process.stdout.write(`${JSON.stringify({ release, gate, heartbeat: resumed })}\n`);
    } else {
      const to = resumed === 'local' ? 'the local run' : 'Step Functions';
      process.stdout.write(`heartbeat sent to ${to} for gate ${gate} of release ${release}\n`);
    }
    return;
  }
  const decision = action === 'approve' ? 'approved' : 'rejected';
  if (options.format === 'json') {
    process.stdout.write(`${JSON.stringify({ release, gate, decision, resumed })}\n`);
  } else {
    const how = resumed === 'local' ? 'the local runner waiting on it goes on' : 'the execution was resumed';
    process.stdout.write(`${decision} gate ${gate} of release ${release}: ${how}\n`);
  }
}
