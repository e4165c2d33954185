import { describe, expect, it } from 'vitest';
import { parseWorkflowInput, SCHEDULED_CONTRACT_INPUT, WorkflowInputSchema } from '../../../lambdas/input.ts';
import { gateNotice } from '../../../lambdas/tasks/gate.ts';

describe('the workflow input', () => {
  it('fills every default from a release alone', () => {
    expect(parseWorkflowInput({ release: 'v42' })).toEqual({
      release: 'v42',
      phases: ['expand', 'backfill', 'contract'],
      gates: { afterExpand: false, beforeContract: true },
      onGateReject: 'keep',
      ifLocked: 'fail',
      dryRun: false,
      contract: [],
      outOfOrder: false,
    });
  });

  it('puts phases in workflow order and keeps gate defaults for the gate not given', () => {
    const input = parseWorkflowInput({
      release: 'v1.2.3',
      phases: ['contract', 'expand'],
      gates: { afterExpand: true },
    });
    expect(input.phases).toEqual(['expand', 'contract']);
    expect(input.gates).toEqual({ afterExpand: true, beforeContract: true });
  });

  it('refuses unknown fields, bad phases and an empty override reason, naming each', () => {
    expect(() => parseWorkflowInput({ phases: [] })).toThrow(
      /release: .*; phases: phases needs at least one/,
    );
    expect(() => parseWorkflowInput({ release: 'v1', onGateReject: 'drop' })).toThrow(
      /onGateReject: Invalid option/,
    );
    expect(() => parseWorkflowInput({ release: 'v1', allowLintErrors: ' ' })).toThrow(
      'allowLintErrors: allowLintErrors needs the reason',
    );
    expect(() => parseWorkflowInput({ release: 'v1', dryrun: true })).toThrow('Unrecognized key: "dryrun"');
    expect(() => parseWorkflowInput('v1')).toThrow(/^invalid workflow input: \(input\): /);
  });

  it('the schedule sends a contract-only input without a gate, skipped while the lock is held', () => {
    expect(WorkflowInputSchema.parse(SCHEDULED_CONTRACT_INPUT)).toMatchObject({
      phases: ['contract'],
      gates: { afterExpand: false, beforeContract: false },
      ifLocked: 'skip',
    });
    expect(() => parseWorkflowInput({ release: 'v1', ifLocked: 'wait' })).toThrow(/ifLocked: Invalid option/);
  });
});

describe('the gate notice', () => {
  it('says what to deploy and gives the commands that decide the gate', () => {
    const notice = gateNotice({
      release: 'v42',
      gate: 'afterExpand',
      executionId: 'arn:e',
      timeoutSeconds: 5400,
    });
    expect(notice.subject).toBe('zerodown: release v42 waits at gate afterExpand');
    expect(notice.message.split('\n')).toEqual([
      'Release v42 waits at the afterExpand gate (execution arn:e).',
      'the expand migrations are applied: deploy the application version that works with the new schema, then approve to run the backfill:',
      '  zerodown gate approve --release v42',
      'or reject it (the expand is kept unless the execution asked for rollback):',
      "  zerodown gate reject --release v42 --reason '<why>'",
      'It times out after 90 min.',
    ]);
    // in AWS, the commands go through the gate function: no database access needed
    const inAws = gateNotice({
      release: 'v42',
      gate: 'beforeContract',
      executionId: 'arn:e',
      gateFunction: 'zd-Gate',
    });
    expect(inAws.message).toContain('  zerodown gate approve --release v42 --gate-function zd-Gate\n');
    expect(inAws.message).toContain(
      "  zerodown gate reject --release v42 --gate-function zd-Gate --reason '<why>'",
    );
  });

  it('of a versioned release names the search_path the new version must use', () => {
    const notice = gateNotice({
      release: 'v42',
      gate: 'afterExpand',
      executionId: 'arn:e',
      searchPath: 'zd_v42, public',
    });
    expect(notice.message.split('\n')[1]).toBe(
      'The new version must connect with search_path zd_v42, public: SET search_path = zd_v42, public, or options=-c search_path=zd_v42,public in its connection string. The old version keeps its own.',
    );
  });
});
