-- +goose Up
-- In-app notifications, one row per person told.
CREATE TABLE notifications (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    link         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    read_at      BIGINT,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX notifications_by_user ON notifications (workspace_id, user_id, id);

-- +goose Down
DROP TABLE notifications;
