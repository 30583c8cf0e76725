-- Retention of personal data (issue 19, 个人信息保护法 第十九条、第四十七条): when the
-- period of the district's rules has passed since a matter was closed (or a mediation
-- case, or a booking made), its people's names, contacts, ID numbers, addresses and the
-- words of its facts are erased; the record stays for the statistics. The time of the
-- erasure marks what is done; the partial indexes keep the job's search small.
ALTER TABLE service_requests ADD COLUMN personal_data_erased_at TIMESTAMPTZ;
ALTER TABLE mediation_cases ADD COLUMN personal_data_erased_at TIMESTAMPTZ;
ALTER TABLE bookings ADD COLUMN personal_data_erased_at TIMESTAMPTZ;
CREATE INDEX service_requests_to_erase ON service_requests(closed_at) WHERE personal_data_erased_at IS NULL;
CREATE INDEX mediation_cases_to_erase ON mediation_cases(closed_at) WHERE personal_data_erased_at IS NULL;
CREATE INDEX bookings_to_erase ON bookings(created_at) WHERE personal_data_erased_at IS NULL;
