-- The audit trail as a hash chain: each entry holds the hash of the one before, so an
-- entry changed, removed or slipped in afterwards breaks the chain at that point
-- (`gongdao audit verify`). The head of the chain is one row, read under a lock by every
-- transaction that appends, so entries chain in the order they are written. Entries
-- written before this migration stay outside the chain (no sequence number).
ALTER TABLE audit_log ADD COLUMN chain_seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_chain ON audit_log(chain_seq);

CREATE TABLE audit_chain (
    id   INTEGER PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The head of the chain as it was at a time, kept apart from the entries (and, by the
-- anchoring job, in a file outside the database too).
CREATE TABLE audit_anchors (
    id   INTEGER PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL,
    at   TEXT    NOT NULL
);
