import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `backfillChunk` task (bundled by the construct; `ZERODOWN_TASK=backfillChunk`). */
export const handler = awsTaskHandler('backfillChunk');
