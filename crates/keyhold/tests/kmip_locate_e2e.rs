//! End to end over KMIP: Locate, Get and Check as KMIP defines them.
//! Locate leaves out destroyed objects unless the Storage Status Mask asks
//! for them (KMIP 2.1 section 6.1.27) and reads one value of a date
//! attribute as that date, two as a range (KMIP 1.4 section 4.9); Get
//! returns a symmetric key in the format it was registered in (section
//! 4.11); Check compares usage masks (section 4.10). Bad input gets its
//! KMIP error and changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{
    attribute, byte_string, call_in, create_aes as create, locate as locate_request, located, ok,
    on, refused, session, uid,
};
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{
    KeyFormatType, ManagedObject, ResponseMessage, ResultReason, ResultStatus, UniqueIdentifier,
};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

type Conn = TlsStream<TcpStream>;

/// A 1.4 Create of a key whose Protect Stop Date is `date`.
fn create_stopping(date: &str) -> String {
    create(&attribute("Protect Stop Date", "DateTime", date))
}

/// A 1.4 Register of an AES-128 key in `format` with usage `mask`.
fn register(format: &str, mask: &str) -> String {
    let key = "0123456789abcdef0123456789abcdef";
    let material = match format {
        "TransparentSymmetricKey" => {
            format!("<KeyMaterial>{}</KeyMaterial>", byte_string("Key", key))
        }
        _ => byte_string("KeyMaterial", key),
    };
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>{}
        </TemplateAttribute><SymmetricKey><KeyBlock>
        <KeyFormatType type="Enumeration" value="{format}"/>
        <KeyValue>{material}</KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="AES"/>
        <CryptographicLength type="Integer" value="128"/>
        </KeyBlock></SymmetricKey></RequestPayload>"#,
        attribute("Cryptographic Usage Mask", "Integer", mask),
    )
}

/// The identifiers a 1.4 Locate of `attributes` finds.
async fn locate(conn: &mut Conn, attributes: &str) -> Vec<String> {
    located(&ok(conn, &locate_request(attributes)).await)
}

/// A 2.1 request: its answer, which must have one item.
async fn call_v2(
    conn: &mut Conn,
    item: &str,
) -> (ResultStatus, Option<ResultReason>, ResponseMessage) {
    let r = call_in(conn, "2", "1", item).await;
    let first = r.items.first().unwrap();
    (first.result_status, first.result_reason, r.clone())
}

/// The identifiers a 2.1 Locate with payload `inside` finds.
async fn locate_v2(conn: &mut Conn, inside: &str) -> Vec<String> {
    let (status, _, r) = call_v2(conn, &locate_request(inside)).await;
    assert_eq!(status, ResultStatus::Success, "{r:?}");
    located(&r.items[0].payload.clone().unwrap())
}

/// A Destroy'd object is destroyed for Locate (its destruction is only
/// scheduled, but its material can no longer be fetched): found by
/// nothing at 1.4, found at 2.1 only when the Storage Status Mask asks for
/// Destroyed Storage.
#[tokio::test]
async fn a_destroyed_object_is_located_only_among_destroyed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let kept = uid(&ok(&mut conn, &create("")).await);
    let gone = uid(&ok(&mut conn, &create("")).await);
    let by_id = |id: &str| attribute("Unique Identifier", "TextString", id);
    assert_eq!(locate(&mut conn, &by_id(&gone)).await, vec![gone.clone()]);
    ok(&mut conn, &on("Destroy", &gone, "")).await;

    assert!(locate(&mut conn, &by_id(&gone)).await.is_empty());
    let everything = locate(&mut conn, "").await;
    assert!(everything.contains(&kept) && !everything.contains(&gone));

    let v2_by_id = |id: &str, mask: &str| {
        format!(
            r#"{mask}<Attributes><UniqueIdentifier type="TextString" value="{id}"/></Attributes>"#
        )
    };
    let mask = |bits: u8| format!(r#"<StorageStatusMask type="Integer" value="{bits}"/>"#);
    assert!(locate_v2(&mut conn, &v2_by_id(&gone, "")).await.is_empty());
    assert!(
        locate_v2(&mut conn, &v2_by_id(&gone, &mask(3)))
            .await
            .is_empty()
    );
    assert_eq!(
        locate_v2(&mut conn, &v2_by_id(&gone, &mask(4))).await,
        vec![gone.clone()]
    );
    assert!(
        locate_v2(&mut conn, &v2_by_id(&kept, &mask(4)))
            .await
            .is_empty()
    );
    assert_eq!(
        locate_v2(&mut conn, &v2_by_id(&kept, &mask(5))).await,
        vec![kept]
    );
}

