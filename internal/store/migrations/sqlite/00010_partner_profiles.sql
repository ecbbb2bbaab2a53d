-- +goose Up
-- Partner profiles (SPEC B1–B4): owner, internal notes, fit inputs and the stored fit
-- score; the partner's list values (regions, verticals, territories, named accounts,
-- tags) in one table; the lifecycle history; partner contacts' phone, partner role and
-- portal user; saved segments and saved list views; the workspace's partner program
-- settings (territories and fit criteria).
ALTER TABLE workspaces ADD COLUMN partner_settings TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN owner_user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN fit_inputs TEXT NOT NULL DEFAULT '{}';
ALTER TABLE partners ADD COLUMN fit_score INTEGER;
ALTER TABLE partners ADD COLUMN fit_result TEXT NOT NULL DEFAULT '';
CREATE INDEX partners_by_name_id ON partners (workspace_id, name, id);
CREATE INDEX partners_by_tier ON partners (workspace_id, tier, id);
CREATE INDEX partners_by_fit ON partners (workspace_id, fit_score, id);
CREATE INDEX partners_by_updated ON partners (workspace_id, updated_at, id);
CREATE INDEX partners_by_lifecycle ON partners (workspace_id, lifecycle, id);
CREATE INDEX partners_by_owner ON partners (workspace_id, owner_user_id, id);

CREATE TABLE partner_values (
    workspace_id TEXT NOT NULL,
    partner_id   TEXT NOT NULL,
    field        TEXT NOT NULL,
    position     INTEGER NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (workspace_id, partner_id, field, value),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX partner_values_by_value ON partner_values (workspace_id, field, value, partner_id);
INSERT INTO partner_values (workspace_id, partner_id, field, position, value)
    SELECT workspace_id, id, 'region', 0, region FROM partners WHERE region <> '';
UPDATE partners SET fit_score = -1;

CREATE TABLE partner_lifecycle_history (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    partner_id   TEXT NOT NULL,
    from_stage   TEXT NOT NULL,
    to_stage     TEXT NOT NULL,
    at           INTEGER NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL DEFAULT '',
    rationale    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id)
);
CREATE INDEX partner_lifecycle_history_by_partner ON partner_lifecycle_history (workspace_id, partner_id, at);

ALTER TABLE contacts ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN partner_role TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN user_id TEXT NOT NULL DEFAULT '';

CREATE TABLE segments (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    rule         TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX segments_by_name ON segments (workspace_id, name);

CREATE TABLE partner_views (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    query        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX partner_views_by_user ON partner_views (workspace_id, user_id, name);

-- +goose Down
DROP TABLE partner_views;
DROP TABLE segments;
ALTER TABLE contacts DROP COLUMN user_id;
ALTER TABLE contacts DROP COLUMN partner_role;
ALTER TABLE contacts DROP COLUMN phone;
DROP TABLE partner_lifecycle_history;
DROP TABLE partner_values;
DROP INDEX partners_by_owner;
DROP INDEX partners_by_lifecycle;
DROP INDEX partners_by_updated;
DROP INDEX partners_by_fit;
DROP INDEX partners_by_tier;
DROP INDEX partners_by_name_id;
ALTER TABLE partners DROP COLUMN fit_result;
ALTER TABLE partners DROP COLUMN fit_score;
ALTER TABLE partners DROP COLUMN fit_inputs;
ALTER TABLE partners DROP COLUMN notes;
ALTER TABLE partners DROP COLUMN owner_user_id;
ALTER TABLE workspaces DROP COLUMN partner_settings;
