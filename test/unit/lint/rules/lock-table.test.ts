import { lockTable } from '../../../../core/lint/rules/lock-table.ts';
import { describeRule } from '../cases.ts';

describeRule(lockTable, {
  unsafe: [
    { sql: 'LOCK TABLE orders;', message: /ACCESS EXCLUSIVE MODE blocks reads and writes/ },
    { sql: 'LOCK orders IN SHARE MODE;', message: /blocks writes/ },
  ],
  safe: [
    { sql: 'LOCK TABLE orders IN ROW EXCLUSIVE MODE;' },
    { sql: 'CREATE TABLE t (a int);\nLOCK TABLE t;' },
  ],
});
