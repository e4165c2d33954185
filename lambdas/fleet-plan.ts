import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `fleetPlan` task of the fleet workflow (bundled by FleetOrchestrator; `ZERODOWN_TASK=fleetPlan`). */
export const handler = awsTaskHandler('fleetPlan');
