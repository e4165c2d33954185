import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `plan` task (bundled by the construct; `ZERODOWN_TASK=plan`). */
export const handler = awsTaskHandler('plan');
