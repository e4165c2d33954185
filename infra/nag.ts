import { Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * Acknowledges the cdk-nag AwsSolutions findings the orchestrator cannot avoid, each with the reason.
 * Everything else the pack checks passes (test/infra/nag.test.ts runs it).
 */
export function acknowledgeOrchestratorFindings(orchestrator: Construct): void {
  Validations.of(orchestrator).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'The task functions run on Node.js 22 on purpose: the release the project is built and tested on.',
  });
}
