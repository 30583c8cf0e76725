-- Appointments and home visits (预约 / 上门服务): slots an institution opens, with a
-- capacity, and the bookings made in them.

CREATE TABLE appointment_slots (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES institutions(id),
    region_code    INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    starts_at      TEXT    NOT NULL,
    ends_at        TEXT    NOT NULL,
    capacity       INTEGER NOT NULL,
    booked         INTEGER NOT NULL DEFAULT 0,
    note           TEXT,
    created_by     INTEGER,
    created_at     TEXT    NOT NULL,
    CHECK (booked >= 0 AND booked <= capacity)
);
CREATE INDEX appointment_slots_institution ON appointment_slots(institution_id, starts_at);
CREATE INDEX appointment_slots_region ON appointment_slots(region_code, starts_at);

CREATE TABLE bookings (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    slot_id      INTEGER NOT NULL REFERENCES appointment_slots(id),
    request_id   INTEGER REFERENCES service_requests(id),
    name         TEXT    NOT NULL,
    phone_enc    TEXT    NOT NULL,
    phone_masked TEXT    NOT NULL,
    address      TEXT,
    reason       TEXT    NOT NULL,
    groups       TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL,
    booked_by    INTEGER,
    created_at   TEXT    NOT NULL,
    cancelled_at TEXT
);
CREATE INDEX bookings_slot ON bookings(slot_id);
