-- +goose Up
-- People: internal users (partner_id NULL) and partner users (partner_id set).
CREATE TABLE users (
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    id              TEXT NOT NULL,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL,
    partner_id      TEXT,
    status          TEXT NOT NULL DEFAULT 'invited',
    invited_by      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_sign_in_at INTEGER,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id)
);
CREATE UNIQUE INDEX users_by_email ON users (workspace_id, email);
CREATE INDEX users_by_email_anywhere ON users (email);

-- Server-side sessions; the browser holds only the secret whose hash is id.
CREATE TABLE sessions (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    seen_at      INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX sessions_by_user ON sessions (workspace_id, user_id);

-- Single-use sign-in links (magic links and invitations); id is the hash of the secret.
CREATE TABLE signin_links (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);

-- Signed action links: one row per link signed, for use counting and revocation.
CREATE TABLE action_links (
    workspace_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    holder       TEXT NOT NULL DEFAULT '',
    expires_at   INTEGER NOT NULL,
    max_uses     INTEGER NOT NULL DEFAULT 0,
    uses         INTEGER NOT NULL DEFAULT 0,
    revoked_at   INTEGER,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX action_links_by_subject ON action_links (workspace_id, subject);

CREATE TABLE api_tokens (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL,
    role         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    partner_id   TEXT,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    PRIMARY KEY (workspace_id, id)
);
-- Authentication finds a token by its public id before the workspace is known.
CREATE UNIQUE INDEX api_tokens_by_id ON api_tokens (id);

-- Append-only: the store has no UPDATE or DELETE statement for this table.
CREATE TABLE audit_log (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    at           INTEGER NOT NULL,
    actor_type   TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    changes      TEXT NOT NULL DEFAULT '',
    rationale    TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX audit_by_subject ON audit_log (workspace_id, subject_type, subject_id, id);
CREATE INDEX audit_by_actor ON audit_log (workspace_id, actor_id, id);

-- Email to send (or, without SMTP, to show admins on the outbox page).
CREATE TABLE outbox (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    to_name      TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL,
    text_body    TEXT NOT NULL,
    html_body    TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'queued',
    error        TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    PRIMARY KEY (workspace_id, id)
);

-- Deployment-wide secrets (signing keys), created on first start and shared by replicas.
CREATE TABLE deployment_keys (
    purpose    TEXT NOT NULL,
    id         TEXT NOT NULL,
    secret     BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (purpose, id)
);

-- +goose Down
DROP TABLE deployment_keys;
DROP TABLE outbox;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE action_links;
DROP TABLE signin_links;
DROP TABLE sessions;
DROP TABLE users;
