-- keyhold schema, version 12: two more facts of a key version
-- (keyhold_core::KeyVersion), for its KMIP attributes. When keyhold
-- recorded its compromise (KMIP Compromise Date, KMIP 1.4 section 3.30;
-- `compromise_date` keeps when the compromise happened, the Compromise
-- Occurrence Date of section 3.29), and when its secret material was
-- first served to a client (until then it is Fresh, section 3.34). Unix
-- microseconds, NULL when unset, as every version made before this one.
ALTER TABLE key_versions ADD COLUMN compromise_recorded_at INTEGER;
ALTER TABLE key_versions ADD COLUMN served_at INTEGER;
