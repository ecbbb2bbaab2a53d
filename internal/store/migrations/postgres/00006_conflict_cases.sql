-- +goose Up
-- Channel-conflict cases: one row per conflict (key), with its deadlines and ruling.
CREATE TABLE conflict_cases (
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id),
    id                TEXT NOT NULL,
    case_key          TEXT NOT NULL,
    cause             TEXT NOT NULL,
    conflict_type     TEXT NOT NULL,
    status            TEXT NOT NULL,
    summary           TEXT NOT NULL,
    evidence          TEXT NOT NULL DEFAULT '',
    refs              TEXT NOT NULL DEFAULT '[]',
    partner_ids       TEXT NOT NULL DEFAULT '[]',
    direct            INTEGER NOT NULL DEFAULT 0,
    motion            TEXT NOT NULL DEFAULT '',
    region            TEXT NOT NULL DEFAULT '',
    opened_at         BIGINT NOT NULL,
    ack_due_at        BIGINT NOT NULL,
    acknowledged_at   BIGINT,
    acknowledged_by   TEXT NOT NULL DEFAULT '',
    ack_breached_at   BIGINT,
    plan_due_at       BIGINT NOT NULL,
    plan              TEXT NOT NULL DEFAULT '',
    plan_at           BIGINT,
    plan_breached_at  BIGINT,
    resolved_at       BIGINT,
    resolved_by       TEXT NOT NULL DEFAULT '',
    ruling            TEXT NOT NULL DEFAULT '',
    rationale         TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '[]',
    updated_at        BIGINT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX conflict_cases_by_key ON conflict_cases (workspace_id, case_key);
CREATE INDEX conflict_cases_by_status ON conflict_cases (workspace_id, status, id);
CREATE INDEX conflict_cases_by_opened ON conflict_cases (workspace_id, opened_at);
CREATE INDEX registrations_by_created ON registrations (workspace_id, created_at);

-- +goose Down
DROP INDEX registrations_by_created;
DROP TABLE conflict_cases;
