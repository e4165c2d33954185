import { constraintMissingNotValid } from '../../../../core/lint/rules/constraint-missing-not-valid.ts';
import { describeRule } from '../cases.ts';

describeRule(constraintMissingNotValid, {
  unsafe: [
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);',
      message: /CHECK on orders checks every row/,
    },
    {
      sql: 'ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);',
      message: /blocks writes to orders and customers/,
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);',
      message: /inline FOREIGN KEY/,
    },
    { sql: 'ALTER TABLE orders ADD COLUMN qty int CHECK (qty > 0);', phase: 'contract' },
  ],
  safe: [
    { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;' },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;',
    },
    {
      sql: 'CREATE TABLE refunds (id bigint, order_id bigint REFERENCES orders (id), amount int CHECK (amount > 0));',
    },
    {
      sql: 'CREATE TABLE refunds (id bigint, order_id bigint);\nALTER TABLE refunds ADD FOREIGN KEY (order_id) REFERENCES orders (id);',
    },
  ],
});
