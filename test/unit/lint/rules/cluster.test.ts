import { cluster } from '../../../../core/lint/rules/cluster.ts';
import { describeRule } from '../cases.ts';

describeRule(cluster, {
  unsafe: [{ sql: 'CLUSTER orders USING orders_created_at_idx;' }, { sql: 'CLUSTER;' }],
  safe: [{ sql: 'CREATE TABLE a (id bigint PRIMARY KEY);\nCLUSTER a USING a_pkey;' }],
});
