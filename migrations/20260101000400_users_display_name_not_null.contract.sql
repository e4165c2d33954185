-- SET NOT NULL skips its full-table scan because the validated CHECK proves it; then the CHECK goes.
-- migrate:up
ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_display_name_not_null;

-- migrate:down
-- zerodown:ignore constraint-missing-not-valid it restores the CHECK as the earlier migration left it, validated; display_name is NOT NULL here, so the scan cannot fail
ALTER TABLE users ADD CONSTRAINT users_display_name_not_null CHECK (display_name IS NOT NULL);
ALTER TABLE users ALTER COLUMN display_name DROP NOT NULL;
