//! End to end over KMIP: batches sent with Batch Error Continuation Option
//! Undo (KMIP 1.4 section 6.13, KMIP 2.1 sections 9.6 and 11.5). When an item fails,
//! what the earlier items did is undone (a key they made is gone, a state,
//! attribute or new version they set is back as it was), each undoing
//! audited as the item's action with context `undo: batch`, and the earlier
//! items answer Operation Undone with their payloads. A change that cannot
//! be undone stays and keeps its Success.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{
    attribute, batch_bytes, create_aes, exchange, locate, located, name_attribute, ok, on, refused,
    rest_client, session, uid,
};
use keyhold_api::audit::AuditEventsQuery;
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{
    Attributes, ResponseMessage, ResultReason, ResultStatus, State, UniqueIdentifier,
};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

type Conn = TlsStream<TcpStream>;

/// Sends `items` as one KMIP 1.4 batch with continuation `option`.
async fn batch(conn: &mut Conn, option: &str, items: &[String]) -> ResponseMessage {
    let header = format!(r#"<BatchErrorContinuationOption type="Enumeration" value="{option}"/>"#);
    let tree = exchange(conn, &batch_bytes(&header, items)).await.unwrap();
    ResponseMessage::from_ttlv(&tree).unwrap()
}

fn statuses(r: &ResponseMessage) -> Vec<ResultStatus> {
    r.items.iter().map(|i| i.result_status).collect()
}

async fn attributes(conn: &mut Conn, id: &str) -> Attributes {
    match ok(conn, &on("GetAttributes", id, "")).await {
        ResponsePayload::GetAttributes(a) => a.attributes.unwrap(),
        other => panic!("{other:?}"),
    }
}

fn described(value: &str) -> String {
    attribute("Description", "TextString", value)
}

/// An item that fails: a Get of an object that does not exist.
fn failing() -> String {
    on("Get", "0190a8d2-7c1e-7000-8000-000000000000", "")
}

#[tokio::test]
async fn a_failed_item_undoes_the_items_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let a = uid(&ok(&mut conn, &create_aes(&name_attribute("undo-a"))).await);
    // A Get of the key just made (the ID placeholder) serves its material:
    // that is no change that would keep the key from being removed.
    let get_made = r#"<Operation type="Enumeration" value="Get"/><RequestPayload/>"#;
    let items = [
        create_aes(&name_attribute("undo-b")),
        get_made.to_owned(),
        on("Activate", &a, ""),
        on("AddAttribute", &a, &described("ops@example.com")),
        on("ReKey", &a, ""),
        failing(),
        // Never runs: the batch stops at the failure.
        create_aes(&name_attribute("after-failure")),
    ];
    let r = batch(&mut conn, "Undo", &items).await;
    let undone = ResultStatus::OperationUndone;
    assert_eq!(
        statuses(&r),
        [
            undone,
            undone,
            undone,
            undone,
            undone,
            ResultStatus::OperationFailed
        ],
        "{r:?}"
    );
    assert_eq!(r.items[5].result_reason, Some(ResultReason::ItemNotFound));
    // Undone items keep their payloads: the identifiers they had made.
    let b = uid(r.items[0].payload.as_ref().unwrap());
    let Some(ResponsePayload::ReKey(rekeyed)) = &r.items[4].payload else {
        panic!("{r:?}");
    };
    let UniqueIdentifier::Text(new) = &rekeyed.unique_identifier else {
        panic!("{rekeyed:?}");
    };
    for gone in [&b, new] {
        let reason = refused(&mut conn, &on("GetAttributes", gone, "")).await;
        assert_eq!(reason, Some(ResultReason::ItemNotFound), "{gone}");
    }
    let after = attributes(&mut conn, &a).await;
    assert_eq!(after.state(), Some(State::PreActive));
    assert_eq!(after.description(), None);
    // The name of the key that was made is free again.
    ok(&mut conn, &create_aes(&name_attribute("undo-b"))).await;
    let after = ok(&mut conn, &locate(&name_attribute("after-failure"))).await;
    assert!(
        located(&after).is_empty(),
        "no item runs after the failed one"
    );

    let rest = rest_client(&server, &pki, Some(&token));
    let query = AuditEventsQuery {
        limit: Some(1000),
        ..Default::default()
    };
    let events = rest.audit_events(&query).await.unwrap().events;
    let undoings: Vec<&str> = events
        .iter()
        .filter(|e| e.context.get("undo").map(String::as_str) == Some("batch"))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        undoings,
        ["key:rotate", "key:update", "key:activate", "key:create"],
        "each undoing is audited, last item first"
    );
}

