-- Legal aid cases (法律援助, issue 20): an application (or a notice from a court,
-- procuratorate or police) from its receipt to its archive, with the statutory limits
-- of 法律援助法 第三十六、四十三、四十九条 kept as due times; and the case history, to
-- which steps and corrections are only ever added. Names, ID numbers, phones and the
-- words of the facts are sealed; the blind indexes of the applicant's and the opposing
-- party's names serve the conflict-of-interest check.

CREATE TABLE legal_aid_cases (
    id                      INTEGER PRIMARY KEY,
    number                  TEXT    NOT NULL UNIQUE,
    region_code             INTEGER NOT NULL,
    centre_id               INTEGER NOT NULL REFERENCES institutions(id),
    request_id              INTEGER REFERENCES service_requests(id),
    channel                 TEXT    NOT NULL,
    notice_from             TEXT,
    case_type               TEXT    NOT NULL,
    matter                  TEXT,
    groups                  TEXT    NOT NULL DEFAULT '',
    applicant_name          TEXT    NOT NULL,
    applicant_name_bidx     TEXT    NOT NULL,
    applicant_id_enc        TEXT,
    applicant_id_masked     TEXT,
    applicant_phone_enc     TEXT,
    applicant_phone_masked  TEXT,
    household_size          INTEGER,
    household_income_fen    INTEGER,
    possible_sentence       TEXT,
    life_or_death           INTEGER NOT NULL DEFAULT 0,
    minor                   INTEGER NOT NULL DEFAULT 0,
    opponent                TEXT,
    opponent_bidx           TEXT,
    facts                   TEXT    NOT NULL,
    verdict                 TEXT    NOT NULL,
    hardship                TEXT    NOT NULL,
    verification            TEXT    NOT NULL,
    urgent                  INTEGER NOT NULL DEFAULT 0,
    green_channel           INTEGER NOT NULL DEFAULT 0,
    status                  TEXT    NOT NULL,
    received_at             TEXT NOT NULL,
    accepted_at             TEXT,
    decide_due              TEXT,
    materials_list          TEXT,
    decision                TEXT,
    decided_at              TEXT,
    decision_reason         TEXT,
    assign_due              TEXT,
    assigned_at             TEXT,
    assignee_id             INTEGER REFERENCES people(id),
    assignee_institution_id INTEGER REFERENCES institutions(id),
    assignment_override     TEXT,
    agreement_due           TEXT,
    agreement_signed_at     TEXT,
    closing_report          TEXT,
    closing_submitted_at    TEXT,
    review_score            INTEGER,
    subsidy_fen             INTEGER,
    closed_at               TEXT,
    followed_up_at          TEXT,
    archived_at             TEXT,
    termination_ground      TEXT,
    objection_status        TEXT    NOT NULL DEFAULT 'none',
    objection_filed_at      TEXT,
    objection_due           TEXT,
    created_by              INTEGER,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1,
    personal_data_erased_at TEXT
);
CREATE INDEX legal_aid_cases_region ON legal_aid_cases(region_code, status);
CREATE INDEX legal_aid_cases_received ON legal_aid_cases(received_at);
CREATE INDEX legal_aid_cases_assignee ON legal_aid_cases(assignee_id, status);
CREATE INDEX legal_aid_cases_applicant ON legal_aid_cases(applicant_name_bidx);
CREATE INDEX legal_aid_cases_opponent ON legal_aid_cases(opponent_bidx);

CREATE TABLE legal_aid_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES legal_aid_cases(id),
    action     TEXT    NOT NULL,
    note       TEXT,
    by_user    INTEGER,
    at         TEXT NOT NULL
);
CREATE INDEX legal_aid_events_case ON legal_aid_events(case_id, id);
