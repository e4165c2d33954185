import { vacuumFull } from '../../../../core/lint/rules/vacuum-full.ts';
import { describeRule } from '../cases.ts';

describeRule(vacuumFull, {
  unsafe: [
    { sql: 'VACUUM FULL orders;' },
    { sql: 'VACUUM (FULL, ANALYZE) orders;', message: /VACUUM FULL orders rewrites/ },
  ],
  safe: [{ sql: 'VACUUM (ANALYZE) orders;' }, { sql: 'VACUUM (FULL false) orders;' }],
});
