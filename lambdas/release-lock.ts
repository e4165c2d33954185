import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `releaseLock` task (bundled by the construct; `ZERODOWN_TASK=releaseLock`). */
export const handler = awsTaskHandler('releaseLock');
