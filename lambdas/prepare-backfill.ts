import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `prepareBackfill` task (bundled by the construct; `ZERODOWN_TASK=prepareBackfill`). */
export const handler = awsTaskHandler('prepareBackfill');
