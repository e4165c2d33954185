-- SET NOT NULL skips its full-table scan because the validated CHECK proves it; then the CHECK goes.
-- migrate:up
ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_display_name_not_null;

-- migrate:down
ALTER TABLE users ADD CONSTRAINT users_display_name_not_null CHECK (display_name IS NOT NULL);
ALTER TABLE users ALTER COLUMN display_name DROP NOT NULL;
