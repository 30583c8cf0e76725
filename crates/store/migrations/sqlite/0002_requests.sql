-- Service requests across every channel, their timeline, numbering, deadlines as
-- background jobs, the notification outbox, emergency incidents, and the district's
-- editable configuration files (holidays, deadlines, routing).

CREATE TABLE counters (
    key   TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE config_files (
    name       TEXT PRIMARY KEY,
    content    TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    description TEXT,
    region_code INTEGER NOT NULL REFERENCES regions(code),
    status      TEXT    NOT NULL,
    opened_by   INTEGER REFERENCES users(id),
    opened_at   TEXT    NOT NULL,
    due_at      TEXT    NOT NULL,
    closed_at   TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incidents_region ON incidents(region_code);

CREATE TABLE service_requests (
    id                    INTEGER PRIMARY KEY,
    number                TEXT    NOT NULL UNIQUE,
    channel               TEXT    NOT NULL,
    category              TEXT    NOT NULL,
    status                TEXT    NOT NULL,
    is_open               INTEGER NOT NULL,
    priority              INTEGER NOT NULL,
    region_code           INTEGER NOT NULL REFERENCES regions(code),
    township_code         INTEGER,
    requester_name        TEXT    NOT NULL,
    requester_phone_enc   TEXT,
    requester_phone_masked TEXT,
    requester_id_enc      TEXT,
    requester_id_masked   TEXT,
    requester_groups      TEXT    NOT NULL DEFAULT '',
    requester_address     TEXT,
    description           TEXT    NOT NULL,
    first_owner_user_id   INTEGER REFERENCES users(id),
    owner_user_id         INTEGER REFERENCES users(id),
    owner_institution_id  INTEGER REFERENCES institutions(id),
    owner_region_code     INTEGER,
    target_user_id        INTEGER REFERENCES users(id),
    target_institution_id INTEGER REFERENCES institutions(id),
    target_region_code    INTEGER,
    transfer_reason       TEXT,
    incident_id           INTEGER REFERENCES incidents(id),
    accept_due_at         TEXT,
    due_at                TEXT    NOT NULL,
    due_estimated         INTEGER NOT NULL DEFAULT 0,
    reminded_at           TEXT,
    escalated             INTEGER NOT NULL DEFAULT 0,
    reply                 TEXT,
    received_at           TEXT    NOT NULL,
    resolved_at           TEXT,
    closed_at             TEXT,
    updated_at            TEXT    NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1
);
-- The dispatch board and every queue: open matters, most urgent first, soonest due first.
CREATE INDEX service_requests_queue ON service_requests(is_open, priority DESC, due_at);
CREATE INDEX service_requests_open_due ON service_requests(is_open, due_at);
CREATE INDEX service_requests_region ON service_requests(region_code, received_at);
CREATE INDEX service_requests_township ON service_requests(township_code, is_open);
CREATE INDEX service_requests_owner_inst ON service_requests(owner_institution_id, is_open);
CREATE INDEX service_requests_owner_user ON service_requests(owner_user_id, is_open);
CREATE INDEX service_requests_target_inst ON service_requests(target_institution_id, is_open);
CREATE INDEX service_requests_incident ON service_requests(incident_id);

CREATE TABLE request_events (
    id             INTEGER PRIMARY KEY,
    request_id     INTEGER NOT NULL REFERENCES service_requests(id),
    kind           TEXT    NOT NULL,
    at             TEXT    NOT NULL,
    actor_user_id  INTEGER,
    actor_name     TEXT    NOT NULL,
    institution_id INTEGER,
    note           TEXT
);
CREATE INDEX request_events_request ON request_events(request_id, id);

CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    subject_id INTEGER NOT NULL,
    run_at     TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    runs       INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    done_by    TEXT,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
CREATE INDEX jobs_due ON jobs(state, run_at);
CREATE INDEX jobs_subject ON jobs(kind, subject_id);

CREATE TABLE outbox (
    id                 INTEGER PRIMARY KEY,
    channel            TEXT    NOT NULL,
    recipient_user_id  INTEGER,
    recipient_phone_enc TEXT,
    recipient_masked   TEXT,
    template           TEXT    NOT NULL,
    body               TEXT    NOT NULL,
    request_id         INTEGER,
    state              TEXT    NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TEXT    NOT NULL,
    last_error         TEXT,
    created_at         TEXT    NOT NULL,
    sent_at            TEXT,
    read_at            TEXT
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_user ON outbox(recipient_user_id, id);
CREATE INDEX outbox_request ON outbox(request_id);
