-- +goose Up
-- A saved pipeline view may be shared with everyone on the vendor's side of the
-- workspace (1) or kept by the person who saved it (0).
ALTER TABLE pipeline_views ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pipeline_views_shared ON pipeline_views (workspace_id, shared, name);

-- +goose Down
DROP INDEX pipeline_views_shared;
ALTER TABLE pipeline_views DROP COLUMN shared;
