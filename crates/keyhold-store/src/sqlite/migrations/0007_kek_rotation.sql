-- keyhold schema, version 7: tenant KEK rotation.
--
-- A tenant's KEK has a generation (1 for every KEK made before rotation
-- existed); while a rotation re-seals the tenant's material in batches, the
-- previous KEK stays sealed under the root key in `retiring_kek`, and each
-- version records the generation of the KEK its material is sealed under.
ALTER TABLE tenants ADD COLUMN kek_generation INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tenants ADD COLUMN retiring_kek BLOB;
ALTER TABLE key_versions ADD COLUMN kek_generation INTEGER NOT NULL DEFAULT 1;

-- A rotation's batches seek the versions still under an older KEK.
CREATE INDEX key_versions_by_kek_generation ON key_versions (kek_generation, key_id)
    WHERE sealed_material IS NOT NULL;
