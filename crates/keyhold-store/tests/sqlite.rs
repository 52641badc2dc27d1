//! The conformance suite on SQLite, in memory and on disk, and what only a
//! file can show: reopening, permissions, erasure from the raw bytes,
//! migrations, corrupt rows, and the append-only triggers of the audit trail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[macro_use]
mod conformance;

use std::path::{Path, PathBuf};

use conformance::{Harness, read, write};
use keyhold_core::audit::{AuditEvent, BreakKind, ChainHead, Checkpoint, verify_chain};
use keyhold_core::{Algorithm, KeyState, SealedBlob, Tenant};
use keyhold_store::{BackendKind, CorruptReason, KeyQuery, Store, StoreError, SystemKey};
use rusqlite::Connection;

fn in_memory() -> Harness {
    Harness {
        store: Store::open_sqlite_in_memory().unwrap(),
        _keep: None,
    }
}

fn on_disk() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("keyhold.db")).unwrap();
    Harness {
        store,
        _keep: Some(dir),
    }
}

mod sqlite_in_memory {
    use super::in_memory;
    conformance_suite!(in_memory);
}

mod sqlite_on_disk {
    use super::on_disk;
    conformance_suite!(on_disk);
}

/// Rows for the file tests: a tenant, a key and its first version.
fn seed(
    store: &Store,
    material: &[u8],
) -> (Tenant, keyhold_core::Key, keyhold_store::StoredVersion) {
    let t = conformance::fixtures::tenant("acme");
    let k = conformance::fixtures::full_key(&t, "orders", Algorithm::Aes256Gcm);
    let mut v = conformance::fixtures::version(&k, 1, KeyState::Active);
    v.sealed_material = Some(SealedBlob::new(material.to_vec()));
    write(store, |tx| {
        tx.tenant_insert(&t)?;
        tx.key_insert(&k)?;
        tx.version_insert(&v)
    })
    .unwrap();
    (t, k, v)
}

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyhold.db");
    (dir, path)
}

#[test]
fn backend_is_sqlite() {
    assert_eq!(in_memory().store.backend(), BackendKind::Sqlite);
    assert_eq!(on_disk().store.backend(), BackendKind::Sqlite);
}

#[test]
fn reopened_store_finds_everything() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let (t, k, v) = seed(&store, &[5; 48]);
    write(&store, |tx| tx.system_put(SystemKey::SealConfig, b"dev")).unwrap();
    drop(store);
    let store = Store::open_sqlite(&path).unwrap();
    read(&store, |tx| {
        assert_eq!(tx.tenants()?, vec![t.clone()]);
        assert_eq!(tx.keys(t.id, &KeyQuery::first(10))?, vec![k.clone()]);
        assert_eq!(tx.versions(k.id)?, vec![v.clone()]);
        assert_eq!(tx.system_get(SystemKey::SealConfig)?.unwrap(), b"dev");
        Ok(())
    })
    .unwrap();
}

#[cfg(unix)]
#[test]
fn database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    seed(&store, &[1; 16]);
    let wal = wal_path(&path);
    for file in [path.as_path(), wal.as_path()] {
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
}

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Whether `needle` occurs in the file (a missing file holds nothing).
fn file_contains(path: &Path, needle: &[u8]) -> bool {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// Distinct bytes that appear nowhere else: a counter pattern with a tag.
fn marker(len: usize, tag: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(tag) ^ 0xA5)
        .collect()
}

#[test]
fn erased_material_is_gone_from_the_files() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    // One blob that fits in its page and one that spills to overflow pages.
    let small = marker(64, 1);
    let large = marker(9000, 2);
    let (_, k, v1) = seed(&store, &small);
    let mut v2 = conformance::fixtures::version(&k, 2, KeyState::Active);
    v2.sealed_material = Some(SealedBlob::new(large.clone()));
    write(&store, |tx| tx.version_insert(&v2)).unwrap();
    store.checkpoint().unwrap();
    assert!(
        file_contains(&path, &small),
        "the scan must see stored bytes"
    );
    assert!(file_contains(&path, &large[..64]));

    write(&store, |tx| {
        for v in [&v1, &v2] {
            let mut gone = v.clone();
            gone.meta.state = KeyState::Destroyed;
            gone.sealed_material = None;
            tx.version_update(&gone)?;
        }
        Ok(())
    })
    .unwrap();
    for file in [path.clone(), wal_path(&path)] {
        assert!(!file_contains(&file, &small[..32]), "{}", file.display());
        assert!(!file_contains(&file, &large[..32]), "{}", file.display());
        assert!(
            !file_contains(&file, &large[8000..8032]),
            "{}",
            file.display()
        );
    }
    let left = read(&store, |tx| tx.versions(k.id)).unwrap();
    assert!(left.iter().all(|v| v.sealed_material.is_none()));
    assert_eq!(left.len(), 2);
}

