-- Running tallies of legal aid cases (issue 20's figures over a million cases): for each
-- month of receipt (China time) and township, how many cases there are in total and by
-- status, type, channel and special group, with the time-limit and follow-up counters
-- on the total row. Kept in the same transaction as every write to legal_aid_cases, so
-- the overview reads a few thousand rows instead of every case; rebuilt from the cases
-- when empty (store::legal_aid::ensure_tallies).

CREATE TABLE legal_aid_tallies (
    id               INTEGER PRIMARY KEY,
    month            TEXT    NOT NULL,
    township         INTEGER NOT NULL,
    dim              TEXT    NOT NULL,
    item             TEXT    NOT NULL,
    n                INTEGER NOT NULL DEFAULT 0,
    decided          INTEGER NOT NULL DEFAULT 0,
    decided_in_time  INTEGER NOT NULL DEFAULT 0,
    assigned         INTEGER NOT NULL DEFAULT 0,
    assigned_in_time INTEGER NOT NULL DEFAULT 0,
    green            INTEGER NOT NULL DEFAULT 0,
    green_same_day   INTEGER NOT NULL DEFAULT 0,
    follow_up_due    INTEGER NOT NULL DEFAULT 0,
    followed_up      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX legal_aid_tallies_key ON legal_aid_tallies(township, month, dim, item);
