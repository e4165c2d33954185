import type { SFNClient } from '@aws-sdk/client-sfn';
import type { GateOutput, GateResumer, TokenDelivery } from '../../core/gates/decide.ts';

/**
 * The Step Functions client module, loaded when a gate is first resumed: every task shares one bundle,
 * and only the gate function sends task tokens (loading the client costs a cold start about 60 ms).
 */
const sfnSdk = () => import('@aws-sdk/client-sfn');

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
  private own: SFNClient | undefined;

  /** `sfn`: the client to send with; by default one made when the first token is sent. */
  constructor(private readonly sfn?: SFNClient) {}

  private async client(): Promise<SFNClient> {
    if (this.sfn) return this.sfn;
    const { SFNClient } = await sfnSdk();
    this.own ??= new SFNClient({});
    return this.own;
  }

  async succeed(taskToken: string, output: GateOutput): Promise<TokenDelivery> {
    const { SendTaskSuccessCommand } = await sfnSdk();
    const command = new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) });
    return await deliver((await this.client()).send(command));
  }

  async fail(taskToken: string, failure: { error: string; cause: string }): Promise<TokenDelivery> {
    const { SendTaskFailureCommand } = await sfnSdk();
    return await deliver((await this.client()).send(new SendTaskFailureCommand({ taskToken, ...failure })));
  }

  async heartbeat(taskToken: string): Promise<TokenDelivery> {
    const { SendTaskHeartbeatCommand } = await sfnSdk();
    return await deliver((await this.client()).send(new SendTaskHeartbeatCommand({ taskToken })));
  }
}
