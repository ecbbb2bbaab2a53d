-- +goose Up
-- Business calendar (JSON: weekdays, hours, holidays; the zone is time_zone) and
-- single sign-on settings (JSON), with the last problem the identity provider caused.
ALTER TABLE workspaces ADD COLUMN calendar TEXT NOT NULL DEFAULT '';
ALTER TABLE workspaces ADD COLUMN sso TEXT NOT NULL DEFAULT '';
ALTER TABLE workspaces ADD COLUMN sso_problem TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE workspaces DROP COLUMN sso_problem;
ALTER TABLE workspaces DROP COLUMN sso;
ALTER TABLE workspaces DROP COLUMN calendar;
