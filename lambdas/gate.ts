import { awsTaskHandler } from './aws/handler.ts';

/** Lambda entry of the `gate` task (bundled by the construct; `ZERODOWN_TASK=gate`). */
export const handler = awsTaskHandler('gate');
