-- Expand: the new app version reads display_name, the old one keeps writing username.
-- migrate:up
ALTER TABLE users ADD COLUMN display_name text;

-- migrate:down
ALTER TABLE users DROP COLUMN display_name;
