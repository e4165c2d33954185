import { transactionNesting } from '../../../../core/lint/rules/transaction-nesting.ts';
import { describeRule } from '../cases.ts';

describeRule(transactionNesting, {
  unsafe: [{ sql: 'ALTER TABLE users ADD COLUMN a text;\nCOMMIT;', message: /ends that transaction early/ }],
  safe: [{ sql: '-- migrate:up transaction:false\nBEGIN;\nALTER TABLE users ADD COLUMN a text;\nCOMMIT;' }],
});
