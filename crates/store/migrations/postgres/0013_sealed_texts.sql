-- Names, addresses and case facts sealed at rest (issue 19, PIPL): the columns keep
-- their names and hold sealed values from now on; the re-seal job seals what was
-- written in the clear before. A requester is found by their full name through a
-- blind index.
ALTER TABLE service_requests ADD COLUMN requester_name_bidx TEXT;
CREATE INDEX service_requests_name_bidx ON service_requests(requester_name_bidx);