#[test]
fn newer_schema_is_refused() {
    let (_dir, path) = temp_db();
    drop(Store::open_sqlite(&path).unwrap());
    let raw = Connection::open(&path).unwrap();
    raw.execute(
        "INSERT INTO schema_migrations (version, name) VALUES (1000, 'from the future')",
        [],
    )
    .unwrap();
    drop(raw);
    let err = Store::open_sqlite(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 1000, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("upgrade keyhold"));
}

#[test]
fn reopening_applies_no_migration_twice() {
    let (_dir, path) = temp_db();
    for _ in 0..3 {
        drop(Store::open_sqlite(&path).unwrap());
    }
    let raw = Connection::open(&path).unwrap();
    let (rows, distinct): (i64, i64) = raw
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(rows >= 1);
    assert_eq!(rows, distinct);
}

#[test]
fn corrupt_rows_are_reported_not_panicked_on() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let (t, k, v) = seed(&store, &[3; 32]);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(
        "UPDATE keys SET algorithm = 'rot13'; UPDATE key_versions SET state = 'undead';",
    )
    .unwrap();
    let err = read(&store, |tx| tx.key_get(t.id, k.id)).unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Corrupt {
                what: "key.algorithm",
                reason: CorruptReason::Core(_)
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("rot13"));
    let err = read(&store, |tx| tx.keys(t.id, &KeyQuery::first(10))).unwrap_err();
    assert!(matches!(
        err,
        StoreError::Corrupt {
            what: "key.algorithm",
            ..
        }
    ));
    let err = read(&store, |tx| tx.version_by_id(v.meta.id)).unwrap_err();
    assert!(matches!(
        err,
        StoreError::Corrupt {
            what: "key_version.state",
            reason: CorruptReason::UnknownName
        }
    ));
    raw.execute("UPDATE keys SET tags = 'not json'", [])
        .unwrap();
    raw.execute("UPDATE keys SET algorithm = 'aes-256-gcm'", [])
        .unwrap();
    let err = read(&store, |tx| tx.key_by_name(t.id, &k.name)).unwrap_err();
    assert!(matches!(
        err,
        StoreError::Corrupt {
            what: "key.tags",
            reason: CorruptReason::Json
        }
    ));
    // The rest of the store still works.
    assert_eq!(read(&store, |tx| tx.tenants()).unwrap(), vec![t]);
}

/// Appends `n` audit events and a checkpoint of the last one.
fn seed_audit(store: &Store, n: usize) -> Vec<AuditEvent> {
    let chain = conformance::fixtures::audit_chain();
    let events: Vec<AuditEvent> = (0..n)
        .map(|i| {
            write(store, |tx| {
                let record = conformance::fixtures::audit_record(i);
                let e = conformance::fixtures::next_event(&chain, tx.audit_head()?, record);
                tx.audit_append(&e)?;
                Ok(e)
            })
            .unwrap()
        })
        .collect();
    let last = events.last().unwrap();
    let cp = Checkpoint {
        seq: last.seq,
        hash: last.hash,
        time: last.record.time,
        signer: vec![1],
        signature: vec![2; 64],
    };
    write(store, |tx| tx.audit_checkpoint_put(&cp)).unwrap();
    events
}

fn all_audit(store: &Store) -> Vec<AuditEvent> {
    read(store, |tx| tx.audit_range(1, u64::MAX, u32::MAX)).unwrap()
}

/// The triggers of migration 3 refuse every UPDATE and DELETE of audit
/// rows, from any connection, and the rows stay as they were.
#[test]
fn audit_rows_cannot_be_updated_or_deleted() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let events = seed_audit(&store, 5);
    let raw = Connection::open(&path).unwrap();
    for sql in [
        "UPDATE audit_events SET outcome = 'ok', outcome_code = NULL WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 5",
        "DELETE FROM audit_events",
        "UPDATE audit_checkpoints SET signature = x'00'",
        "DELETE FROM audit_checkpoints",
    ] {
        let err = raw.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(all_audit(&store), events);
    let cps = read(&store, |tx| tx.audit_checkpoints(0, 10)).unwrap();
    assert_eq!(cps.len(), 1);
}

