-- VALIDATE scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on meanwhile.
-- migrate:up
ALTER TABLE users VALIDATE CONSTRAINT users_display_name_not_null;

-- migrate:down
