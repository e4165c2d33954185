import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `acquireLock` task (bundled by the construct; `ZERODOWN_TASK=acquireLock`). */
export const handler = awsTaskHandler('acquireLock');
