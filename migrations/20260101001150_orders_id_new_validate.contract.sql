-- migrate:up
ALTER TABLE orders VALIDATE CONSTRAINT orders_id_new_not_null;

-- migrate:down
