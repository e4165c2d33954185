import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { GateOutput, GateResumer, TokenDelivery } from '../../core/gates/decide.ts';

/** A sent token call: `not-waiting` when the task timed out or its execution ended, else thrown on. */
async function deliver(call: Promise<unknown>): Promise<TokenDelivery> {
  try {
    await call;
    return 'delivered';
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist') return 'not-waiting';
    throw error;
  }
}

/**
 * The {@link GateResumer} of a Step Functions execution: SendTaskSuccess, SendTaskFailure and
 * SendTaskHeartbeat with the gate's task token. `TaskTimedOut` and `TaskDoesNotExist` come back as
 * `not-waiting`; any other error (credentials, network) is thrown as the SDK raised it.
 *
 * @example
 * const resumer = new StepFunctionsGateResumer(new SFNClient({ region: 'eu-west-1' }));
 * await applyGateAction(client, resumer, { action: 'approve', release: 'v42', decidedBy: 'ci' });
 */
export class StepFunctionsGateResumer implements GateResumer {
  constructor(private readonly sfn: SFNClient = new SFNClient({})) {}

  async succeed(taskToken: string, output: GateOutput): Promise<TokenDelivery> {
    return await deliver(
      this.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  async fail(taskToken: string, failure: { error: string; cause: string }): Promise<TokenDelivery> {
    return await deliver(this.sfn.send(new SendTaskFailureCommand({ taskToken, ...failure })));
  }

  async heartbeat(taskToken: string): Promise<TokenDelivery> {
    return await deliver(this.sfn.send(new SendTaskHeartbeatCommand({ taskToken })));
  }
}
