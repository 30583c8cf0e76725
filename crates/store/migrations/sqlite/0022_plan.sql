-- The plan as data (issue 22): each indicator's value kept month by month, as it stood
-- while that month was current — a later record never rewrites a past month — and the
-- counts of matters received in each closed month, which do not change once the month
-- is over, so the dashboard reads them instead of counting a million matters again.

CREATE TABLE plan_snapshots (
    id           INTEGER PRIMARY KEY,
    region_code  INTEGER NOT NULL,
    plan_id      TEXT    NOT NULL,
    indicator_id TEXT    NOT NULL,
    month        TEXT    NOT NULL,
    value        REAL,
    target       REAL,
    taken_at     TEXT    NOT NULL
);
CREATE UNIQUE INDEX plan_snapshots_key ON plan_snapshots(region_code, plan_id, indicator_id, month);

CREATE TABLE plan_volumes (
    id          INTEGER PRIMARY KEY,
    region_code INTEGER NOT NULL,
    month       TEXT    NOT NULL,
    series      TEXT    NOT NULL,
    n           INTEGER NOT NULL
);
CREATE UNIQUE INDEX plan_volumes_key ON plan_volumes(region_code, month, series);

-- The current month's matters by category: a range of the month, not the district's all.
CREATE INDEX service_requests_received ON service_requests(received_at, region_code, category);
CREATE INDEX mediation_cases_applied ON mediation_cases(applied_at, region_code);

-- The plan's tasks (任务清单): an account reports for its department (科室、中心), and
-- each progress report is kept — a task's standing is its latest.
ALTER TABLE users ADD COLUMN department TEXT;

CREATE TABLE plan_task_reports (
    id          INTEGER PRIMARY KEY,
    region_code INTEGER NOT NULL,
    plan_id     TEXT    NOT NULL,
    task_id     TEXT    NOT NULL,
    department  TEXT    NOT NULL,
    percent     INTEGER NOT NULL,
    note        TEXT    NOT NULL,
    attachment  TEXT,
    reported_by INTEGER NOT NULL,
    reporter    TEXT    NOT NULL,
    reported_at TEXT    NOT NULL
);
CREATE INDEX plan_task_reports_task ON plan_task_reports(region_code, plan_id, task_id, id);

-- Events (活动): legal education and itinerant services, planned or held; consultations
-- taken at one are service requests of channel `itinerant` that name it.
CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    region_code    INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    held_on        TEXT    NOT NULL,
    institution_id INTEGER REFERENCES institutions(id),
    organisers     TEXT    NOT NULL DEFAULT '',
    audience       INTEGER NOT NULL DEFAULT 0,
    topic          TEXT    NOT NULL DEFAULT '',
    held           INTEGER NOT NULL DEFAULT 0,
    created_by     INTEGER,
    created_at     TEXT    NOT NULL
);
CREATE INDEX events_region ON events(region_code, held_on);
CREATE INDEX events_day ON events(held_on, region_code);
ALTER TABLE service_requests ADD COLUMN event_id INTEGER;
CREATE INDEX service_requests_event ON service_requests(event_id) WHERE event_id IS NOT NULL;