/// One date is that date, two are a range (limits included, either
/// order); a date the object lacks matches nothing; three values of one
/// date, or a date of the wrong type, are refused and change nothing.
#[tokio::test]
async fn dates_locate_by_day_or_by_range() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let jan = uid(&ok(&mut conn, &create_stopping("2001-01-15T00:00:00+00:00")).await);
    let mar = uid(&ok(&mut conn, &create_stopping("2001-03-15T00:00:00+00:00")).await);
    let none = uid(&ok(&mut conn, &create("")).await);
    let stop = |date: &str| attribute("Protect Stop Date", "DateTime", date);

    let exact = locate(&mut conn, &stop("2001-01-15T00:00:00+00:00")).await;
    assert_eq!(exact, vec![jan.clone()]);
    assert!(
        locate(&mut conn, &stop("2001-01-15T00:00:01+00:00"))
            .await
            .is_empty()
    );
    let q1 = format!(
        "{}{}",
        stop("2001-01-01T00:00:00+00:00"),
        stop("2001-03-31T00:00:00+00:00")
    );
    let mut both = locate(&mut conn, &q1).await;
    both.sort();
    let mut want = vec![jan.clone(), mar.clone()];
    want.sort();
    assert_eq!(both, want);
    assert!(!both.contains(&none));
    // Limits included, in either order.
    let limits = format!(
        "{}{}",
        stop("2001-03-15T00:00:00+00:00"),
        stop("2001-02-01T00:00:00+00:00")
    );
    assert_eq!(locate(&mut conn, &limits).await, vec![mar.clone()]);
    let before = format!(
        "{}{}",
        stop("2000-01-01T00:00:00+00:00"),
        stop("2000-12-31T00:00:00+00:00")
    );
    assert!(locate(&mut conn, &before).await.is_empty());

    // 2.1: the same range, with the Object Type.
    let v2 = r#"<Attributes><ObjectType type="Enumeration" value="SymmetricKey"/>
        <ProtectStopDate type="DateTime" value="2001-03-01T00:00:00+00:00"/>
        <ProtectStopDate type="DateTime" value="2001-04-01T00:00:00+00:00"/></Attributes>"#;
    assert_eq!(locate_v2(&mut conn, v2).await, vec![mar.clone()]);

    // Three values of one date: Invalid Field, at both versions.
    let three = format!("{q1}{}", stop("2001-02-01T00:00:00+00:00"));
    let reason = refused(&mut conn, &locate_request(&three)).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
    let v2_three = r#"<Attributes>
        <ProtectStopDate type="DateTime" value="2001-01-01T00:00:00+00:00"/>
        <ProtectStopDate type="DateTime" value="2001-02-01T00:00:00+00:00"/>
        <ProtectStopDate type="DateTime" value="2001-03-01T00:00:00+00:00"/></Attributes>"#;
    let (status, reason, _) = call_v2(&mut conn, &locate_request(v2_three)).await;
    assert_eq!(status, ResultStatus::OperationFailed);
    assert_eq!(reason, Some(ResultReason::InvalidField));
    // A date of the wrong type does not parse: Invalid Message (KMIP 1.4
    // section 11.1).
    let wrong = attribute("Protect Stop Date", "TextString", "2001-01-15");
    let reason = refused(&mut conn, &locate_request(&wrong)).await;
    assert_eq!(reason, Some(ResultReason::InvalidMessage));
    // Nothing changed: the objects are where they were.
    assert_eq!(locate(&mut conn, &q1).await.len(), 2);
    assert_eq!(
        locate(&mut conn, &stop("2001-03-15T00:00:00+00:00")).await,
        vec![mar]
    );
}

/// The key of a Get answer, in its format.
fn key_format(payload: &ResponsePayload) -> KeyFormatType {
    let ResponsePayload::Get(g) = payload else {
        panic!("{payload:?}");
    };
    let ManagedObject::SymmetricKey(block) = &g.object else {
        panic!("{g:?}");
    };
    block.key_format_type
}

