-- keyhold schema, version 10: a key's KMIP-only attributes
-- (keyhold_core::KmipMeta) as a JSON object: what a KMIP Secret Data or
-- Opaque Object is (its Secret/Opaque Data Type, the format it was
-- registered in; KMIP 1.4 sections 2.2.7 and 2.2.8) and the Object Groups
-- the key belongs to (KMIP 1.4 section 3.33). NULL when it has none, as
-- every key made before this version.
ALTER TABLE keys ADD COLUMN kmip_meta TEXT;
