import { beginWithoutCommit } from '../../../../core/lint/rules/begin-without-commit.ts';
import { describeRule } from '../cases.ts';

describeRule(beginWithoutCommit, {
  unsafe: [{ sql: '-- migrate:up transaction:false\nBEGIN;\nALTER TABLE users ADD COLUMN a text;' }],
  safe: [{ sql: '-- migrate:up transaction:false\nBEGIN;\nALTER TABLE users ADD COLUMN a text;\nCOMMIT;' }],
});
