-- +goose Up
-- Pricing guardrails on opportunities (the discount asked for, its approval and price
-- protection, as JSON), renewals and expansions (the opportunity's kind, the renewal
-- date and the confirmation of who owns the renewal, with its timer), and saved views
-- of the pipeline list.
ALTER TABLE opportunities ADD COLUMN pricing TEXT NOT NULL DEFAULT '{}';
ALTER TABLE opportunities ADD COLUMN kind TEXT NOT NULL DEFAULT 'new';
ALTER TABLE opportunities ADD COLUMN renewal_on TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN renewal_wake_at INTEGER;
ALTER TABLE opportunities ADD COLUMN renewal_asked_at INTEGER;
ALTER TABLE opportunities ADD COLUMN renewal_escalated_at INTEGER;
ALTER TABLE opportunities ADD COLUMN renewal_confirmed_at INTEGER;
ALTER TABLE opportunities ADD COLUMN renewal_confirmed_by TEXT NOT NULL DEFAULT '';
CREATE INDEX opportunities_by_renewal_wake ON opportunities (workspace_id, renewal_wake_at);

CREATE TABLE pipeline_views (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    query        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX pipeline_views_by_user ON pipeline_views (workspace_id, user_id, name);

-- +goose Down
DROP TABLE pipeline_views;
DROP INDEX opportunities_by_renewal_wake;
ALTER TABLE opportunities DROP COLUMN renewal_confirmed_by;
ALTER TABLE opportunities DROP COLUMN renewal_confirmed_at;
ALTER TABLE opportunities DROP COLUMN renewal_escalated_at;
ALTER TABLE opportunities DROP COLUMN renewal_asked_at;
ALTER TABLE opportunities DROP COLUMN renewal_wake_at;
ALTER TABLE opportunities DROP COLUMN renewal_on;
ALTER TABLE opportunities DROP COLUMN kind;
ALTER TABLE opportunities DROP COLUMN pricing;
