-- A CHECK added NOT VALID, validated in the next migration, lets the swap's SET NOT NULL skip its scan.
-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_id_new_not_null CHECK (id_new IS NOT NULL) NOT VALID;

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_id_new_not_null;
