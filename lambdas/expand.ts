import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `expand` task (bundled by the construct; `ZERODOWN_TASK=expand`). */
export const handler = awsTaskHandler('expand');
