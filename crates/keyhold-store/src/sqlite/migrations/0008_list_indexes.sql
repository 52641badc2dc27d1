-- keyhold schema, version 8: filtered key lists without a scan of the
-- tenant. A list by algorithm is one range scan of this index in name
-- order; a list by tag starts from `key_tags_by_tag` (version 2) and sorts
-- only the keys holding the tag.
CREATE INDEX keys_by_tenant_algorithm_name ON keys (tenant_id, algorithm, name);
