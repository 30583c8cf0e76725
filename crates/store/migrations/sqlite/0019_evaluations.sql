-- 好差评 (issue 21): an invitation for every completed service, made in the closing
-- transaction (one service, one invitation); the token is kept as its SHA-256 (looked up)
-- and sealed (shown again only to the person served); a rating uses the invitation
-- once. Ratings carry what was rated and who served, never who rated: the rater's phone
-- stays sealed on the invitation for the call-back of a real-name bad review.
-- Running tallies per month and township, one row for all and one per institution,
-- serving account and channel, keep the figures exact over millions of ratings
-- (store::evaluation::tally, in the same transaction as each write).
-- Bad reviews and supervisors' findings open rectification tasks with their history.

CREATE TABLE evaluation_invitations (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT    NOT NULL,
    token_enc      TEXT    NOT NULL,
    service_kind   TEXT    NOT NULL,
    service_id     INTEGER NOT NULL,
    service_number TEXT    NOT NULL,
    channel        TEXT    NOT NULL,
    region_code    INTEGER NOT NULL,
    institution_id INTEGER,
    served_by      INTEGER,
    phone_enc      TEXT,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT
);
CREATE UNIQUE INDEX evaluation_invitations_token ON evaluation_invitations(token_hash);
CREATE UNIQUE INDEX evaluation_invitations_service ON evaluation_invitations(service_kind, service_id);

CREATE TABLE evaluations (
    id             INTEGER PRIMARY KEY,
    invitation_id  INTEGER NOT NULL REFERENCES evaluation_invitations(id),
    service_kind   TEXT    NOT NULL,
    service_id     INTEGER NOT NULL,
    service_number TEXT    NOT NULL,
    channel        TEXT    NOT NULL,
    region_code    INTEGER NOT NULL,
    institution_id INTEGER,
    served_by      INTEGER,
    level          INTEGER NOT NULL,
    indicators     TEXT    NOT NULL,
    reasons        TEXT    NOT NULL,
    comment_enc    TEXT,
    real_name      INTEGER NOT NULL DEFAULT 0,
    excluded       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX evaluations_invitation ON evaluations(invitation_id);
CREATE INDEX evaluations_region ON evaluations(region_code, created_at);
CREATE INDEX evaluations_institution ON evaluations(institution_id, created_at);

CREATE TABLE evaluation_tallies (
    id                INTEGER PRIMARY KEY,
    month             TEXT    NOT NULL,
    township          INTEGER NOT NULL,
    dim               TEXT    NOT NULL,
    item              TEXT    NOT NULL,
    completed         INTEGER NOT NULL DEFAULT 0,
    v5                INTEGER NOT NULL DEFAULT 0,
    v4                INTEGER NOT NULL DEFAULT 0,
    v3                INTEGER NOT NULL DEFAULT 0,
    v2                INTEGER NOT NULL DEFAULT 0,
    v1                INTEGER NOT NULL DEFAULT 0,
    excluded          INTEGER NOT NULL DEFAULT 0,
    rectified_on_time INTEGER NOT NULL DEFAULT 0,
    rectified_late    INTEGER NOT NULL DEFAULT 0,
    call_back_owed    INTEGER NOT NULL DEFAULT 0,
    called_back       INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX evaluation_tallies_key ON evaluation_tallies(township, month, dim, item);
CREATE INDEX evaluation_tallies_item ON evaluation_tallies(dim, item);

CREATE TABLE supervision_visits (
    id                INTEGER PRIMARY KEY,
    region_code       INTEGER NOT NULL,
    institution_id    INTEGER NOT NULL REFERENCES institutions(id),
    visited_on        TEXT    NOT NULL,
    supervisor_id     INTEGER NOT NULL,
    findings_enc      TEXT    NOT NULL,
    needs_rectification INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL
);
CREATE INDEX supervision_visits_region ON supervision_visits(region_code, visited_on);

CREATE TABLE rectifications (
    id             INTEGER PRIMARY KEY,
    source         TEXT    NOT NULL,
    evaluation_id  INTEGER REFERENCES evaluations(id),
    visit_id       INTEGER REFERENCES supervision_visits(id),
    institution_id INTEGER,
    region_code    INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    subject_enc    TEXT    NOT NULL,
    real_name      INTEGER NOT NULL DEFAULT 0,
    appealed       INTEGER NOT NULL DEFAULT 0,
    due_on         TEXT    NOT NULL,
    fed_back_on    TEXT,
    reminded       INTEGER NOT NULL DEFAULT 0,
    escalated      INTEGER NOT NULL DEFAULT 0,
    opened_at      TEXT NOT NULL,
    closed_at      TEXT,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX rectifications_evaluation ON rectifications(evaluation_id);
CREATE INDEX rectifications_status ON rectifications(status, region_code, due_on);
CREATE INDEX rectifications_institution ON rectifications(institution_id, status);

CREATE TABLE rectification_events (
    id                INTEGER PRIMARY KEY,
    rectification_id  INTEGER NOT NULL REFERENCES rectifications(id),
    step              TEXT    NOT NULL,
    note_enc          TEXT    NOT NULL,
    by_user           INTEGER,
    by_name           TEXT    NOT NULL,
    at                TEXT NOT NULL
);
CREATE INDEX rectification_events_task ON rectification_events(rectification_id, id);
