-- +goose Up
-- Two-step approval: the first of two reviewers' approvals, kept until the second.
ALTER TABLE registrations ADD COLUMN first_approval_by TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN first_approval_name TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN first_approval_at INTEGER;

-- +goose Down
ALTER TABLE registrations DROP COLUMN first_approval_at;
ALTER TABLE registrations DROP COLUMN first_approval_name;
ALTER TABLE registrations DROP COLUMN first_approval_by;
