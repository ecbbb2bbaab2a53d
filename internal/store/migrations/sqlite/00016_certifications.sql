-- +goose Up
-- Certifications: the workspace's catalogue (cert_key, name, validity, optional motion and
-- product) and the certifications partner organisations and their people hold. Dates
-- are calendar days written YYYY-MM-DD; expires_on is '' for a certification that
-- never expires. reminded_until is the expiry a reminder was sent for, so each expiry
-- is announced once.
CREATE TABLE certification_definitions (
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    cert_key        TEXT NOT NULL,
    name            TEXT NOT NULL,
    validity_months INTEGER NOT NULL DEFAULT 0,
    motion          TEXT NOT NULL DEFAULT '',
    product         TEXT NOT NULL DEFAULT '',
    retired         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, cert_key)
);

CREATE TABLE partner_certifications (
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    id             TEXT NOT NULL,
    partner_id     TEXT NOT NULL,
    contact_id     TEXT NOT NULL DEFAULT '',
    cert_key       TEXT NOT NULL,
    earned_on      TEXT NOT NULL,
    expires_on     TEXT NOT NULL DEFAULT '',
    revoked_at     INTEGER,
    revoked_by     TEXT NOT NULL DEFAULT '',
    revoker_name   TEXT NOT NULL DEFAULT '',
    revoke_reason  TEXT NOT NULL DEFAULT '',
    recorded_by    TEXT NOT NULL,
    recorder_name  TEXT NOT NULL DEFAULT '',
    evidence       TEXT NOT NULL DEFAULT '',
    reminded_until TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id),
    FOREIGN KEY (workspace_id, cert_key) REFERENCES certification_definitions (workspace_id, cert_key)
);
CREATE INDEX partner_certifications_by_partner ON partner_certifications (workspace_id, partner_id, earned_on);
CREATE INDEX partner_certifications_by_expiry ON partner_certifications (workspace_id, expires_on);

-- +goose Down
DROP TABLE partner_certifications;
DROP TABLE certification_definitions;
