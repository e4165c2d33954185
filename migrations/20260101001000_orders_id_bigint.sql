-- Expand: orders.id int -> bigint through a shadow column; nothing the app sees changes yet.
-- migrate:up
ALTER TABLE orders ADD COLUMN id_new bigint;

-- migrate:down
ALTER TABLE orders DROP COLUMN id_new;
