-- keyhold schema, version 5: indexes for the scheduler's work list
-- (`keys_due`, src/due.rs), so that finding what is due costs a few index
-- seeks however many keys there are. Each is partial: only rows that carry
-- the date are indexed, and a comparison `date <= now` implies
-- `date IS NOT NULL`, so the planner may use them.

-- Keys whose destruction is scheduled, by due time.
CREATE INDEX keys_by_destroy_due ON keys (destroy_scheduled_at)
    WHERE destroy_scheduled_at IS NOT NULL;

-- Keys that rotate, by next rotation time.
CREATE INDEX keys_by_rotation_due ON keys (next_rotation_at)
    WHERE next_rotation_at IS NOT NULL;

-- Versions with a planned deactivation, by state first: the query wants
-- only Active and Suspended ones, not the many long deactivated.
CREATE INDEX key_versions_by_deactivation_due
    ON key_versions (state, deactivation_date)
    WHERE deactivation_date IS NOT NULL;

-- Versions with a planned activation, by state first: only pre-active ones
-- are wanted, not every active version (each has an activation date).
CREATE INDEX key_versions_by_activation_due
    ON key_versions (state, activation_date)
    WHERE activation_date IS NOT NULL;
