import { refreshingMaterializedView } from '../../../../core/lint/rules/refreshing-materialized-view.ts';
import { describeRule } from '../cases.ts';

describeRule(refreshingMaterializedView, {
  unsafe: [
    { sql: 'REFRESH MATERIALIZED VIEW daily_sales;', message: /blocks every read of daily_sales/ },
    { sql: 'REFRESH MATERIALIZED VIEW reporting.daily_sales WITH DATA;', phase: 'contract' },
  ],
  safe: [
    { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;' },
    { sql: 'CREATE MATERIALIZED VIEW s AS SELECT 1 AS a WITH NO DATA;\nREFRESH MATERIALIZED VIEW s;' },
  ],
});