/// What the tamper tests build on: an attacker with the file drops the
/// triggers on a raw connection and edits at will. The store then reads
/// what is there (or reports a corrupt row), and only the chain tells.
#[test]
fn dropped_triggers_let_an_attacker_edit_and_the_chain_tells() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    seed_audit(&store, 6);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete; \
         UPDATE audit_events SET outcome = 'ok', outcome_code = NULL WHERE seq = 2; \
         DELETE FROM audit_events WHERE seq = 4;",
    )
    .unwrap();
    let chain = conformance::fixtures::audit_chain();
    let events = all_audit(&store);
    assert_eq!(events.len(), 5);
    let broken = verify_chain(&events, &chain, ChainHead::GENESIS).unwrap_err();
    assert_eq!((broken.seq, broken.kind), (2, BreakKind::Hash));
    let after_edit = ChainHead {
        seq: events[1].seq,
        hash: events[1].hash,
    };
    let rest = verify_chain(&events[2..], &chain, after_edit).unwrap_err();
    assert_eq!(
        (rest.seq, rest.kind),
        (5, BreakKind::Sequence { expected: 4 })
    );

    raw.execute(
        "UPDATE audit_events SET action = 'key:nope' WHERE seq = 3",
        [],
    )
    .unwrap();
    let err = read(&store, |tx| tx.audit_range(1, 10, 10)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                what: "audit_event.action",
                reason: CorruptReason::UnknownName
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("nope"));
    // Reads that do not reach the corrupt row still work.
    assert_eq!(
        read(&store, |tx| tx.audit_range(1, 2, 10)).unwrap().len(),
        2
    );
}

/// Migration 3 on a database written under version 2 keeps its rows and
/// starts an empty trail.
#[test]
fn audit_tables_arrive_empty_on_an_existing_database() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let (t, _, _) = seed(&store, &[4; 32]);
    drop(store);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(UNDO_MIGRATION_13).unwrap();
    raw.execute_batch(UNDO_MIGRATION_12).unwrap();
    raw.execute_batch(UNDO_MIGRATION_11).unwrap();
    raw.execute_batch(UNDO_MIGRATION_10).unwrap();
    raw.execute_batch(UNDO_MIGRATION_9).unwrap();
    raw.execute_batch(UNDO_MIGRATION_8).unwrap();
    raw.execute_batch(UNDO_MIGRATION_7).unwrap();
    raw.execute_batch(UNDO_MIGRATION_6).unwrap();
    raw.execute_batch(UNDO_MIGRATION_5).unwrap();
    raw.execute_batch(UNDO_MIGRATION_4).unwrap();
    raw.execute_batch(
        "DROP TABLE audit_checkpoints; DROP TABLE audit_events; \
         DELETE FROM schema_migrations WHERE version = 3;",
    )
    .unwrap();
    drop(raw);
    let store = Store::open_sqlite(&path).unwrap();
    assert_eq!(read(&store, |tx| tx.tenants()).unwrap(), vec![t]);
    assert_eq!(
        read(&store, |tx| tx.audit_head()).unwrap(),
        ChainHead::GENESIS
    );
    assert_eq!(seed_audit(&store, 3).len(), 3);
}

/// A corrupt JSON column of an access row is reported, naming the column
/// and never its text, and the other rows still read.
#[test]
fn corrupt_access_rows_are_reported() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let t = conformance::fixtures::tenant("acme");
    let p = conformance::fixtures::full_principal(&t, "alice", &["approver"]);
    let q = conformance::fixtures::principal(&t, "bob");
    write(&store, |tx| {
        tx.tenant_insert(&t)?;
        tx.principal_insert(&p)?;
        tx.principal_insert(&q)?;
        tx.tenant_settings_put(t.id, &Default::default())
    })
    .unwrap();
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(
        "UPDATE principals SET roles = '[\"approver\", \"sec ret\"]' WHERE name = 'alice'; \
         UPDATE tenant_settings SET settings = '{\"sod_rule\": []}';",
    )
    .unwrap();
    let err = read(&store, |tx| tx.principal_get(t.id, p.id)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                what: "principal.roles",
                reason: CorruptReason::Json
            }
        ),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("sec ret"));
    let role = "approver".parse().unwrap();
    assert!(read(&store, |tx| tx.principals_with_role(t.id, &role)).is_err());
    let err = read(&store, |tx| tx.tenant_settings(t.id)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                what: "tenant_settings.settings",
                reason: CorruptReason::Json
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        read(&store, |tx| tx.principal_get(t.id, q.id)).unwrap(),
        Some(q)
    );
}

