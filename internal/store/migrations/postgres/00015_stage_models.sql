-- +goose Up
-- A workspace's own stage model of a motion (SPEC G1), as JSON. A motion without a
-- row, or whose row holds an empty model, uses the built-in default. The version
-- guards against two people saving over each other.
CREATE TABLE stage_models (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    motion       TEXT NOT NULL,
    model        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, motion)
);

-- +goose Down
DROP TABLE stage_models;
