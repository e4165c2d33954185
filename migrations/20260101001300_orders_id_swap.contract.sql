-- The swap: one short transaction under lock_timeout; every statement is catalog-only.
-- migrate:up
ALTER TABLE orders ALTER COLUMN id_new SET NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_id_new_not_null;
ALTER TABLE orders DROP CONSTRAINT orders_pkey;
ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_new_key;
ALTER SEQUENCE orders_id_seq AS bigint OWNED BY orders.id_new;
ALTER TABLE orders ALTER COLUMN id_new SET DEFAULT nextval('orders_id_seq');
ALTER TABLE orders DROP COLUMN id;
ALTER TABLE orders RENAME COLUMN id_new TO id;

-- migrate:down irreversible: the int column is gone; going back to int would rewrite the table
