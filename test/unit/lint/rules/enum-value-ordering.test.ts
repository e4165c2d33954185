import { enumValueOrdering } from '../../../../core/lint/rules/enum-value-ordering.ts';
import { describeRule } from '../cases.ts';

describeRule(enumValueOrdering, {
  unsafe: [{ sql: "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';", message: /AFTER 'ok'/ }],
  safe: [{ sql: "ALTER TYPE mood ADD VALUE 'meh';" }],
});
