import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `rollback` task (bundled by the construct; `ZERODOWN_TASK=rollback`). */
export const handler = awsTaskHandler('rollback');
