-- keyhold schema, version 11: a key version's own usage dates, as a KMIP
-- client set them (keyhold_core::KeyVersion): its Process Start Date
-- (KMIP 1.4 section 3.25), before which it processes nothing, and its
-- Protect Stop Date (section 3.26), from which it protects nothing (the
-- key's originator-usage period, migration 6, may end protection
-- sooner). Unix microseconds, NULL when unset, as every version made
-- before this one.
ALTER TABLE key_versions ADD COLUMN process_start_date INTEGER;
ALTER TABLE key_versions ADD COLUMN protect_stop_date INTEGER;
