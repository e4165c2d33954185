import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `contract` task (bundled by the construct; `ZERODOWN_TASK=contract`). */
export const handler = awsTaskHandler('contract');
