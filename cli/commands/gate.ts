import { userInfo } from 'node:os';
import { type Command, Option } from 'commander';
import { GATE_NAMES } from '../../core/gates/gates.ts';
import type { GateAction, GateOptions } from '../actions/gate.ts';

function defaultDecider(): string {
  try {
    return process.env.ZERODOWN_ACTOR ?? userInfo().username;
  } catch {
    return 'unknown';
  }
}

function byOption(description: string): Option {
  return new Option('--by <name>', description).default(
    defaultDecider(),
    'ZERODOWN_ACTOR, else the user name',
  );
}

async function decide(action: GateAction, options: GateOptions): Promise<void> {
  const { runGateAction } = await import('../actions/gate.ts');
  await runGateAction(action, options);
}

/** The options every gate command takes: which gate, and the way to it (database or gate function). */
function gateCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .requiredOption('--release <name>', 'the release whose workflow waits')
    .addOption(new Option('--gate <name>', 'which gate (default: the open one)').choices([...GATE_NAMES]))
    .addOption(new Option('--database-url <url>', 'PostgreSQL connection URL').env('DATABASE_URL'))
    .addOption(
      new Option(
        '--gate-function <name>',
        'decide through the deployed gate function instead (no database access needed; stack output GateFunctionName)',
      ).env('ZERODOWN_GATE_FUNCTION'),
    )
    .option('--region <region>', 'AWS region of the state machine (default: the SDK configuration)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
}

/** `zerodown gate approve|reject|heartbeat`: decides (or keeps alive) the gate a release's workflow waits at. */
export function registerGate(program: Command): void {
  const gate = program
    .command('gate')
    .description(
      'approve, reject or send a heartbeat to the deploy gate a release waits at (local runs and Step Functions)',
    );
  for (const action of ['approve', 'reject'] as const) {
    gateCommand(gate, action, `${action} the gate the workflow of a release waits at`)
      .option('--reason <text>', 'why (recorded; a rejection passes it on as the failure cause)')
      .addOption(byOption('who decides (recorded)'))
      .action((options: GateOptions) => decide(action, options));
  }
  gateCommand(
    gate,
    'heartbeat',
    'tell the gate a release waits at that the deploy is still going (needed when the construct sets gateHeartbeat)',
  )
    .addOption(byOption('who sends it (logged)'))
    .action((options: GateOptions) => decide('heartbeat', options));
}