/// A key registered as a Transparent Symmetric Key comes back so when
/// Get names no format, and Raw when asked; one registered Raw stays Raw.
#[tokio::test]
async fn get_answers_in_the_registered_format() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let transparent = uid(&ok(&mut conn, &register("TransparentSymmetricKey", "Encrypt")).await);
    let raw = uid(&ok(&mut conn, &register("Raw", "Encrypt")).await);
    let get = |id: &str, format: &str| {
        let asked = match format {
            "" => String::new(),
            f => format!(r#"<KeyFormatType type="Enumeration" value="{f}"/>"#),
        };
        on("Get", id, &asked)
    };
    let got = ok(&mut conn, &get(&transparent, "")).await;
    assert_eq!(key_format(&got), KeyFormatType::TransparentSymmetricKey);
    let got = ok(&mut conn, &get(&transparent, "Raw")).await;
    assert_eq!(key_format(&got), KeyFormatType::Raw);
    let got = ok(&mut conn, &get(&raw, "")).await;
    assert_eq!(key_format(&got), KeyFormatType::Raw);
    let got = ok(&mut conn, &get(&raw, "TransparentSymmetricKey")).await;
    assert_eq!(key_format(&got), KeyFormatType::TransparentSymmetricKey);
    // A format a symmetric key does not have is still refused.
    let reason = refused(&mut conn, &get(&transparent, "PKCS_8")).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
}

/// A 1.4 Create Key Pair of an ECDSA P-256 key: Sign for the private
/// half, Verify for the public one.
fn create_key_pair() -> String {
    let mask = |m: &str| attribute("Cryptographic Usage Mask", "Integer", m);
    format!(
        r#"<Operation type="Enumeration" value="CreateKeyPair"/><RequestPayload>
        <CommonTemplateAttribute>{}{}</CommonTemplateAttribute>
        <PrivateKeyTemplateAttribute>{}</PrivateKeyTemplateAttribute>
        <PublicKeyTemplateAttribute>{}</PublicKeyTemplateAttribute></RequestPayload>"#,
        attribute("Cryptographic Algorithm", "Enumeration", "ECDSA"),
        attribute("Cryptographic Length", "Integer", "256"),
        mask("Sign"),
        mask("Verify"),
    )
}

/// Check passes the uses the object's mask has and refuses the others:
/// Permission Denied in 1.4, Incompatible Cryptographic Usage Mask in 2.1;
/// an unknown object is Item Not Found in 1.4, Object Not Found in 2.1.
#[tokio::test]
async fn check_compares_the_usage_mask() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(&mut conn, &register("Raw", "Encrypt")).await);
    let mask = |m: &str| format!(r#"<CryptographicUsageMask type="Integer" value="{m}"/>"#);
    let ResponsePayload::Check(c) = ok(&mut conn, &on("Check", &id, &mask("Encrypt"))).await else {
        panic!();
    };
    assert_eq!(
        c.unique_identifier,
        Some(UniqueIdentifier::Text(id.clone()))
    );
    ok(&mut conn, &on("Check", &id, "")).await;
    let reason = refused(&mut conn, &on("Check", &id, &mask("Decrypt"))).await;
    assert_eq!(reason, Some(ResultReason::PermissionDenied));
    let reason = refused(&mut conn, &on("Check", &id, &mask("Encrypt Decrypt"))).await;
    assert_eq!(reason, Some(ResultReason::PermissionDenied));
    let (_, reason, _) = call_v2(&mut conn, &on("Check", &id, &mask("Decrypt"))).await;
    assert_eq!(
        reason,
        Some(ResultReason::IncompatibleCryptographicUsageMask)
    );

    let unknown = "7b0e1f5c-0000-4000-8000-000000000000";
    let reason = refused(&mut conn, &on("Check", unknown, "")).await;
    assert_eq!(reason, Some(ResultReason::ItemNotFound));
    let (_, reason, _) = call_v2(&mut conn, &on("Check", unknown, "")).await;
    assert_eq!(reason, Some(ResultReason::ObjectNotFound));
    let (_, reason, _) = call_v2(&mut conn, &on("Get", "AAABBBCCC", "")).await;
    assert_eq!(reason, Some(ResultReason::ObjectNotFound));
    // The refused checks changed nothing: the key still passes its use.
    ok(&mut conn, &on("Check", &id, &mask("Encrypt"))).await;

    // Each half of a key pair has its own share of the key's uses.
    let ResponsePayload::CreateKeyPair(pair) = ok(&mut conn, &create_key_pair()).await else {
        panic!();
    };
    let text = |u: &UniqueIdentifier| match u {
        UniqueIdentifier::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    let private = text(&pair.private_key_unique_identifier);
    let public = text(&pair.public_key_unique_identifier);
    ok(&mut conn, &on("Check", &private, &mask("Sign"))).await;
    ok(&mut conn, &on("Check", &public, &mask("Verify"))).await;
    let reason = refused(&mut conn, &on("Check", &public, &mask("Sign"))).await;
    assert_eq!(reason, Some(ResultReason::PermissionDenied));
    let reason = refused(&mut conn, &on("Check", &private, &mask("Verify"))).await;
    assert_eq!(reason, Some(ResultReason::PermissionDenied));
}
