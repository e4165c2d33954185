-- Contract: a CHECK added NOT VALID takes its lock only for an instant; it is validated next.
-- migrate:up
ALTER TABLE users ADD CONSTRAINT users_display_name_not_null CHECK (display_name IS NOT NULL) NOT VALID;

-- migrate:down
ALTER TABLE users DROP CONSTRAINT users_display_name_not_null;
