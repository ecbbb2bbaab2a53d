-- +goose Up
-- Times are whole milliseconds since 1970 (UTC) in both engines.
CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL DEFAULT 'UTC',
    currency    TEXT NOT NULL DEFAULT 'USD',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE partners (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    domain       TEXT NOT NULL DEFAULT '',
    tier         TEXT NOT NULL DEFAULT '',
    region       TEXT NOT NULL DEFAULT '',
    lifecycle    TEXT NOT NULL DEFAULT 'applied',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX partners_by_name ON partners (workspace_id, name);

CREATE TABLE partner_motions (
    workspace_id TEXT NOT NULL,
    partner_id   TEXT NOT NULL,
    motion       TEXT NOT NULL,
    PRIMARY KEY (workspace_id, partner_id, motion),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX partner_motions_by_motion ON partner_motions (workspace_id, motion, partner_id);

CREATE TABLE accounts (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    domain       TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    industry     TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX accounts_by_domain ON accounts (workspace_id, domain);

CREATE TABLE contacts (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    account_id   TEXT,
    partner_id   TEXT,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id)
);
CREATE INDEX contacts_by_account ON contacts (workspace_id, account_id);
CREATE INDEX contacts_by_partner ON contacts (workspace_id, partner_id);

-- Responses remembered for POST requests that carried an Idempotency-Key.
CREATE TABLE idempotency_keys (
    workspace_id  TEXT NOT NULL,
    actor         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    body          BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, actor, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE contacts;
DROP TABLE accounts;
DROP TABLE partner_motions;
DROP TABLE partners;
DROP TABLE workspaces;
