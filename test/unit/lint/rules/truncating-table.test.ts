import { truncatingTable } from '../../../../core/lint/rules/truncating-table.ts';
import { describeRule } from '../cases.ts';

describeRule(truncatingTable, {
  unsafe: [{ sql: 'TRUNCATE sessions CASCADE;', message: /TRUNCATE sessions CASCADE deletes every row/ }],
  safe: [{ sql: 'CREATE TABLE import_rows (id bigint);\nTRUNCATE import_rows;' }],
});
