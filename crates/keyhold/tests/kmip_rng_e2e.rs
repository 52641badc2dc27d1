//! End to end over KMIP: RNG Seed (KMIP 1.4 section 4.36, KMIP 2.1
//! section 6.1.50). keyhold takes no seed material from clients: it
//! answers Success with a Data Length of 0, as KMIP lets a server that
//! ignores the material, and the audit event records how many bytes were
//! offered, never the bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{call_in, ok, rest_client, session};
use keyhold_api::audit::AuditEventsQuery;
use keyhold_core::Action;
use keyhold_kmip::ResultStatus;
use keyhold_kmip::payload::ResponsePayload;

const SEED: &str = "333c06587706225099a67438f263f8f932f64b860c3a7dbb21bc2bd56685d8bc";

fn seed(hex: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="RNGSeed"/><RequestPayload>
        <Data type="ByteString" value="{hex}"/></RequestPayload>"#
    )
}

#[tokio::test]
async fn rng_seed_is_taken_and_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let ResponsePayload::RNGSeed(used) = ok(&mut conn, &seed(SEED)).await else {
        panic!("not an RNG Seed answer");
    };
    assert_eq!(used.data_length, 0, "no seed material is used");
    let r = call_in(&mut conn, "2", "1", &seed("00")).await;
    assert_eq!(r.items[0].result_status, ResultStatus::Success, "{r:?}");
    let Some(ResponsePayload::RNGSeed(used)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    assert_eq!(used.data_length, 0, "none used at 2.1 either");

    let rest = rest_client(&server, &pki, Some(&token));
    let query = AuditEventsQuery {
        action: Some(Action::RandomGenerate),
        ..Default::default()
    };
    let events = rest.audit_events(&query).await.unwrap().events;
    let offered: Vec<_> = events
        .iter()
        .filter_map(|e| e.context.get("rng_seed_offered_bytes"))
        .map(String::as_str)
        .collect();
    assert_eq!(offered, ["32", "1"], "{events:?}");
    let trail = format!("{events:?}");
    assert!(!trail.contains(SEED), "the seed bytes are never recorded");
}
