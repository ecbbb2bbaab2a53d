-- +goose Up
-- Deal registrations, the opportunities they become, and who owns an account.
ALTER TABLE workspaces ADD COLUMN registration_settings TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN owner_user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN incumbent_partner_id TEXT NOT NULL DEFAULT '';
CREATE INDEX accounts_by_update ON accounts (workspace_id, updated_at);

CREATE TABLE registrations (
    workspace_id          TEXT NOT NULL REFERENCES workspaces (id),
    id                    TEXT NOT NULL,
    partner_id            TEXT NOT NULL,
    status                TEXT NOT NULL,
    channel               TEXT NOT NULL,
    submitted_by          TEXT NOT NULL DEFAULT '',
    submitter_name        TEXT NOT NULL DEFAULT '',
    submitter_email       TEXT NOT NULL DEFAULT '',
    customer_name         TEXT NOT NULL,
    customer_domain       TEXT NOT NULL DEFAULT '',
    customer_country      TEXT NOT NULL DEFAULT '',
    contact_name          TEXT NOT NULL DEFAULT '',
    contact_email         TEXT NOT NULL DEFAULT '',
    opportunity_name      TEXT NOT NULL DEFAULT '',
    amount_minor          INTEGER NOT NULL DEFAULT 0,
    currency              TEXT NOT NULL DEFAULT '',
    expected_close_on     TEXT NOT NULL DEFAULT '',
    motion                TEXT NOT NULL,
    products              TEXT NOT NULL DEFAULT '[]',
    description           TEXT NOT NULL DEFAULT '',
    proof                 TEXT NOT NULL DEFAULT '',
    ruling                TEXT NOT NULL DEFAULT '',
    conflict_type         TEXT NOT NULL DEFAULT 'none',
    conflict_rule         TEXT NOT NULL DEFAULT '',
    partner_message       TEXT NOT NULL DEFAULT '',
    internal_explanation  TEXT NOT NULL DEFAULT '',
    candidates            TEXT NOT NULL DEFAULT '[]',
    review_due_at         INTEGER,
    review_reminded_at    INTEGER,
    review_escalated_at   INTEGER,
    decided_at            INTEGER,
    decided_by            TEXT NOT NULL DEFAULT '',
    decision_rationale    TEXT NOT NULL DEFAULT '',
    review_sla_met        INTEGER,
    approved_at           INTEGER,
    window_days           INTEGER NOT NULL DEFAULT 0,
    extensions            TEXT NOT NULL DEFAULT '[]',
    last_activity_at      INTEGER,
    converted_at          INTEGER,
    ended_at              INTEGER,
    reminded_for          INTEGER,
    no_touch_flagged_at   INTEGER,
    conversion_flagged_at INTEGER,
    account_id            TEXT NOT NULL DEFAULT '',
    opportunity_id        TEXT NOT NULL DEFAULT '',
    appeals               INTEGER NOT NULL DEFAULT 0,
    appeal_text           TEXT NOT NULL DEFAULT '',
    appeal_due_at         INTEGER,
    wake_at               INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id)
);
CREATE INDEX registrations_by_partner ON registrations (workspace_id, partner_id, id);
CREATE INDEX registrations_by_status ON registrations (workspace_id, status, review_due_at);
CREATE INDEX registrations_by_update ON registrations (workspace_id, updated_at);

CREATE TABLE opportunities (
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id),
    id               TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    name             TEXT NOT NULL,
    amount_minor     INTEGER NOT NULL DEFAULT 0,
    currency         TEXT NOT NULL DEFAULT '',
    close_on         TEXT NOT NULL DEFAULT '',
    motion           TEXT NOT NULL,
    stage            TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'open',
    owner_user_id    TEXT NOT NULL DEFAULT '',
    next_step        TEXT NOT NULL DEFAULT '',
    partner_id       TEXT NOT NULL DEFAULT '',
    registration_id  TEXT NOT NULL DEFAULT '',
    last_activity_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id)
);
CREATE INDEX opportunities_by_account ON opportunities (workspace_id, account_id);
CREATE INDEX opportunities_by_partner ON opportunities (workspace_id, partner_id, id);

-- +goose Down
DROP TABLE opportunities;
DROP TABLE registrations;
DROP INDEX accounts_by_update;
ALTER TABLE accounts DROP COLUMN incumbent_partner_id;
ALTER TABLE accounts DROP COLUMN owner_user_id;
ALTER TABLE workspaces DROP COLUMN registration_settings;
