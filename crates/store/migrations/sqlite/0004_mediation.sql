-- People's mediation (人民调解): cases with their parties, sessions (the work record),
-- agreement, judicial confirmation and follow-up; and dispute screening campaigns.

CREATE TABLE mediation_cases (
    id                    INTEGER PRIMARY KEY,
    number                TEXT    NOT NULL UNIQUE,
    committee_id          INTEGER    NOT NULL REFERENCES institutions(id),
    region_code           INTEGER    NOT NULL,
    dispute_type          TEXT    NOT NULL,
    source                TEXT    NOT NULL,
    request_id            INTEGER REFERENCES service_requests(id),
    summary               TEXT    NOT NULL,
    status                TEXT    NOT NULL,
    applied_at            TEXT     NOT NULL,
    accepted_at           TEXT,
    due_at                TEXT,
    refused_reason        TEXT,
    failure_guidance      TEXT,
    agreement_facts       TEXT,
    agreement_terms       TEXT,
    agreement_performance TEXT,
    agreement_signed_on   TEXT,
    agreement_oral        INTEGER   NOT NULL DEFAULT 0,
    confirmation_due      TEXT,
    confirmation          TEXT    NOT NULL DEFAULT 'none',
    confirmation_court    TEXT,
    performance           TEXT    NOT NULL DEFAULT 'pending',
    performance_note      TEXT,
    closed_at             TEXT,
    created_by            INTEGER,
    updated_at            TEXT     NOT NULL,
    version               INTEGER    NOT NULL DEFAULT 1
);
CREATE INDEX mediation_cases_region ON mediation_cases(region_code, status);
CREATE INDEX mediation_cases_committee ON mediation_cases(committee_id, status);

CREATE TABLE mediation_parties (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES mediation_cases(id),
    role         TEXT NOT NULL,
    name         TEXT NOT NULL,
    phone_enc    TEXT,
    phone_masked TEXT,
    id_enc       TEXT,
    id_masked    TEXT,
    address      TEXT
);
CREATE INDEX mediation_parties_case ON mediation_parties(case_id);

CREATE TABLE mediation_sessions (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES mediation_cases(id),
    held_at    TEXT  NOT NULL,
    place      TEXT NOT NULL,
    mediators  TEXT NOT NULL,
    present    TEXT NOT NULL,
    record     TEXT NOT NULL,
    created_by INTEGER,
    created_at TEXT  NOT NULL
);
CREATE INDEX mediation_sessions_case ON mediation_sessions(case_id);

CREATE TABLE screening_campaigns (
    id          INTEGER PRIMARY KEY,
    title       TEXT  NOT NULL,
    region_code INTEGER  NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT   NOT NULL
);
CREATE INDEX screening_campaigns_region ON screening_campaigns(region_code);

CREATE TABLE screening_findings (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER    NOT NULL REFERENCES screening_campaigns(id),
    village_code INTEGER    NOT NULL REFERENCES regions(code),
    dispute_type TEXT    NOT NULL,
    count        INTEGER NOT NULL,
    resolved     INTEGER NOT NULL,
    note         TEXT,
    created_at   TEXT     NOT NULL
);
CREATE INDEX screening_findings_campaign ON screening_findings(campaign_id);
