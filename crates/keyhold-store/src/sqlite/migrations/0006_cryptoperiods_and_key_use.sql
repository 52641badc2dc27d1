-- keyhold schema, version 6: cryptoperiods (NIST SP 800-57) and key use.
--
-- A key's originator- and recipient-usage periods, in seconds, and the end
-- of its primary version's recipient-usage period, kept by the server with
-- the key so the scheduler's work list (`keys_due`) seeks it by index like
-- the other dates of migration 5.
ALTER TABLE keys ADD COLUMN originator_usage_period_secs INTEGER;
ALTER TABLE keys ADD COLUMN recipient_usage_period_secs INTEGER;
ALTER TABLE keys ADD COLUMN recipient_usage_end INTEGER;

CREATE INDEX keys_by_recipient_usage_end ON keys (recipient_usage_end)
    WHERE recipient_usage_end IS NOT NULL;

-- When a key was last used (to the server's coarse granularity, written in
-- batches, never per request), and when the scheduler last warned that it
-- is unused.
ALTER TABLE keys ADD COLUMN last_used_at INTEGER;
ALTER TABLE keys ADD COLUMN idle_warned_at INTEGER;

-- The unused-key scan walks one tenant's keys by the time they last
-- changed (a key changed since the limit is not idle).
CREATE INDEX keys_by_tenant_updated ON keys (tenant_id, updated_at);
