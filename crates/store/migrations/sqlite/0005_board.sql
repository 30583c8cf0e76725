-- The dispatch board sums every open matter in scope by owner. Open matters are a few
-- per cent of all, so a partial index holding just the columns the sums and the usual
-- filters read lets the board count from the index alone, whatever the size of the
-- archive of closed matters.
-- Led by the region, so a township's board reads only its range.
CREATE INDEX service_requests_board ON service_requests(
    region_code, owner_institution_id, owner_user_id, owner_region_code, target_region_code,
    status, priority, due_at, escalated, category, channel
) WHERE is_open;

-- Every queue is ordered open first, most urgent first, soonest due first, then by id:
-- an index in exactly that order lets a first page stop after its rows on both
-- planners (PostgreSQL does not treat `is_open = true` as fixing the first key).
DROP INDEX service_requests_queue;
CREATE INDEX service_requests_queue ON service_requests(is_open DESC, priority DESC, due_at, id);
