-- +goose Up
-- Notes on opportunities (shared with the partners on them, or internal only) with the
-- follow-up owed after a meeting, the mutual action plan's milestones, and the
-- workspace's pipeline settings (freshness, follow-up and nudge rules, plan templates).
ALTER TABLE workspaces ADD COLUMN pipeline_settings TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN follow_up_due_at BIGINT;
ALTER TABLE opportunities ADD COLUMN follow_up_overdue_at BIGINT;
CREATE INDEX opportunities_by_activity ON opportunities (workspace_id, status, last_activity_at);

CREATE TABLE opportunity_notes (
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    id             TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    visibility     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    body           TEXT NOT NULL,
    author_id      TEXT NOT NULL DEFAULT '',
    author_name    TEXT NOT NULL DEFAULT '',
    author_side    TEXT NOT NULL,
    partner_id     TEXT NOT NULL DEFAULT '',
    follow_up_due_at BIGINT,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, opportunity_id) REFERENCES opportunities (workspace_id, id)
);
CREATE INDEX opportunity_notes_by_opportunity ON opportunity_notes (workspace_id, opportunity_id, created_at);

CREATE TABLE opportunity_milestones (
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id),
    id               TEXT NOT NULL,
    opportunity_id   TEXT NOT NULL,
    milestone_key    TEXT NOT NULL DEFAULT '',
    title            TEXT NOT NULL,
    owner_side       TEXT NOT NULL,
    owner_user_id    TEXT NOT NULL DEFAULT '',
    owner_contact_id TEXT NOT NULL DEFAULT '',
    owner_partner_id TEXT NOT NULL DEFAULT '',
    owner_name       TEXT NOT NULL DEFAULT '',
    due_on           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    position         INTEGER NOT NULL DEFAULT 0,
    done_at          BIGINT,
    nudge_at         BIGINT,
    nudged_at        BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, opportunity_id) REFERENCES opportunities (workspace_id, id)
);
CREATE INDEX opportunity_milestones_by_opportunity ON opportunity_milestones (workspace_id, opportunity_id, position, id);

-- +goose Down
DROP TABLE opportunity_milestones;
DROP TABLE opportunity_notes;
DROP INDEX opportunities_by_activity;
ALTER TABLE opportunities DROP COLUMN follow_up_overdue_at;
ALTER TABLE opportunities DROP COLUMN follow_up_due_at;
ALTER TABLE workspaces DROP COLUMN pipeline_settings;
