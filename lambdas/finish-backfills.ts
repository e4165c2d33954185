import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `finishBackfills` task (bundled by the construct; `ZERODOWN_TASK=finishBackfills`). */
export const handler = awsTaskHandler('finishBackfills');
