-- The law corpus (法律法规库): laws, their versions (one per date; 民法典 is one law),
-- the articles of each version, and published cases. Written only by the importer;
-- every instance builds its own search index from these tables.

CREATE TABLE laws (
    id          INTEGER PRIMARY KEY,
    short_title TEXT    NOT NULL UNIQUE,
    title       TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    level       TEXT    NOT NULL
);

CREATE TABLE law_versions (
    id             INTEGER PRIMARY KEY,
    law_id         INTEGER NOT NULL REFERENCES laws(id),
    version_key    TEXT    NOT NULL,
    version_date   TEXT,
    effective_date TEXT,
    -- The day the next version takes effect; NULL while this one is the latest.
    superseded_on  TEXT,
    history        TEXT    NOT NULL,
    sources        TEXT    NOT NULL,
    content_hash   TEXT    NOT NULL,
    article_count  INTEGER NOT NULL,
    imported_at    TEXT    NOT NULL,
    UNIQUE (law_id, version_key)
);

CREATE TABLE law_articles (
    id         INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES law_versions(id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    suffix     INTEGER NOT NULL,
    headings   TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    UNIQUE (version_id, number, suffix)
);

CREATE TABLE law_cases (
    id           INTEGER PRIMARY KEY,
    title        TEXT    NOT NULL UNIQUE,
    category     TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    content_hash TEXT    NOT NULL,
    imported_at  TEXT    NOT NULL
);
