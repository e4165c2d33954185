import { preferBigint } from '../../../../core/lint/rules/prefer-bigint.ts';
import { describeRule } from '../cases.ts';

describeRule(preferBigint, {
  unsafe: [
    { sql: 'CREATE TABLE carts (id serial PRIMARY KEY);', message: /carts\.id is serial/ },
    { sql: 'CREATE TABLE carts (id integer, PRIMARY KEY (id));', message: /carts\.id is integer/ },
    { sql: 'ALTER TABLE carts ADD COLUMN customer_id int;' },
    { sql: 'CREATE TABLE tags (id smallint GENERATED ALWAYS AS IDENTITY);' },
  ],
  safe: [
    { sql: 'CREATE TABLE carts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, quantity int);' },
    { sql: 'ALTER TABLE carts ADD COLUMN item_count integer;' },
    { sql: 'CREATE TABLE t (ids int[]);' },
  ],
});