/// Takes a database back to schema version 11.
const UNDO_MIGRATION_12: &str = "ALTER TABLE key_versions DROP COLUMN compromise_recorded_at; \
     ALTER TABLE key_versions DROP COLUMN served_at; \
     DELETE FROM schema_migrations WHERE version = 12;";

/// A version's new columns arrive empty on an existing database: `set`
/// fills them in and the version is written; `undo` takes the schema back
/// before them; reopened (migrated again), `cleared` shows them empty; a
/// version written again keeps them.
fn version_columns_arrive_empty(
    undo: &[&str],
    set: impl Fn(&mut keyhold_core::KeyVersion),
    cleared: impl Fn(&keyhold_core::KeyVersion) -> bool,
) {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let (_, k, mut v) = seed(&store, &[4; 32]);
    set(&mut v.meta);
    write(&store, |tx| tx.version_update(&v)).unwrap();
    drop(store);
    let raw = Connection::open(&path).unwrap();
    for sql in undo {
        raw.execute_batch(sql).unwrap();
    }
    drop(raw);
    let store = Store::open_sqlite(&path).unwrap();
    let back = read(&store, |tx| tx.version_get(k.id, v.meta.version))
        .unwrap()
        .unwrap();
    assert!(cleared(&back.meta), "{back:?}");
    write(&store, |tx| tx.version_update(&v)).unwrap();
    let back = read(&store, |tx| tx.version_get(k.id, v.meta.version))
        .unwrap()
        .unwrap();
    assert_eq!(back, v);
}

/// Takes a database back to schema version 12.
const UNDO_MIGRATION_13: &str = "ALTER TABLE key_versions DROP COLUMN public_half; \
     DELETE FROM schema_migrations WHERE version = 13;";

/// Migration 13 on a database written under version 12 keeps its
/// versions, their public keys sharing their state; a version written
/// again keeps its public half.
#[test]
fn public_halves_arrive_empty_on_an_existing_database() {
    let at = keyhold_core::Timestamp::from_unix_seconds;
    version_columns_arrive_empty(
        &[UNDO_MIGRATION_13],
        |v| {
            v.public_half = Some(keyhold_core::PublicHalf {
                state: keyhold_core::KeyState::Compromised,
                activation_date: Some(at(10)),
                deactivation_date: None,
                compromise_date: Some(at(20)),
                destroy_date: None,
                name: Some("pair-public".parse().unwrap()),
            });
        },
        |v| v.public_half.is_none(),
    );
}

/// Migration 12 on a database written under version 11 keeps its
/// versions, neither compromise-recorded nor served; a version written
/// again keeps both.
#[test]
fn compromise_record_and_service_arrive_empty_on_an_existing_database() {
    let at = keyhold_core::Timestamp::from_unix_seconds;
    version_columns_arrive_empty(
        &[UNDO_MIGRATION_13, UNDO_MIGRATION_12],
        |v| {
            v.compromise_recorded_at = Some(at(10));
            v.served_at = Some(at(20));
        },
        |v| v.compromise_recorded_at.is_none() && v.served_at.is_none(),
    );
}

/// Takes a database back to schema version 10.
const UNDO_MIGRATION_11: &str = "ALTER TABLE key_versions DROP COLUMN process_start_date; \
     ALTER TABLE key_versions DROP COLUMN protect_stop_date; \
     DELETE FROM schema_migrations WHERE version = 11;";

/// Migration 11 on a database written under version 10 keeps its
/// versions, with no usage dates; a version written again keeps its own.
#[test]
fn usage_dates_arrive_empty_on_an_existing_database() {
    let at = keyhold_core::Timestamp::from_unix_seconds;
    version_columns_arrive_empty(
        &[UNDO_MIGRATION_13, UNDO_MIGRATION_12, UNDO_MIGRATION_11],
        |v| {
            v.process_start_date = Some(at(10));
            v.protect_stop_date = Some(at(20));
        },
        |v| v.process_start_date.is_none() && v.protect_stop_date.is_none(),
    );
}

/// Takes a database back to schema version 9.
const UNDO_MIGRATION_10: &str = "ALTER TABLE keys DROP COLUMN kmip_meta; \
     DELETE FROM schema_migrations WHERE version = 10;";

