-- Contract: every app server now runs the version that no longer reads username.
-- migrate:up
ALTER TABLE users DROP COLUMN username;

-- migrate:down irreversible: the username values are gone; re-add the column and fill it from display_name by hand
