-- +goose Up
-- Documents on opportunities: files kept by Tandem or links to documents kept
-- elsewhere, each of a kind that stage exit criteria can ask for ("order_form").
-- A file's bytes live in their own table so that lists never read them.
CREATE TABLE opportunity_attachments (
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    id             TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    url            TEXT NOT NULL DEFAULT '',
    content_type   TEXT NOT NULL DEFAULT '',
    size_bytes     BIGINT NOT NULL DEFAULT 0,
    sha256         TEXT NOT NULL DEFAULT '',
    visibility     TEXT NOT NULL,
    author_id      TEXT NOT NULL DEFAULT '',
    author_name    TEXT NOT NULL DEFAULT '',
    author_side    TEXT NOT NULL,
    partner_id     TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, opportunity_id) REFERENCES opportunities (workspace_id, id)
);
CREATE INDEX opportunity_attachments_by_opportunity ON opportunity_attachments (workspace_id, opportunity_id, created_at);

CREATE TABLE opportunity_attachment_content (
    workspace_id  TEXT NOT NULL,
    attachment_id TEXT NOT NULL,
    content       BYTEA NOT NULL,
    PRIMARY KEY (workspace_id, attachment_id),
    FOREIGN KEY (workspace_id, attachment_id) REFERENCES opportunity_attachments (workspace_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE opportunity_attachment_content;
DROP TABLE opportunity_attachments;
