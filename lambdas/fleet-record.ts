import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `fleetRecord` task of the fleet workflow (bundled by FleetOrchestrator; `ZERODOWN_TASK=fleetRecord`). */
export const handler = awsTaskHandler('fleetRecord');