/// Migration 10 on a database written under version 9 keeps its keys, with
/// no KMIP-only attributes; a key written again keeps its Object Groups.
#[test]
fn kmip_meta_arrives_empty_on_an_existing_database() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let (t, k, _) = seed(&store, &[4; 32]);
    drop(store);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(UNDO_MIGRATION_13).unwrap();
    raw.execute_batch(UNDO_MIGRATION_12).unwrap();
    raw.execute_batch(UNDO_MIGRATION_11).unwrap();
    raw.execute_batch(UNDO_MIGRATION_10).unwrap();
    drop(raw);
    let store = Store::open_sqlite(&path).unwrap();
    let back = read(&store, |tx| tx.key_get(t.id, k.id)).unwrap().unwrap();
    let before_10 = keyhold_core::Key {
        kmip: Default::default(),
        ..k.clone()
    };
    assert_eq!(back, before_10);
    // Written again, the key keeps its Object Groups.
    write(&store, |tx| tx.key_update(&k)).unwrap();
    let back = read(&store, |tx| tx.key_get(t.id, k.id)).unwrap().unwrap();
    assert!(!k.kmip.object_groups.is_empty());
    assert_eq!(back, k);
}

/// Takes a database back to schema version 8.
const UNDO_MIGRATION_9: &str = "ALTER TABLE keys DROP COLUMN crypto_params; \
     DELETE FROM schema_migrations WHERE version = 9;";

/// Migration 9 on a database written under version 8 keeps its keys, with
/// no Cryptographic Parameters; a key given some keeps them.
#[test]
fn crypto_params_arrive_empty_on_an_existing_database() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let (t, k, _) = seed(&store, &[4; 32]);
    drop(store);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(UNDO_MIGRATION_13).unwrap();
    raw.execute_batch(UNDO_MIGRATION_12).unwrap();
    raw.execute_batch(UNDO_MIGRATION_11).unwrap();
    raw.execute_batch(UNDO_MIGRATION_10).unwrap();
    raw.execute_batch(UNDO_MIGRATION_9).unwrap();
    drop(raw);
    let store = Store::open_sqlite(&path).unwrap();
    let back = read(&store, |tx| tx.key_get(t.id, k.id)).unwrap().unwrap();
    let before_9 = keyhold_core::Key {
        crypto_params: None,
        kmip: Default::default(),
        ..k.clone()
    };
    assert_eq!(back, before_9);
    // Written again, the key keeps its parameters.
    write(&store, |tx| tx.key_update(&k)).unwrap();
    let back = read(&store, |tx| tx.key_get(t.id, k.id)).unwrap().unwrap();
    assert!(k.crypto_params.is_some());
    assert_eq!(back, k);
}

/// Takes a database back to schema version 7.
const UNDO_MIGRATION_8: &str = "DROP INDEX keys_by_tenant_algorithm_name; \
     DELETE FROM schema_migrations WHERE version = 8;";

/// Takes a database back to schema version 6.
const UNDO_MIGRATION_7: &str = "DROP INDEX key_versions_by_kek_generation; \
     ALTER TABLE tenants DROP COLUMN kek_generation; \
     ALTER TABLE tenants DROP COLUMN retiring_kek; \
     ALTER TABLE key_versions DROP COLUMN kek_generation; \
     DELETE FROM schema_migrations WHERE version = 7;";

/// Migration 7 on a database written under version 6: every tenant's KEK
/// and every version's material are of KEK generation 1, no rotation
/// pending.
#[test]
fn kek_generations_arrive_as_one_on_an_existing_database() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let (t, k, v) = seed(&store, &[4; 32]);
    drop(store);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(UNDO_MIGRATION_13).unwrap();
    raw.execute_batch(UNDO_MIGRATION_12).unwrap();
    raw.execute_batch(UNDO_MIGRATION_11).unwrap();
    raw.execute_batch(UNDO_MIGRATION_10).unwrap();
    raw.execute_batch(UNDO_MIGRATION_9).unwrap();
    raw.execute_batch(UNDO_MIGRATION_8).unwrap();
    raw.execute_batch(UNDO_MIGRATION_7).unwrap();
    drop(raw);
    let store = Store::open_sqlite(&path).unwrap();
    assert_eq!(read(&store, |tx| tx.tenants()).unwrap(), vec![t.clone()]);
    assert_eq!(
        read(&store, |tx| tx.versions(k.id)).unwrap(),
        vec![v.clone()]
    );
    let before_2 = read(&store, |tx| tx.versions_sealed_before(t.id, 2, 10)).unwrap();
    assert_eq!(before_2.len(), 1);
    assert_eq!(before_2[0].kek_generation, 1);
}

