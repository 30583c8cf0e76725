-- Sentence embeddings of law articles for the semantic re-ranking of the law search,
-- keyed by the model and a hash of the embedded text: an article whose text did not
-- change between versions, or a corpus imported again, reuses its vector.
-- Written by `gongdao laws embed`; read whole by each instance at index build.

CREATE TABLE law_embeddings (
    model     TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    -- scale (f32, little-endian) then one signed byte per component
    vector    BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
