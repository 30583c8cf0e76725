-- Open matters are a few per cent of all; the board and the queues read only them.
-- Partial indexes on open rows keep their cost independent of the archive of closed
-- matters. Queries repeat the bare condition `is_open` (not `is_open = ?`) so that
-- SQLite's planner can use them.

-- The board sums every open matter in scope by owner: this index holds the columns the
-- sums and the usual filters read, led by the region so a township reads its range only.
CREATE INDEX service_requests_board ON service_requests(
    region_code, owner_institution_id, owner_user_id, owner_region_code, target_region_code,
    status, priority, due_at, escalated, category, channel
) WHERE is_open;

-- A queue of open matters: most urgent first, soonest due first, then by id; the
-- regions and the usual filters ride along so that the scope check and the count of a
-- filtered queue need no table rows.
CREATE INDEX service_requests_open_queue ON service_requests(
    priority DESC, due_at, id, region_code, owner_region_code, target_region_code, status, category, channel
) WHERE is_open;

-- Lists of all matters put the open ones first; an index in exactly that order lets the
-- first page stop after its rows.
DROP INDEX service_requests_queue;
CREATE INDEX service_requests_queue ON service_requests(is_open DESC, priority DESC, due_at, id);
