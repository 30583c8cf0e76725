-- Materials of a legal aid case (issue 20): uploaded files recognised by their content
-- (PDF, JPEG, PNG), the name and the content sealed like other personal data (the
-- content as the sealed base64 of the file), with its size and SHA-256 for integrity.
-- Removed with the case's other personal data when its retention period ends.

CREATE TABLE legal_aid_materials (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES legal_aid_cases(id),
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    uploaded_by INTEGER,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX legal_aid_materials_case ON legal_aid_materials(case_id, id);

-- When progress was last logged on a case in hand: the plan's 及时追踪 counts the cases
-- assigned or in hand whose last contact is within the district's tracking interval.
ALTER TABLE legal_aid_cases ADD COLUMN last_progress_at TEXT;
-- The cases in hand of a scope are found by status first (a few in a hundred), not by
-- walking every case of the district; the index holds the times 及时追踪 compares, so
-- the count reads the index alone.
CREATE INDEX legal_aid_cases_status ON legal_aid_cases(status, region_code, last_progress_at, assigned_at);
