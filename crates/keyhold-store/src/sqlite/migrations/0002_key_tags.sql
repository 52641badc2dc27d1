-- keyhold schema, version 2: one row per key tag, so listing can filter by a
-- tag with plain, portable SQL and an index. `keys.tags` (JSON) stays the
-- record a key is read from; the store rewrites a key's rows here in the same
-- transaction as every insert and update of the key.

CREATE TABLE key_tags (
    key_id BLOB NOT NULL REFERENCES keys (id),
    name   TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (key_id, name)
) STRICT;

-- The tag filter looks up (name, value) and joins back to the key.
CREATE INDEX key_tags_by_tag ON key_tags (name, value, key_id);

-- Keys written under version 1.
INSERT INTO key_tags (key_id, name, value)
    SELECT k.id, t.key, t.value FROM keys k, json_each(k.tags) t;
