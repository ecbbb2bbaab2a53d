-- +goose Up
-- The co-selling pipeline: versions on accounts and contacts for safe concurrent edits,
-- the opportunity fields exit criteria ask for, multi-partner attribution, stage
-- history (for velocity and leakage) and the workspace's attribution rules.
ALTER TABLE workspaces ADD COLUMN attribution_settings TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE contacts ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
UPDATE contacts SET updated_at = created_at;
ALTER TABLE opportunities ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
CREATE INDEX opportunities_by_stage ON opportunities (workspace_id, motion, stage, id);
CREATE INDEX opportunities_by_owner ON opportunities (workspace_id, owner_user_id, id);
CREATE INDEX opportunities_by_status ON opportunities (workspace_id, status, id);

CREATE TABLE opportunity_partners (
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    opportunity_id TEXT NOT NULL,
    partner_id     TEXT NOT NULL,
    credit         TEXT NOT NULL,
    share          INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, opportunity_id, partner_id),
    FOREIGN KEY (workspace_id, opportunity_id) REFERENCES opportunities (workspace_id, id),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id)
);
CREATE INDEX opportunity_partners_by_partner ON opportunity_partners (workspace_id, partner_id, opportunity_id);

CREATE TABLE opportunity_stage_history (
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    id             TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    from_stage     TEXT NOT NULL,
    to_stage       TEXT NOT NULL,
    at             BIGINT NOT NULL,
    actor_id       TEXT NOT NULL,
    actor_name     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, opportunity_id) REFERENCES opportunities (workspace_id, id)
);
CREATE INDEX opportunity_stage_history_by_opportunity ON opportunity_stage_history (workspace_id, opportunity_id, at);

-- +goose Down
DROP TABLE opportunity_stage_history;
DROP TABLE opportunity_partners;
DROP INDEX opportunities_by_status;
DROP INDEX opportunities_by_owner;
DROP INDEX opportunities_by_stage;
ALTER TABLE opportunities DROP COLUMN details;
ALTER TABLE contacts DROP COLUMN version;
ALTER TABLE contacts DROP COLUMN updated_at;
ALTER TABLE accounts DROP COLUMN version;
ALTER TABLE workspaces DROP COLUMN attribution_settings;
