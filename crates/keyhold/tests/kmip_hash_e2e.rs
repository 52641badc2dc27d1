//! End to end over KMIP: Hash (KMIP 1.4 section 4.37, KMIP 2.1 section
//! 6.1.24), SHA-1 and SHA-2, audited as `hash:compute`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{call, refused, rest_client, session};
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{ResultReason, ResultStatus};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// The digest a successful Hash answers, in hex.
async fn digest(conn: &mut TlsStream<TcpStream>, item: &str) -> String {
    let r = call(conn, item).await;
    assert_eq!(r.items[0].result_status, ResultStatus::Success, "{r:?}");
    let Some(ResponsePayload::Hash(h)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    assert!(h.unique_identifier.is_none(), "Hash names no object");
    hex::encode(h.data.as_ref().unwrap())
}

fn hash(algorithm: &str, data: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Hash"/><RequestPayload>
        <CryptographicParameters>
          <HashingAlgorithm type="Enumeration" value="{algorithm}"/></CryptographicParameters>
        <Data type="ByteString" value="{data}"/></RequestPayload>"#
    )
}

/// Hash gives the FIPS 180-4 digests of "abc" (SHA-1 and SHA-2); another
/// Hashing Algorithm, or none, is Invalid Field; each Hash is audited as
/// `hash:compute`.
#[tokio::test]
async fn hash_gives_sha_digests_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let abc = hex::encode(b"abc");
    let cases = [
        ("SHA_1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            "SHA_224",
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
        ),
        (
            "SHA_256",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
    ];
    for (algorithm, want) in cases {
        let got = digest(&mut conn, &hash(algorithm, &abc)).await;
        assert_eq!(got, want, "{algorithm}");
    }
    for (algorithm, len) in [("SHA_384", 48), ("SHA_512", 64)] {
        let got = digest(&mut conn, &hash(algorithm, &abc)).await;
        assert_eq!(got.len(), len * 2, "{algorithm}");
    }
    for algorithm in ["MD5", "SHA3_256"] {
        let reason = refused(&mut conn, &hash(algorithm, &abc)).await;
        assert_eq!(reason, Some(ResultReason::InvalidField), "{algorithm}");
    }
    let bare = format!(
        r#"<Operation type="Enumeration" value="Hash"/><RequestPayload>
        <Data type="ByteString" value="{abc}"/></RequestPayload>"#
    );
    assert_eq!(
        refused(&mut conn, &bare).await,
        Some(ResultReason::InvalidField)
    );
    let rest = rest_client(&server, &pki, Some(&token));
    let query = keyhold_api::audit::AuditEventsQuery {
        action: Some(keyhold_core::Action::HashCompute),
        ..Default::default()
    };
    let page = rest.audit_events(&query).await.unwrap();
    assert_eq!(page.events.len(), 5, "the five digests computed: {page:?}");
}
