-- 诚信档案 (issue 21): one archive per institution and per legal service worker, made
-- with the directory record (and, for records from before, by store::archive::ensure); entries typed and
-- dated with their source and who recorded them, only ever added (triggers refuse an
-- update or a delete on both backends: a correction is a new entry); each credit score
-- kept as it was computed.

CREATE TABLE archives (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    subject_id  INTEGER NOT NULL,
    region_code INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX archives_subject ON archives(kind, subject_id);
CREATE INDEX archives_region ON archives(region_code);

CREATE TABLE archive_entries (
    id           INTEGER PRIMARY KEY,
    archive_id   INTEGER NOT NULL REFERENCES archives(id),
    kind         TEXT    NOT NULL,
    occurred_on  TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    detail       TEXT,
    source       TEXT    NOT NULL,
    assessment   TEXT,
    sanction     TEXT,
    period_from  TEXT,
    period_to    TEXT,
    days         INTEGER,
    corrects_id  INTEGER REFERENCES archive_entries(id),
    request_id   INTEGER,
    recorded_by  INTEGER,
    recorded_by_name TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX archive_entries_archive ON archive_entries(archive_id, occurred_on);

CREATE TRIGGER archive_entries_no_update BEFORE UPDATE ON archive_entries
BEGIN SELECT RAISE(ABORT, 'archive entries are append-only'); END;
CREATE TRIGGER archive_entries_no_delete BEFORE DELETE ON archive_entries
BEGIN SELECT RAISE(ABORT, 'archive entries are append-only'); END;

CREATE TABLE archive_scores (
    id          INTEGER PRIMARY KEY,
    archive_id  INTEGER NOT NULL REFERENCES archives(id),
    score       INTEGER NOT NULL,
    grade       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX archive_scores_archive ON archive_scores(archive_id, id);
