-- keyhold schema, version 3: the audit trail (DESIGN.md section 7).
--
-- One row per event, in the one total order of the hash chain. `seq` is the
-- rowid and is assigned by the caller (no AUTOINCREMENT): the store appends
-- only `head + 1`, so a gap or a fork cannot be written through it. Enums are
-- their stable names, ids 16-byte blobs, times microseconds since the epoch,
-- `context` a JSON object of strings.
CREATE TABLE audit_events (
    seq          INTEGER PRIMARY KEY NOT NULL,
    time         INTEGER NOT NULL,
    request_id   BLOB NOT NULL,
    tenant_id    BLOB,
    principal_id BLOB,
    auth         TEXT NOT NULL,
    source       TEXT,            -- peer IP address
    interface    TEXT NOT NULL,
    action       TEXT NOT NULL,
    key_id       BLOB,
    version      INTEGER,
    outcome      TEXT NOT NULL,   -- ok, denied, error
    outcome_code TEXT,            -- NULL exactly when outcome is ok
    context      TEXT NOT NULL,
    prev_hash    BLOB NOT NULL,
    hash         BLOB NOT NULL,
    mac          BLOB NOT NULL
) STRICT;

-- The query filters, each ordered by seq so a filtered page is one range
-- scan in chain order.
CREATE INDEX audit_events_by_time ON audit_events (time);
CREATE INDEX audit_events_by_tenant ON audit_events (tenant_id, seq);
CREATE INDEX audit_events_by_principal ON audit_events (principal_id, seq);
CREATE INDEX audit_events_by_key ON audit_events (key_id, seq);
CREATE INDEX audit_events_by_action ON audit_events (action, seq);

-- Signed checkpoints: the chain reached `hash` at event `seq`.
CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY NOT NULL REFERENCES audit_events (seq),
    hash      BLOB NOT NULL,
    time      INTEGER NOT NULL,
    signer    BLOB NOT NULL,      -- which key signed (its fingerprint)
    signature BLOB NOT NULL
) STRICT;

-- Append-only, as defense in depth: the store never updates or deletes these
-- rows, and these triggers refuse it from any connection that does not drop
-- them first. They are no protection against someone who can write the file
-- (or drop the triggers, as the tamper tests do on a raw connection to play
-- the attacker): the hash chain, its MACs and the signed checkpoints are what
-- detect that. keyhold never uses INSERT OR REPLACE here, whose implicit
-- delete would not fire a DELETE trigger.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