#[tokio::test]
async fn a_batch_that_succeeds_keeps_its_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let activate_made = r#"<Operation type="Enumeration" value="Activate"/><RequestPayload/>"#;
    let items = [
        create_aes(&name_attribute("kept")),
        activate_made.to_owned(),
    ];
    let r = batch(&mut conn, "Undo", &items).await;
    assert_eq!(statuses(&r), [ResultStatus::Success; 2], "{r:?}");
    let id = uid(r.items[0].payload.as_ref().unwrap());
    assert_eq!(
        attributes(&mut conn, &id).await.state(),
        Some(State::Active)
    );
    // With Stop, a failure leaves what ran before it.
    let items = [on("AddAttribute", &id, &described("stop")), failing()];
    let r = batch(&mut conn, "Stop", &items).await;
    assert_eq!(
        statuses(&r),
        [ResultStatus::Success, ResultStatus::OperationFailed]
    );
    let a = attributes(&mut conn, &id).await;
    assert_eq!(a.description(), Some("stop"));
}

/// A change the server cannot take back stays: a use metered under Usage
/// Limits is never refunded, so an attribute set before it is left as it
/// is (its item keeps Success) rather than overwriting the count.
#[tokio::test]
async fn a_change_that_cannot_be_undone_stays() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let limits = r#"<Attribute><AttributeName type="TextString" value="Usage Limits"/>
        <AttributeValue><UsageLimitsTotal type="LongInteger" value="10"/>
        <UsageLimitsUnit type="Enumeration" value="Object"/></AttributeValue></Attribute>"#;
    let active = attribute("Activation Date", "DateTime", "2020-01-01T00:00:00+00:00");
    let id = uid(&ok(&mut conn, &create_aes(&format!("{limits}{active}"))).await);
    let encrypt = on(
        "Encrypt",
        &id,
        r#"<CryptographicParameters><BlockCipherMode type="Enumeration" value="ECB"/>
        </CryptographicParameters>
        <Data type="ByteString" value="00112233445566778899aabbccddeeff"/>"#,
    );
    let items = [
        on("AddAttribute", &id, &described("stays")),
        encrypt,
        failing(),
    ];
    let r = batch(&mut conn, "Undo", &items).await;
    assert_eq!(
        statuses(&r),
        [
            ResultStatus::Success,
            ResultStatus::OperationUndone,
            ResultStatus::OperationFailed
        ],
        "{r:?}"
    );
    let a = attributes(&mut conn, &id).await;
    assert_eq!(a.description(), Some("stays"));
    let count = a
        .get(&keyhold_kmip::AttributeRef::Standard(
            keyhold_kmip::tags::USAGE_LIMITS,
        ))
        .map(|v| format!("{v:?}"))
        .unwrap();
    assert!(count.contains("LongInteger(9)"), "{count}");
}

/// Query Capabilities says so: Batch Undo Capability true.
#[tokio::test]
async fn query_capabilities_announce_undo() {
    use keyhold_ttlv::Value;
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let query = r#"<Operation type="Enumeration" value="Query"/><RequestPayload>
        <QueryFunction type="Enumeration" value="QueryCapabilities"/></RequestPayload>"#;
    let ResponsePayload::Query(q) = ok(&mut conn, query).await else {
        panic!("not a Query answer");
    };
    let [info] = q.capability_information.as_slice() else {
        panic!("{q:?}");
    };
    let Value::Structure(items) = &info.value else {
        panic!("{info:?}");
    };
    let undo = items
        .iter()
        .find(|i| i.tag == keyhold_kmip::tags::BATCH_UNDO_CAPABILITY);
    assert_eq!(undo.map(|i| &i.value), Some(&Value::Boolean(true)));
}
