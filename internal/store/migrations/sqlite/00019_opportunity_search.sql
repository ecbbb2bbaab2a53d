-- +goose Up
-- Searching opportunities by part of the name reads names in id order until a page
-- is found. This index holds just the name beside the key, so that scan reads a
-- narrow index instead of every whole opportunity row.
CREATE INDEX opportunities_by_name ON opportunities (workspace_id, id, name);

-- +goose Down
DROP INDEX opportunities_by_name;
