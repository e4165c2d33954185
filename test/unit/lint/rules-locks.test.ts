import { describe } from 'vitest';
import { ruleCases } from './cases.ts';

describe('require-concurrent-index-creation', () => {
  ruleCases('require-concurrent-index-creation', {
    unsafe: [
      {
        sql: 'CREATE INDEX orders_status_idx ON orders (status);',
        message: /orders_status_idx on orders without CONCURRENTLY blocks writes/,
      },
      { sql: 'CREATE UNIQUE INDEX users_email_key ON public.users (lower(email));', phase: 'contract' },
      { sql: "CREATE INDEX ON orders (status) WHERE status <> 'done';" },
    ],
    safe: [
      { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);' },
      {
        sql: 'CREATE TABLE refunds (id bigint, order_id bigint);\nCREATE INDEX refunds_order_id_idx ON refunds (order_id);',
      },
      { sql: 'CREATE TABLE s.refunds (id bigint);\nCREATE INDEX refunds_id_idx ON s.refunds (id);' },
    ],
  });
});

describe('require-concurrent-index-deletion', () => {
  ruleCases('require-concurrent-index-deletion', {
    unsafe: [
      { sql: 'DROP INDEX orders_status_idx;', message: /DROP INDEX orders_status_idx without CONCURRENTLY/ },
      { sql: 'DROP INDEX IF EXISTS a_idx, b_idx;', phase: 'contract' },
    ],
    safe: [
      { sql: 'DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;' },
      { sql: 'CREATE TABLE tmp_t (a int);\nCREATE INDEX tmp_t_a ON tmp_t (a);\nDROP INDEX tmp_t_a;' },
    ],
  });
});

describe('require-concurrent-reindex', () => {
  ruleCases('require-concurrent-reindex', {
    unsafe: [
      { sql: 'REINDEX TABLE orders;', message: /REINDEX TABLE orders without CONCURRENTLY/ },
      { sql: 'REINDEX INDEX orders_pkey;' },
    ],
    safe: [
      { sql: 'REINDEX TABLE CONCURRENTLY orders;' },
      { sql: 'REINDEX (VERBOSE, CONCURRENTLY) INDEX orders_pkey;' },
    ],
  });
});

describe('concurrently-in-transaction', () => {
  ruleCases('concurrently-in-transaction', {
    unsafe: [
      {
        sql: 'BEGIN;\nDROP INDEX CONCURRENTLY orders_status_idx;\nCOMMIT;',
        message: /cannot run inside a transaction block/,
      },
      {
        sql: '-- migrate:up transaction:false\nSTART TRANSACTION;\nREINDEX INDEX CONCURRENTLY orders_pkey;\nCOMMIT;',
      },
    ],
    safe: [
      { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);' },
      {
        sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);',
      },
    ],
  });
});

describe('constraint-missing-not-valid', () => {
  ruleCases('constraint-missing-not-valid', {
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
});

describe('validate-constraint-same-transaction', () => {
  const add =
    'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;';
  ruleCases('validate-constraint-same-transaction', {
    unsafe: [
      {
        sql: `${add}\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;`,
        message: /orders_customer_fk runs in the transaction that added it/,
      },
      {
        sql: `-- migrate:up transaction:false\nBEGIN;\n${add}\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\nCOMMIT;`,
      },
    ],
    safe: [
      { sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;', before: [add] },
      {
        sql: `-- migrate:up transaction:false\n${add}\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;`,
      },
      {
        sql: `BEGIN;\n${add}\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;`.replace(
          'BEGIN;\n',
          '-- migrate:up transaction:false\nBEGIN;\n',
        ),
      },
    ],
  });
});

describe('truncating-table, vacuum-full, cluster, lock-table, setting-logged-unlogged, dropping-database', () => {
  ruleCases('truncating-table', {
    unsafe: [{ sql: 'TRUNCATE sessions CASCADE;', message: /TRUNCATE sessions CASCADE deletes every row/ }],
    safe: [{ sql: 'CREATE TABLE import_rows (id bigint);\nTRUNCATE import_rows;' }],
  });
  ruleCases('vacuum-full', {
    unsafe: [
      { sql: 'VACUUM FULL orders;' },
      { sql: 'VACUUM (FULL, ANALYZE) orders;', message: /VACUUM FULL orders rewrites/ },
    ],
    safe: [{ sql: 'VACUUM (ANALYZE) orders;' }, { sql: 'VACUUM (FULL false) orders;' }],
  });
  ruleCases('cluster', {
    unsafe: [{ sql: 'CLUSTER orders USING orders_created_at_idx;' }, { sql: 'CLUSTER;' }],
    safe: [{ sql: 'CREATE TABLE a (id bigint PRIMARY KEY);\nCLUSTER a USING a_pkey;' }],
  });
  ruleCases('lock-table', {
    unsafe: [
      { sql: 'LOCK TABLE orders;', message: /ACCESS EXCLUSIVE MODE blocks reads and writes/ },
      { sql: 'LOCK orders IN SHARE MODE;', message: /blocks writes/ },
    ],
    safe: [
      { sql: 'LOCK TABLE orders IN ROW EXCLUSIVE MODE;' },
      { sql: 'CREATE TABLE t (a int);\nLOCK TABLE t;' },
    ],
  });
  ruleCases('setting-logged-unlogged', {
    unsafe: [
      { sql: 'ALTER TABLE events SET LOGGED;' },
      { sql: 'ALTER TABLE events SET UNLOGGED;', phase: 'contract' },
    ],
    safe: [
      { sql: 'CREATE TABLE e (a int);\nALTER TABLE e SET UNLOGGED;' },
      { sql: 'CREATE UNLOGGED TABLE e2 (a int);' },
    ],
  });
  ruleCases('dropping-database', {
    unsafe: [{ sql: 'DROP DATABASE IF EXISTS reporting;' }],
    safe: [{ sql: 'DROP SCHEMA IF EXISTS reporting_tmp;', phase: 'contract' }],
  });
});

describe('bulk-update-in-schema-migration', () => {
  ruleCases('bulk-update-in-schema-migration', {
    unsafe: [
      { sql: 'UPDATE users SET active = true;', message: /UPDATE users changes every row/ },
      {
        sql: "UPDATE orders SET status = 'archived' WHERE created_at < now() - interval '1 year';",
        message: /possibly many rows/,
      },
      {
        sql: 'DELETE FROM sessions WHERE expires_at < now();',
        phase: 'contract',
        message: /DELETE FROM sessions removes/,
      },
      { sql: "UPDATE orders SET status = 'x' WHERE status = 'y';" },
    ],
    safe: [
      { sql: "UPDATE settings SET value = 'on' WHERE key = 'checkout_v2';" },
      { sql: 'DELETE FROM plans WHERE id IN (3, 4);' },
      { sql: "UPDATE users SET role = 'admin' WHERE email = 'ops@example.com' AND deleted_at IS NULL;" },
      {
        sql: "CREATE TABLE plans2 (id bigint, name text);\nINSERT INTO plans2 VALUES (1, 'free');\nUPDATE plans2 SET name = 'basic';",
      },
    ],
  });
});
