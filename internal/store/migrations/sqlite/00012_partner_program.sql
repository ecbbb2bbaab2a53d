-- +goose Up
-- The partner program: tiers and the review grace period (one JSON document per
-- workspace), tier reviews proposed by the scheduled evaluation, each partner's
-- standing against its tier's requirements, offboardings, and applications from the
-- public form.
CREATE TABLE partner_programs (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    settings     TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id)
);

CREATE TABLE tier_reviews (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    id           TEXT NOT NULL,
    partner_id   TEXT NOT NULL,
    direction    TEXT NOT NULL,
    from_tier    TEXT NOT NULL,
    to_tier      TEXT NOT NULL,
    status       TEXT NOT NULL,
    evidence     TEXT NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    decided_at   INTEGER,
    decided_by   TEXT NOT NULL DEFAULT '',
    decider_name TEXT NOT NULL DEFAULT '',
    rationale    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id)
);
CREATE INDEX tier_reviews_by_status ON tier_reviews (workspace_id, status, id);
CREATE INDEX tier_reviews_by_partner ON tier_reviews (workspace_id, partner_id, id);

-- below_since is when the partner was first found below its tier's requirements
-- (NULL while it meets them); the grace period runs from there.
CREATE TABLE tier_standings (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    partner_id   TEXT NOT NULL,
    below_since  INTEGER,
    evaluated_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, partner_id),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id)
);

CREATE TABLE partner_offboardings (
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    id             TEXT NOT NULL,
    partner_id     TEXT NOT NULL,
    owner_user_id  TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    users_ended    INTEGER NOT NULL DEFAULT 0,
    registrations  TEXT NOT NULL DEFAULT '[]',
    opportunities  TEXT NOT NULL DEFAULT '[]',
    actor_id       TEXT NOT NULL,
    actor_name     TEXT NOT NULL DEFAULT '',
    at             INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, partner_id) REFERENCES partners (workspace_id, id)
);
CREATE INDEX partner_offboardings_by_partner ON partner_offboardings (workspace_id, partner_id, at);

CREATE TABLE partner_applications (
    workspace_id       TEXT NOT NULL REFERENCES workspaces (id),
    id                 TEXT NOT NULL,
    status             TEXT NOT NULL,
    company            TEXT NOT NULL,
    website            TEXT NOT NULL DEFAULT '',
    domain             TEXT NOT NULL DEFAULT '',
    contact_name       TEXT NOT NULL,
    contact_email      TEXT NOT NULL,
    motions            TEXT NOT NULL DEFAULT '[]',
    region             TEXT NOT NULL DEFAULT '',
    message            TEXT NOT NULL DEFAULT '',
    matched_partner_id TEXT NOT NULL DEFAULT '',
    match_reason       TEXT NOT NULL DEFAULT '',
    submissions        INTEGER NOT NULL DEFAULT 1,
    partner_id         TEXT NOT NULL DEFAULT '',
    decided_at         INTEGER,
    decided_by         TEXT NOT NULL DEFAULT '',
    decider_name       TEXT NOT NULL DEFAULT '',
    reason             TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX partner_applications_by_status ON partner_applications (workspace_id, status, id);
CREATE INDEX partner_applications_by_email ON partner_applications (workspace_id, contact_email);
CREATE INDEX partner_applications_by_domain ON partner_applications (workspace_id, domain);

-- +goose Down
DROP TABLE partner_applications;
DROP TABLE partner_offboardings;
DROP TABLE tier_standings;
DROP TABLE tier_reviews;
DROP TABLE partner_programs;
