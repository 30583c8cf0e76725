-- Counters of attempts in a fixed window, shared by every instance: a login's
-- (account, address) pair, an address's failed logins, a public form's address. Each
-- hit is one atomic upsert that answers the new count, so parallel attempts cannot all
-- pass a check made before they were counted.
CREATE TABLE rate_counters (
    key          TEXT   PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL
);

-- A job's failed runs, apart from its runs: a deadline job that is rescheduled many
-- times (transfers, reopenings) keeps its reminders after one error.
ALTER TABLE jobs ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
