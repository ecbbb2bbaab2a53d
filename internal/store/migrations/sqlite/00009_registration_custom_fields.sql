-- +goose Up
-- Values of the workspace's own registration fields (JSON object: key → text).
ALTER TABLE registrations ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE registrations DROP COLUMN custom;
