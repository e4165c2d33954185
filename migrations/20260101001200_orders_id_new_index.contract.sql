-- The unique index the new primary key will use, built without blocking writes.
-- migrate:up transaction:false
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_id_new_key ON orders (id_new);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS orders_id_new_key;
