//! Query-plan checks: the filtered key lists start from their index, so the
//! first page of a list by algorithm or tag never scans the tenant's keys
//! (issue 8's "first page of a filtered list" with a million keys).

use rusqlite::Connection;

use super::migrate::migrate;
use crate::queries;

/// The plan's lines (`EXPLAIN QUERY PLAN`), outermost first, for a list
/// of the first page of `ae` to `af` by algorithm and tag (the planner
/// may look at the values bound).
fn plan(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let params: [&dyn rusqlite::ToSql; 8] = [
        &[1u8; 16],
        &"ae",
        &"af",
        &"aes-256-gcm",
        &None::<String>,
        &100,
        &"team",
        &"x",
    ];
    stmt.query_map(&params[..], |row| row.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn migrated() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn).unwrap();
    conn
}

#[test]
fn a_list_by_algorithm_is_a_range_of_its_index() {
    let conn = migrated();
    for sql in [
        queries::KEYS_BY_ALGORITHM_FROM,
        queries::KEYS_BY_ALGORITHM_AFTER,
    ] {
        let lines = plan(&conn, sql);
        assert!(
            lines[0].contains("keys_by_tenant_algorithm_name"),
            "{lines:?}"
        );
        assert!(
            !lines.iter().any(|l| l.contains("TEMP B-TREE")),
            "{lines:?}"
        );
    }
}

#[test]
fn a_list_by_tag_starts_from_the_keys_holding_it() {
    let conn = migrated();
    for sql in [queries::KEYS_BY_TAG_FROM, queries::KEYS_BY_TAG_AFTER] {
        let lines = plan(&conn, sql);
        assert!(lines[0].contains("key_tags_by_tag"), "{lines:?}");
    }
}

#[test]
fn an_unfiltered_list_walks_names_in_order() {
    let conn = migrated();
    let lines = plan(&conn, queries::KEYS_FROM);
    assert!(lines[0].contains("keys_by_tenant_name"), "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains("TEMP B-TREE")),
        "{lines:?}"
    );
}
