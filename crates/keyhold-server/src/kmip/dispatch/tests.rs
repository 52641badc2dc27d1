use keyhold_kmip::{Operation, ResponseMessage};
use keyhold_ttlv::xml;

use super::*;

/// A dispatcher over a fresh, uninitialized server (the vault is not
/// unsealed: operations that need key material answer Permission Denied).
fn dispatcher() -> Dispatcher {
    let store = keyhold_store::Store::open_sqlite_in_memory().unwrap();
    let crypto = keyhold_crypto::software();
    let vault = Arc::new(crate::vault::Vault::load(store.clone(), crypto).unwrap());
    let clock: Arc<dyn keyhold_core::ports::Clock> = Arc::new(crate::clock::SystemClock);
    let ops = Arc::new(Operations::new(store, crypto, vault, clock));
    Dispatcher::new(ops, Limits::DEFAULT)
}

fn request(header_extra: &str, items: &[&str]) -> Vec<u8> {
    request_counted(header_extra, items, items.len())
}

fn request_counted(header_extra: &str, items: &[&str], count: usize) -> Vec<u8> {
    let batch: String = items
        .iter()
        .map(|i| format!("<BatchItem>{i}</BatchItem>"))
        .collect();
    let text = format!(
        r#"<RequestMessage><RequestHeader><ProtocolVersion>
        <ProtocolVersionMajor type="Integer" value="1"/>
        <ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion>{header_extra}
        <BatchCount type="Integer" value="{count}"/></RequestHeader>{batch}</RequestMessage>"#
    );
    keyhold_ttlv::encode(&xml::to_ttlv(&text).unwrap()).unwrap()
}

const DISCOVER: &str = r#"<Operation type="Enumeration" value="DiscoverVersions"/>
    <UniqueBatchItemID type="ByteString" value="01"/><RequestPayload/>"#;
const RNG: &str = r#"<Operation type="Enumeration" value="RNGRetrieve"/>
    <UniqueBatchItemID type="ByteString" value="02"/>
    <RequestPayload><DataLength type="Integer" value="16"/></RequestPayload>"#;
const UNSUPPORTED: &str = r#"<Operation type="Enumeration" value="Certify"/>
    <UniqueBatchItemID type="ByteString" value="03"/><RequestPayload/>"#;

async fn answer(d: &Dispatcher, bytes: &[u8]) -> ResponseMessage {
    let out = d.respond(bytes).await.unwrap();
    let tree = keyhold_ttlv::decode(&out, &Limits::DEFAULT).unwrap();
    ResponseMessage::from_ttlv(&tree).unwrap()
}

#[tokio::test]
async fn discover_versions_lists_every_supported_version() {
    let r = answer(&dispatcher(), &request("", &[DISCOVER])).await;
    assert_eq!(r.header.protocol_version, ProtocolVersion::V1_4);
    let item = &r.items[0];
    assert_eq!(item.result_status, ResultStatus::Success);
    assert_eq!(item.unique_batch_item_id.as_deref(), Some(&[1u8][..]));
    let Some(ResponsePayload::DiscoverVersions(p)) = &item.payload else {
        panic!("{item:?}");
    };
    assert_eq!(p.versions, ProtocolVersion::SUPPORTED.to_vec());
}

#[tokio::test]
async fn stop_is_the_default_and_continue_carries_on() {
    let d = dispatcher();
    let stopped = answer(&d, &request("", &[UNSUPPORTED, DISCOVER])).await;
    assert_eq!(stopped.items.len(), 1);
    assert_eq!(stopped.items[0].operation, Some(Operation::Certify));
    assert_eq!(
        stopped.items[0].result_reason,
        Some(ResultReason::OperationNotSupported)
    );
    let cont = r#"<BatchErrorContinuationOption type="Enumeration" value="Continue"/>"#;
    let continued = answer(&d, &request(cont, &[UNSUPPORTED, DISCOVER])).await;
    assert_eq!(continued.items.len(), 2);
    assert_eq!(continued.items[1].result_status, ResultStatus::Success);
}

#[tokio::test]
async fn rng_on_a_server_not_unsealed_is_permission_denied() {
    let r = answer(&dispatcher(), &request("", &[RNG])).await;
    assert_eq!(r.items[0].result_status, ResultStatus::OperationFailed);
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::PermissionDenied)
    );
}

#[tokio::test]
async fn garbage_and_bad_envelopes_are_invalid_message() {
    let d = dispatcher();
    let mut truncated = request("", &[DISCOVER]);
    truncated.truncate(truncated.len() - 8);
    for bad in [vec![0u8; 16], truncated] {
        let r = answer(&d, &bad).await;
        assert_eq!(r.items.len(), 1);
        assert_eq!(r.items[0].result_reason, Some(ResultReason::InvalidMessage));
    }
    // Batch Count disagrees with the items.
    let r = answer(&d, &request_counted("", &[DISCOVER], 2)).await;
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.items[0].result_reason, Some(ResultReason::InvalidMessage));
    assert!(d.framing_error("bad header").is_some());
}

#[tokio::test]
async fn a_response_over_the_maximum_size_is_response_too_large() {
    let small = r#"<MaximumResponseSize type="Integer" value="64"/>"#;
    let r = answer(&dispatcher(), &request(small, &[DISCOVER])).await;
    assert_eq!(
        r.items[0].result_reason,
        Some(ResultReason::ResponseTooLarge)
    );
    let large = r#"<MaximumResponseSize type="Integer" value="100000"/>"#;
    let r = answer(&dispatcher(), &request(large, &[DISCOVER])).await;
    assert_eq!(r.items[0].result_status, ResultStatus::Success);
}

#[tokio::test]
async fn a_batch_over_the_limit_is_invalid_message() {
    let d = dispatcher();
    let many = vec![DISCOVER_NO_ID; MAX_BATCH_ITEMS + 1];
    let r = answer(&d, &request("", &many)).await;
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.items[0].result_reason, Some(ResultReason::InvalidMessage));
    let most = vec![DISCOVER_NO_ID; MAX_BATCH_ITEMS];
    let r = answer(&d, &request("", &most)).await;
    assert_eq!(r.items.len(), MAX_BATCH_ITEMS);
}

const DISCOVER_NO_ID: &str =
    r#"<Operation type="Enumeration" value="DiscoverVersions"/><RequestPayload/>"#;
