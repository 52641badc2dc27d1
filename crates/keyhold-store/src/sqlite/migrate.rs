//! Versioned schema migrations, embedded in the binary and applied in order
//! in one immediate transaction. Applying is idempotent; a database whose
//! schema is newer than this binary knows is refused.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::error::backend;
use crate::error::StoreError;

/// One schema change.
struct Migration {
    /// Its number: 1, 2, ... in order, never reused.
    version: u32,
    /// What it does, recorded with it.
    name: &'static str,
    /// The DDL.
    sql: &'static str,
}

const MIGRATIONS: [Migration; 13] = [
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "key tags",
        sql: include_str!("migrations/0002_key_tags.sql"),
    },
    Migration {
        version: 3,
        name: "audit trail",
        sql: include_str!("migrations/0003_audit.sql"),
    },
    Migration {
        version: 4,
        name: "access control",
        sql: include_str!("migrations/0004_access.sql"),
    },
    Migration {
        version: 5,
        name: "scheduler indexes",
        sql: include_str!("migrations/0005_due_indexes.sql"),
    },
    Migration {
        version: 6,
        name: "cryptoperiods and key use",
        sql: include_str!("migrations/0006_cryptoperiods_and_key_use.sql"),
    },
    Migration {
        version: 7,
        name: "kek rotation",
        sql: include_str!("migrations/0007_kek_rotation.sql"),
    },
    Migration {
        version: 8,
        name: "list indexes",
        sql: include_str!("migrations/0008_list_indexes.sql"),
    },
    Migration {
        version: 9,
        name: "key crypto params",
        sql: include_str!("migrations/0009_key_crypto_params.sql"),
    },
    Migration {
        version: 10,
        name: "key kmip meta",
        sql: include_str!("migrations/0010_key_kmip_meta.sql"),
    },
    Migration {
        version: 11,
        name: "version usage dates",
        sql: include_str!("migrations/0011_version_usage_dates.sql"),
    },
    Migration {
        version: 12,
        name: "version compromise and service",
        sql: include_str!("migrations/0012_version_compromise_and_service.sql"),
    },
    Migration {
        version: 13,
        name: "public key half",
        sql: include_str!("migrations/0013_public_half.sql"),
    },
];

/// The schema version this binary creates: the last migration's.
pub(super) const LATEST: u32 = match MIGRATIONS.last() {
    Some(m) => m.version,
    None => 0,
};

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL) STRICT";

/// Brings the schema to [`LATEST`].
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    tx.execute_batch(CREATE_LEDGER).map_err(backend)?;
    let current: i64 = tx
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(backend)?
        .flatten()
        .unwrap_or(0);
    if current > i64::from(LATEST) {
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported: LATEST,
        });
    }
    for m in MIGRATIONS.iter().filter(|m| i64::from(m.version) > current) {
        apply(&tx, m)?;
    }
    tx.commit().map_err(backend)
}

fn apply(conn: &Connection, m: &Migration) -> Result<(), StoreError> {
    let failed = |e: rusqlite::Error| StoreError::Migration {
        version: m.version,
        source: Box::new(e),
    };
    conn.execute_batch(m.sql).map_err(failed)?;
    conn.execute(
        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
        (m.version, m.name),
    )
    .map_err(failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(conn: &Connection) -> Vec<u32> {
        let mut stmt = conn
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn migrations_are_numbered_one_to_latest() {
        let numbers: Vec<u32> = MIGRATIONS.iter().map(|m| m.version).collect();
        let expected: Vec<u32> = (1..=LATEST).collect();
        assert_eq!(numbers, expected);
    }

    #[test]
    fn applying_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(versions(&conn), (1..=LATEST).collect::<Vec<_>>());
    }

    #[test]
    fn key_tags_are_filled_from_keys_written_under_version_1() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(CREATE_LEDGER).unwrap();
        apply(&conn, &MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "INSERT INTO tenants VALUES (x'01', 't', x'00', 1, 0); \
             INSERT INTO keys VALUES (x'02', x'01', 'k', '', \
                 '{\"env\":\"prod\",\"team\":\"pay:ments\"}', 'aes-256-gcm', 12, \
                 'software', 'generated', 0, NULL, NULL, NULL, 1, NULL, 0, 0); \
             INSERT INTO keys VALUES (x'03', x'01', 'bare', '', '{}', 'aes-256-gcm', 12, \
                 'software', 'generated', 0, NULL, NULL, NULL, 1, NULL, 0, 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let mut stmt = conn
            .prepare("SELECT hex(key_id), name, value FROM key_tags ORDER BY name")
            .unwrap();
        let rows: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let want = [("02", "env", "prod"), ("02", "team", "pay:ments")];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into()))
            .collect();
        assert_eq!(rows, want);
    }

    #[test]
    fn a_newer_schema_is_refused_and_left_alone() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')",
            [],
        )
        .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                supported: LATEST
            }
        ));
        assert!(versions(&conn).contains(&99));
    }

    #[test]
    fn a_failing_migration_leaves_the_schema_unchanged() {
        let mut conn = Connection::open_in_memory().unwrap();
        // A table the initial migration wants to create already exists.
        conn.execute_batch("CREATE TABLE tenants (x INTEGER)")
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, StoreError::Migration { version: 1, .. }));
        let ledger: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('schema_migrations', 'system')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(ledger, 0);
    }
}
