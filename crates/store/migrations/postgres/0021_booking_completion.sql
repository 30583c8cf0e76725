-- A booking is completed (办结) by the staff who gave the service: when and by whom,
-- so that its rating is attributed to them (好差评, issue 21).
ALTER TABLE bookings ADD COLUMN done_at TIMESTAMPTZ;
ALTER TABLE bookings ADD COLUMN done_by BIGINT;
