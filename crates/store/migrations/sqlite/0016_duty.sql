-- Duty lawyers (值班律师, 法律援助法 第三十、三十七、三十九条, issue 20): the stations a
-- legal aid centre keeps at courts, procuratorates, the police and detention centres;
-- who is on duty there on which day (days as YYYY-MM-DD text on both backends); and each
-- service given, with the person served sealed and the 24-hour hand-over of an
-- application from custody kept as two times.

CREATE TABLE duty_stations (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    place       TEXT    NOT NULL,
    region_code INTEGER NOT NULL,
    centre_id   INTEGER NOT NULL REFERENCES institutions(id),
    address     TEXT    NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX duty_stations_name ON duty_stations(region_code, name);

CREATE TABLE duty_shifts (
    id          INTEGER PRIMARY KEY,
    station_id  INTEGER NOT NULL REFERENCES duty_stations(id),
    day         TEXT    NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES people(id)
);
CREATE UNIQUE INDEX duty_shifts_day ON duty_shifts(station_id, day, person_id);
CREATE INDEX duty_shifts_person ON duty_shifts(person_id, day);

CREATE TABLE duty_services (
    id              INTEGER PRIMARY KEY,
    station_id      INTEGER NOT NULL REFERENCES duty_stations(id),
    region_code     INTEGER NOT NULL,
    person_id       INTEGER NOT NULL REFERENCES people(id),
    served_on       TEXT    NOT NULL,
    kinds           TEXT    NOT NULL,
    stage           TEXT    NOT NULL,
    client_name_enc TEXT,
    note_enc        TEXT,
    received_at     TEXT,
    forwarded_at    TEXT,
    forwarded_late  INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER,
    created_at      TEXT NOT NULL
);
CREATE INDEX duty_services_station ON duty_services(station_id, served_on);
CREATE INDEX duty_services_region ON duty_services(region_code, served_on);