/// Takes a database back to schema version 5.
const UNDO_MIGRATION_6: &str = "DROP INDEX keys_by_recipient_usage_end; \
     DROP INDEX keys_by_tenant_updated; \
     ALTER TABLE keys DROP COLUMN originator_usage_period_secs; \
     ALTER TABLE keys DROP COLUMN recipient_usage_period_secs; \
     ALTER TABLE keys DROP COLUMN recipient_usage_end; \
     ALTER TABLE keys DROP COLUMN last_used_at; \
     ALTER TABLE keys DROP COLUMN idle_warned_at; \
     DELETE FROM schema_migrations WHERE version = 6;";

/// Migration 6 on a database written under version 5 keeps its keys, with
/// no cryptoperiod and no recorded use.
#[test]
fn cryptoperiod_and_use_columns_arrive_empty_on_an_existing_database() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let (t, k, _) = seed(&store, &[4; 32]);
    drop(store);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(UNDO_MIGRATION_13).unwrap();
    raw.execute_batch(UNDO_MIGRATION_12).unwrap();
    raw.execute_batch(UNDO_MIGRATION_11).unwrap();
    raw.execute_batch(UNDO_MIGRATION_10).unwrap();
    raw.execute_batch(UNDO_MIGRATION_9).unwrap();
    raw.execute_batch(UNDO_MIGRATION_8).unwrap();
    raw.execute_batch(UNDO_MIGRATION_7).unwrap();
    raw.execute_batch(UNDO_MIGRATION_6).unwrap();
    drop(raw);
    let store = Store::open_sqlite(&path).unwrap();
    let back = read(&store, |tx| tx.key_get(t.id, k.id)).unwrap().unwrap();
    let before_6 = keyhold_core::Key {
        cryptoperiod: keyhold_core::Cryptoperiod::NONE,
        recipient_usage_end: None,
        last_used_at: None,
        idle_warned_at: None,
        crypto_params: None,
        kmip: Default::default(),
        ..k
    };
    assert_eq!(back, before_6);
}

/// Takes a database back to schema version 4.
const UNDO_MIGRATION_5: &str = "DROP INDEX keys_by_destroy_due; DROP INDEX keys_by_rotation_due; \
     DROP INDEX key_versions_by_deactivation_due; DROP INDEX key_versions_by_activation_due; \
     DELETE FROM schema_migrations WHERE version = 5;";

/// Takes a database back to schema version 3 (through version 4).
const UNDO_MIGRATION_4: &str = "DROP TABLE tenant_settings; DROP TABLE approvals; \
     DROP TABLE roles; DROP TABLE policies; DROP TABLE mfa; DROP TABLE principal_certs; \
     DROP TABLE tokens; DROP TABLE principal_roles; DROP TABLE principals; \
     DELETE FROM schema_migrations WHERE version = 4;";

/// Migration 4 on a database written under version 3 keeps its rows and
/// starts with no principal.
#[test]
fn access_tables_arrive_empty_on_an_existing_database() {
    let (_dir, path) = temp_db();
    let store = Store::open_sqlite(&path).unwrap();
    let (t, _, _) = seed(&store, &[4; 32]);
    drop(store);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(UNDO_MIGRATION_13).unwrap();
    raw.execute_batch(UNDO_MIGRATION_12).unwrap();
    raw.execute_batch(UNDO_MIGRATION_11).unwrap();
    raw.execute_batch(UNDO_MIGRATION_10).unwrap();
    raw.execute_batch(UNDO_MIGRATION_9).unwrap();
    raw.execute_batch(UNDO_MIGRATION_8).unwrap();
    raw.execute_batch(UNDO_MIGRATION_7).unwrap();
    raw.execute_batch(UNDO_MIGRATION_6).unwrap();
    raw.execute_batch(UNDO_MIGRATION_5).unwrap();
    raw.execute_batch(UNDO_MIGRATION_4).unwrap();
    drop(raw);
    let store = Store::open_sqlite(&path).unwrap();
    assert_eq!(read(&store, |tx| tx.tenants()).unwrap(), vec![t.clone()]);
    assert_eq!(
        read(&store, |tx| tx.principals(t.id, None, 10)).unwrap(),
        vec![]
    );
    let p = conformance::fixtures::principal(&t, "first");
    write(&store, |tx| tx.principal_insert(&p)).unwrap();
}
