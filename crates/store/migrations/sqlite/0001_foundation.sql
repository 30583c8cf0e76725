-- Foundation: the region tree, the service network, accounts, sessions, audit trail.
-- Region codes are stored as their twelve-digit number so that a subtree is a range.

CREATE TABLE regions (
    code        INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    level       TEXT    NOT NULL,
    parent_code INTEGER REFERENCES regions(code),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX regions_parent ON regions(parent_code);

CREATE TABLE institutions (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    region_code         INTEGER NOT NULL REFERENCES regions(code),
    address             TEXT,
    phone               TEXT,
    opening_hours       TEXT,
    services            TEXT    NOT NULL DEFAULT '',
    green_channel       INTEGER NOT NULL DEFAULT 0,
    demonstration_level TEXT    NOT NULL DEFAULT 'none',
    host                TEXT,
    note                TEXT,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL
);
-- Listings are ordered by region, type, id: this index serves the scope range and the
-- order together, so a page needs no sort.
CREATE INDEX institutions_region ON institutions(region_code, kind, id);
CREATE INDEX institutions_kind_region ON institutions(kind, region_code);

CREATE TABLE people (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    gender           TEXT,
    institution_id   INTEGER REFERENCES institutions(id),
    region_code      INTEGER NOT NULL REFERENCES regions(code),
    id_number_enc    TEXT,
    id_number_hash   TEXT UNIQUE,
    id_number_masked TEXT,
    phone_enc        TEXT,
    phone_masked     TEXT,
    licence_no       TEXT,
    practice_years   INTEGER,
    specialties      TEXT    NOT NULL DEFAULT '',
    certification    TEXT    NOT NULL DEFAULT 'none',
    employment       TEXT,
    active           INTEGER NOT NULL DEFAULT 1,
    note             TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX people_region ON people(region_code, kind, id);
CREATE INDEX people_kind_region ON people(kind, region_code);
CREATE INDEX people_institution ON people(institution_id);

CREATE TABLE trainings (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    date       TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    hours      REAL    NOT NULL DEFAULT 0,
    organiser  TEXT,
    created_at TEXT    NOT NULL
);
CREATE INDEX trainings_person ON trainings(person_id);

CREATE TABLE advisor_appointments (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    village_code INTEGER NOT NULL REFERENCES regions(code),
    since        TEXT    NOT NULL,
    until        TEXT,
    created_at   TEXT    NOT NULL
);
CREATE INDEX advisor_appointments_person ON advisor_appointments(person_id);
CREATE INDEX advisor_appointments_village ON advisor_appointments(village_code);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    scope_code     INTEGER NOT NULL REFERENCES regions(code),
    institution_id INTEGER REFERENCES institutions(id),
    active         INTEGER NOT NULL DEFAULT 1,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT    NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    ip           TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    last_seen_at TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    username TEXT    NOT NULL,
    ip       TEXT    NOT NULL,
    at       TEXT    NOT NULL,
    success  INTEGER NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts(username, at);
CREATE INDEX login_attempts_ip ON login_attempts(ip, at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT    NOT NULL,
    ip          TEXT    NOT NULL,
    scope_code  INTEGER,
    action      TEXT    NOT NULL,
    object_type TEXT    NOT NULL,
    object_id   TEXT,
    summary     TEXT    NOT NULL,
    changes     TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_name, at);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);

-- The audit trail is append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE app_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
