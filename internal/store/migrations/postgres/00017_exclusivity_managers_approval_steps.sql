-- +goose Up
-- Territory exclusivity a partner has earned (one row per partner and territory, in
-- force until expires_at when set); the manager each internal user reports to, whom
-- escalations reach; and the approvals a registration collected so far in its
-- approval chain (JSON, one entry per step approved).
CREATE TABLE partner_exclusivity (
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    partner_id      TEXT NOT NULL,
    territory       TEXT NOT NULL,
    granted_at      BIGINT NOT NULL,
    granted_by      TEXT NOT NULL DEFAULT '',
    granted_by_name TEXT NOT NULL DEFAULT '',
    expires_at      BIGINT,
    rationale       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, partner_id, territory),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id)
);
CREATE INDEX partner_exclusivity_by_territory ON partner_exclusivity (workspace_id, territory);

ALTER TABLE users ADD COLUMN manager_id TEXT NOT NULL DEFAULT '';

ALTER TABLE registrations ADD COLUMN approvals TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE registrations DROP COLUMN approvals;
ALTER TABLE users DROP COLUMN manager_id;
DROP TABLE partner_exclusivity;
