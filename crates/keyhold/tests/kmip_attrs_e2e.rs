//! End to end over KMIP: attributes with their KMIP meaning. An object
//! made without a Name has none (KMIP 1.4 section 3.2), even though
//! keyhold names its key; the Description (section 3.46) is single-valued
//! and shared with REST's description; the Process Start Date and Protect
//! Stop Date (sections 3.25, 3.26) are kept, reported and enforced; bad
//! input gets its KMIP error and changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{
    attribute, call_in, create_aes as create, name_attribute as name, ok, on, refused, rest_client,
    session, uid,
};
use keyhold_api::keys::ListKeysQuery;
use keyhold_core::{KeyRef, Timestamp};
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{
    AttributeRef, Attributes, ResponseMessage, ResultReason, ResultStatus, UniqueIdentifier, tags,
};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

type Conn = TlsStream<TcpStream>;

/// A 2.x Add, Modify or Set Attribute (`operation`) of a Description.
fn description_v2(operation: &str, id: &str, text: &str) -> String {
    on(
        operation,
        id,
        &format!(r#"<NewAttribute><Description type="TextString" value="{text}"/></NewAttribute>"#),
    )
}

/// A 2.x Delete Attribute of the Description.
fn delete_description_v2(id: &str) -> String {
    on(
        "DeleteAttribute",
        id,
        r#"<AttributeReference type="Enumeration" value="Description"/>"#,
    )
}

/// Every attribute of object `id` (1.4 Get Attributes).
async fn attributes(conn: &mut Conn, id: &str) -> Attributes {
    match ok(conn, &on("GetAttributes", id, "")).await {
        ResponsePayload::GetAttributes(a) => a.attributes.unwrap(),
        other => panic!("{other:?}"),
    }
}

/// The attribute names Get Attribute List gives for object `id`.
async fn attribute_list(conn: &mut Conn, id: &str) -> Vec<AttributeRef> {
    match ok(conn, &on("GetAttributeList", id, "")).await {
        ResponsePayload::GetAttributeList(l) => l.references,
        other => panic!("{other:?}"),
    }
}

/// The identifiers a 1.4 Locate of `attributes` finds.
async fn locate(conn: &mut Conn, attributes: &str) -> Vec<String> {
    let item = format!(
        r#"<Operation type="Enumeration" value="Locate"/><RequestPayload>{attributes}</RequestPayload>"#
    );
    let ResponsePayload::Locate(l) = ok(conn, &item).await else {
        panic!();
    };
    l.unique_identifiers
        .iter()
        .map(|u| match u {
            UniqueIdentifier::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

/// A 2.1 request, which must fail: its reason.
async fn refused_v2(conn: &mut Conn, item: &str) -> Option<ResultReason> {
    let r: ResponseMessage = call_in(conn, "2", "1", item).await;
    let item = r.items.first().unwrap();
    assert_eq!(item.result_status, ResultStatus::OperationFailed, "{r:?}");
    item.result_reason
}

/// A 2.1 request, which must succeed.
async fn ok_v2(conn: &mut Conn, item: &str) {
    let r = call_in(conn, "2", "1", item).await;
    let status = r.items.first().unwrap().result_status;
    assert_eq!(status, ResultStatus::Success, "{r:?}");
}

/// A key created without a Name has no KMIP Name (Get Attributes, Get
/// Attribute List, Locate), while REST shows it under the name keyhold
/// chose; a key created with a Name has it everywhere.
#[tokio::test]
async fn an_object_made_without_a_name_reports_none() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let unnamed = uid(&ok(&mut conn, &create("")).await);
    let a = attributes(&mut conn, &unnamed).await;
    assert!(a.names().is_empty(), "{a:?}");
    let names = AttributeRef::Standard(tags::NAME);
    assert!(!attribute_list(&mut conn, &unnamed).await.contains(&names));

    let rest = rest_client(&server, &pki, Some(&token));
    let keys = rest.list_keys(&ListKeysQuery::default()).await.unwrap();
    let chosen = keys.keys.first().unwrap().name.to_string();
    assert!(chosen.starts_with("kmip-"), "{chosen}");
    let by_chosen = locate(&mut conn, &name(&chosen)).await;
    assert!(by_chosen.is_empty(), "a server-chosen name is no KMIP Name");

    let named = uid(&ok(&mut conn, &create(&name("orders"))).await);
    let a = attributes(&mut conn, &named).await;
    assert_eq!(a.names().first().map(|n| n.value.as_str()), Some("orders"));
    assert!(attribute_list(&mut conn, &named).await.contains(&names));
    assert_eq!(locate(&mut conn, &name("orders")).await, vec![named]);
}

/// The Description is set at Create, added, modified and deleted; a
/// second Add is refused (Attribute Single Valued in 2.x, Invalid Field
/// in 1.x), as are a Modify or Delete of none, an empty one and one of
/// the wrong type, and none of those changes it. REST shows the same
/// text as the key's description.
#[tokio::test]
async fn the_description_is_single_valued() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let described = attribute("Description", "TextString", "payroll key");
    let id = uid(&ok(&mut conn, &create(&described)).await);
    let description = |a: &Attributes| a.description().map(str::to_owned);
    let a = attributes(&mut conn, &id).await;
    assert_eq!(description(&a).as_deref(), Some("payroll key"));

    let second = description_v2("AddAttribute", &id, "another");
    let reason = refused_v2(&mut conn, &second).await;
    assert_eq!(reason, Some(ResultReason::AttributeSingleValued));
    let second_v1 = on(
        "AddAttribute",
        &id,
        &attribute("Description", "TextString", "another"),
    );
    let reason = refused(&mut conn, &second_v1).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
    let wrong_type = on(
        "ModifyAttribute",
        &id,
        &attribute("Description", "Integer", "7"),
    );
    // A payload that does not parse (KMIP 1.4 section 11.1).
    let reason = refused(&mut conn, &wrong_type).await;
    assert_eq!(reason, Some(ResultReason::InvalidMessage));
    let empty = description_v2("ModifyAttribute", &id, "");
    let reason = refused_v2(&mut conn, &empty).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
    let a = attributes(&mut conn, &id).await;
    assert_eq!(description(&a).as_deref(), Some("payroll key"));

    ok_v2(
        &mut conn,
        &description_v2("ModifyAttribute", &id, "payroll v2"),
    )
    .await;
    let rest = rest_client(&server, &pki, Some(&token));
    let keys = rest.list_keys(&ListKeysQuery::default()).await.unwrap();
    assert_eq!(keys.keys.first().unwrap().description, "payroll v2");

    ok_v2(&mut conn, &delete_description_v2(&id)).await;
    let a = attributes(&mut conn, &id).await;
    assert_eq!(description(&a), None);
    let reason = refused_v2(&mut conn, &delete_description_v2(&id)).await;
    assert_eq!(reason, Some(ResultReason::AttributeNotFound));
    let modify = description_v2("ModifyAttribute", &id, "x");
    let reason = refused_v2(&mut conn, &modify).await;
    assert_eq!(reason, Some(ResultReason::AttributeNotFound));
    ok_v2(&mut conn, &description_v2("AddAttribute", &id, "again")).await;
    let a = attributes(&mut conn, &id).await;
    assert_eq!(description(&a).as_deref(), Some("again"));
    let found = locate(&mut conn, &attribute("Description", "TextString", "again")).await;
    assert_eq!(found, vec![id]);
}

/// An RFC 3339 time `secs` seconds from now, whole seconds.
fn from_now(secs: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Timestamp::from_unix_seconds(i64::try_from(now).unwrap() + secs).to_string()
}

/// A 1.4 Register of an AES-128 key, Active from an hour ago, with
/// `extra` template attributes.
fn register(extra: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        {}{}{extra}</TemplateAttribute>
        <SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/>
        <KeyValue><KeyMaterial type="ByteString" value="0123456789abcdef0123456789abcdef"/></KeyValue>
        <CryptographicAlgorithm type="Enumeration" value="AES"/>
        <CryptographicLength type="Integer" value="128"/></KeyBlock></SymmetricKey>
        </RequestPayload>"#,
        attribute("Cryptographic Usage Mask", "Integer", "Encrypt Decrypt"),
        attribute("Activation Date", "DateTime", &from_now(-3600)),
    )
}

/// One block under AES-ECB: Encrypt, or Decrypt.
fn ecb(operation: &str, id: &str) -> String {
    on(
        operation,
        id,
        r#"<CryptographicParameters><BlockCipherMode type="Enumeration" value="ECB"/>
        </CryptographicParameters>
        <Data type="ByteString" value="01020304050607080910111213141516"/>"#,
    )
}

/// A 1.4 attribute change (`operation`) of the date `name`.
fn change_date(operation: &str, id: &str, name: &str, secs: i64) -> String {
    on(operation, id, &attribute(name, "DateTime", &from_now(secs)))
}

/// The date attribute `tag` of object `id`, in seconds.
async fn date(conn: &mut Conn, id: &str, tag: keyhold_ttlv::Tag) -> Option<i64> {
    let a = attributes(conn, id).await;
    a.items.iter().find_map(|i| match &i.value {
        keyhold_kmip::AttributeValue::Date(d, secs) if d.tag() == tag => Some(*secs),
        _ => None,
    })
}

/// A key registered with a Protect Stop Date past and a Process Start
/// Date to come protects and processes nothing (Permission Denied in 1.x,
/// Wrong Key Lifecycle State in 2.x) and reports both dates; a date that
/// has come cannot change.
#[tokio::test]
async fn usage_dates_given_at_register_are_reported_and_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let dates = format!(
        "{}{}",
        attribute("Process Start Date", "DateTime", &from_now(3600)),
        attribute("Protect Stop Date", "DateTime", &from_now(-3600)),
    );
    let id = uid(&ok(&mut conn, &register(&dates)).await);
    let denied = Some(ResultReason::PermissionDenied);
    assert_eq!(refused(&mut conn, &ecb("Encrypt", &id)).await, denied);
    assert_eq!(refused(&mut conn, &ecb("Decrypt", &id)).await, denied);
    let lifecycle = Some(ResultReason::WrongKeyLifecycleState);
    assert_eq!(refused_v2(&mut conn, &ecb("Encrypt", &id)).await, lifecycle);
    assert_eq!(refused_v2(&mut conn, &ecb("Decrypt", &id)).await, lifecycle);

    let start = date(&mut conn, &id, tags::PROCESS_START_DATE)
        .await
        .unwrap();
    let stop = date(&mut conn, &id, tags::PROTECT_STOP_DATE).await.unwrap();
    assert!(stop < start, "{stop} {start}");
    let later = change_date("ModifyAttribute", &id, "Protect Stop Date", 7200);
    assert_eq!(
        refused(&mut conn, &later).await,
        denied,
        "its date has come"
    );
    assert_eq!(
        date(&mut conn, &id, tags::PROTECT_STOP_DATE).await,
        Some(stop)
    );
}

/// Dates added later: a Process Start Date to come holds Decrypt back
/// until it is modified to the past; a second one is refused, as are one
/// of the wrong type and its deletion, and none changes it. A Protect
/// Stop Date reached stops Encrypt. REST shows both.
#[tokio::test]
async fn usage_dates_added_later_are_single_valued_and_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(&mut conn, &register("")).await);
    ok(&mut conn, &ecb("Encrypt", &id)).await;
    ok(&mut conn, &ecb("Decrypt", &id)).await;
    assert_eq!(date(&mut conn, &id, tags::PROCESS_START_DATE).await, None);

    let start = "Process Start Date";
    ok(&mut conn, &change_date("AddAttribute", &id, start, 3600)).await;
    let denied = Some(ResultReason::PermissionDenied);
    assert_eq!(refused(&mut conn, &ecb("Decrypt", &id)).await, denied);
    let second = change_date("AddAttribute", &id, start, 60);
    let reason = refused(&mut conn, &second).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
    let reason = refused_v2(
        &mut conn,
        &on(
            "AddAttribute",
            &id,
            &format!(
                r#"<NewAttribute><ProcessStartDate type="DateTime" value="{}"/></NewAttribute>"#,
                from_now(60)
            ),
        ),
    )
    .await;
    assert_eq!(reason, Some(ResultReason::AttributeSingleValued));
    let wrong_type = on(
        "ModifyAttribute",
        &id,
        &attribute(start, "TextString", "soon"),
    );
    let reason = refused(&mut conn, &wrong_type).await;
    assert_eq!(reason, Some(ResultReason::InvalidMessage));
    let delete = on(
        "DeleteAttribute",
        &id,
        &format!(r#"<AttributeName type="TextString" value="{start}"/>"#),
    );
    assert_eq!(refused(&mut conn, &delete).await, denied);
    assert_eq!(refused(&mut conn, &ecb("Decrypt", &id)).await, denied);

    let rest = rest_client(&server, &pki, Some(&token));
    let keys = rest.list_keys(&ListKeysQuery::default()).await.unwrap();
    let key = keys.keys.first().unwrap().id;
    let info = rest.key(&KeyRef::Id(key)).await.unwrap();
    let shown = info.process_start_date.unwrap().unix_seconds();
    assert_eq!(
        date(&mut conn, &id, tags::PROCESS_START_DATE).await,
        Some(shown)
    );

    ok(&mut conn, &change_date("ModifyAttribute", &id, start, -60)).await;
    ok(&mut conn, &ecb("Decrypt", &id)).await;
    let stop = "Protect Stop Date";
    ok(&mut conn, &change_date("AddAttribute", &id, stop, -1)).await;
    assert_eq!(refused(&mut conn, &ecb("Encrypt", &id)).await, denied);
    ok(&mut conn, &ecb("Decrypt", &id)).await;
    let info = rest.key(&KeyRef::Id(key)).await.unwrap();
    assert!(info.protect_stop_date.is_some());
}

/// A Create that requires a Quantum Safe key (KMIP 2.1 section 4.45) of
/// an algorithm that is not is General Failure and makes nothing, as the
/// profiles' QS-M-2 expects; a 256-bit AES key is quantum safe.
#[tokio::test]
async fn quantum_safe_refuses_short_keys_and_makes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let safe = attribute("Quantum Safe", "Boolean", "true");
    let length = |bits: &str| attribute("Cryptographic Length", "Integer", bits);
    for bits in ["128", "192"] {
        let asked = create(&format!("{}{safe}", length(bits)));
        let reason = refused(&mut conn, &asked).await;
        assert_eq!(reason, Some(ResultReason::GeneralFailure), "{bits}");
    }
    let rest = rest_client(&server, &pki, Some(&token));
    let keys = rest.list_keys(&ListKeysQuery::default()).await.unwrap();
    assert!(keys.keys.is_empty(), "{keys:?}");
    let made = uid(&ok(&mut conn, &create(&format!("{}{safe}", length("256")))).await);
    let a = attributes(&mut conn, &made).await;
    assert_eq!(a.cryptographic_length(), Some(256));
    let not_boolean = attribute("Quantum Safe", "Integer", "1");
    let reason = refused(
        &mut conn,
        &create(&format!("{}{not_boolean}", length("256"))),
    )
    .await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
}

/// The value of attribute `tag` of a server-kept kind.
fn kept(a: &Attributes, tag: keyhold_ttlv::Tag) -> Option<keyhold_ttlv::Value> {
    match a.get(&AttributeRef::Standard(tag))? {
        keyhold_kmip::AttributeValue::Other { value, .. } => Some(value.clone()),
        other => panic!("{other:?}"),
    }
}

/// The attributes the server keeps follow the object: Fresh until its
/// material is served by a Get, Extractable and Never Extractable from
/// Create, Lease Time, Revocation Reason and both compromise dates after a
/// compromise; the 2.x-only ones appear in 2.x alone. A Create asking for
/// a Sensitive object makes one: Sensitive and Always Sensitive, never
/// served by an unwrapped Get (Sensitive), and so still Fresh.
#[tokio::test]
async fn server_kept_attributes_follow_the_object() {
    use keyhold_ttlv::Value;
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let id = uid(&ok(&mut conn, &create(&name("kept"))).await);
    let a = attributes(&mut conn, &id).await;
    assert_eq!(kept(&a, tags::FRESH), Some(Value::Boolean(true)));
    assert_eq!(kept(&a, tags::EXTRACTABLE), Some(Value::Boolean(true)));
    assert_eq!(
        kept(&a, tags::NEVER_EXTRACTABLE),
        Some(Value::Boolean(false))
    );
    assert_eq!(kept(&a, tags::SENSITIVE), Some(Value::Boolean(false)));
    assert_eq!(kept(&a, tags::LEASE_TIME), Some(Value::Interval(3_600)));
    assert_eq!(kept(&a, tags::REVOCATION_REASON), None);
    assert_eq!(kept(&a, tags::SHORT_UNIQUE_IDENTIFIER), None, "2.x only");

    ok(&mut conn, &on("Activate", &id, "")).await;
    ok(&mut conn, &on("Get", &id, "")).await;
    let a = attributes(&mut conn, &id).await;
    assert_eq!(kept(&a, tags::FRESH), Some(Value::Boolean(false)));

    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let compromise = r#"<RevocationReason>
        <RevocationReasonCode type="Enumeration" value="KeyCompromise"/></RevocationReason>
        <CompromiseOccurrenceDate type="DateTime" value="1970-01-01T00:00:06+00:00"/>"#;
    ok(&mut conn, &on("Revoke", &id, compromise)).await;
    let a = attributes(&mut conn, &id).await;
    use keyhold_kmip::DateAttribute as D;
    assert_eq!(a.date(D::CompromiseOccurrence), Some(6));
    assert!(a.date(D::Compromise).unwrap() >= before, "{a:?}");
    let Some(Value::Structure(reason)) = kept(&a, tags::REVOCATION_REASON) else {
        panic!("{a:?}");
    };
    assert_eq!(reason[0].value, Value::Enumeration(0x2), "Key Compromise");

    let r = call_in(&mut conn, "2", "1", &on("GetAttributeList", &id, "")).await;
    let Some(ResponsePayload::GetAttributeList(list)) = &r.items[0].payload else {
        panic!("{r:?}");
    };
    for tag in [
        tags::SHORT_UNIQUE_IDENTIFIER,
        tags::KEY_FORMAT_TYPE,
        tags::PROTECTION_STORAGE_MASK,
        tags::COMPROMISE_OCCURRENCE_DATE,
    ] {
        assert!(
            list.references.contains(&AttributeRef::Standard(tag)),
            "{tag:?}"
        );
    }
    let short = attribute_list(&mut conn, &id).await;
    assert!(!short.contains(&AttributeRef::Standard(tags::SHORT_UNIQUE_IDENTIFIER)));

    let kept_in = attribute("Extractable", "Boolean", "false");
    let locked = uid(&ok(&mut conn, &create(&kept_in)).await);
    let a = attributes(&mut conn, &locked).await;
    assert_eq!(kept(&a, tags::EXTRACTABLE), Some(Value::Boolean(false)));
    assert_eq!(
        kept(&a, tags::NEVER_EXTRACTABLE),
        Some(Value::Boolean(true))
    );
    let sensitive = attribute("Sensitive", "Boolean", "true");
    let made = create(&format!("{}{sensitive}", name("sensitive")));
    let sensitive = uid(&ok(&mut conn, &made).await);
    ok(&mut conn, &on("Activate", &sensitive, "")).await;
    let reason = refused(&mut conn, &on("Get", &sensitive, "")).await;
    assert_eq!(reason, Some(ResultReason::Sensitive));
    let a = attributes(&mut conn, &sensitive).await;
    for tag in [tags::SENSITIVE, tags::ALWAYS_SENSITIVE, tags::FRESH] {
        assert_eq!(kept(&a, tag), Some(Value::Boolean(true)), "{tag:?}");
    }
    assert_eq!(locate(&mut conn, &name("sensitive")).await.len(), 1);
}

/// keyhold keeps one Name per key, fixed when it is made: adding one is
/// Non Unique Name Attribute (2.x; Invalid Field in 1.x) when a key has it
/// already, this one included, and Attribute Read Only otherwise; nothing
/// changes.
#[tokio::test]
async fn a_name_cannot_be_added() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let orders = uid(&ok(&mut conn, &create(&name("orders"))).await);
    let other = uid(&ok(&mut conn, &create(&name("other"))).await);
    let add_v2 = |id: &str, value: &str| {
        on(
            "AddAttribute",
            id,
            &format!(
                r#"<NewAttribute><Name><NameValue type="TextString" value="{value}"/>
                <NameType type="Enumeration" value="UninterpretedTextString"/></Name></NewAttribute>"#
            ),
        )
    };
    for (id, taken) in [(&other, "orders"), (&orders, "orders")] {
        let reason = refused_v2(&mut conn, &add_v2(id, taken)).await;
        assert_eq!(reason, Some(ResultReason::NonUniqueNameAttribute));
    }
    let reason = refused_v2(&mut conn, &add_v2(&other, "unused")).await;
    assert_eq!(reason, Some(ResultReason::AttributeReadOnly));
    let add_v1 = on("AddAttribute", &other, &name("orders"));
    assert_eq!(
        refused(&mut conn, &add_v1).await,
        Some(ResultReason::InvalidField)
    );
    let a = attributes(&mut conn, &other).await;
    let names: Vec<_> = a.names().iter().map(|n| n.value.clone()).collect();
    assert_eq!(names, vec!["other".to_owned()]);
    assert!(locate(&mut conn, &name("unused")).await.is_empty());
}

/// Usage Limits (KMIP 1.4 section 3.21): a key limited to two encryptions
/// encrypts twice, then is refused (Permission Denied) while it still
/// decrypts; Get Attributes shows what is left; other protections with it
/// are refused, so none goes uncounted; a bad Usage Limits makes nothing.
#[tokio::test]
async fn usage_limits_meter_encryption() {
    use keyhold_ttlv::Value;
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let limits = |total: &str, unit: &str| {
        format!(
            r#"<Attribute><AttributeName type="TextString" value="Usage Limits"/><AttributeValue>
            <UsageLimitsTotal type="LongInteger" value="{total}"/>
            <UsageLimitsUnit type="Enumeration" value="{unit}"/></AttributeValue></Attribute>"#
        )
    };
    let active = attribute("Activation Date", "DateTime", "2020-01-01T00:00:00+00:00");
    let id = uid(&ok(
        &mut conn,
        &create(&format!("{}{active}", limits("2", "Object"))),
    )
    .await);
    let ecb = |operation: &str, data: &str| {
        on(
            operation,
            &id,
            &format!(
                r#"<CryptographicParameters><BlockCipherMode type="Enumeration" value="ECB"/>
                </CryptographicParameters><Data type="ByteString" value="{data}"/>"#
            ),
        )
    };
    let block = "00112233445566778899aabbccddeeff";
    let ResponsePayload::Encrypt(e) = ok(&mut conn, &ecb("Encrypt", block)).await else {
        panic!();
    };
    ok(&mut conn, &ecb("Encrypt", block)).await;
    let reason = refused(&mut conn, &ecb("Encrypt", block)).await;
    assert_eq!(reason, Some(ResultReason::PermissionDenied));
    let ct = hex::encode(e.data.unwrap());
    ok(&mut conn, &ecb("Decrypt", &ct)).await;
    let a = attributes(&mut conn, &id).await;
    let Some(Value::Structure(items)) = kept(&a, tags::USAGE_LIMITS) else {
        panic!("{a:?}");
    };
    let count = items.iter().find(|i| i.tag == tags::USAGE_LIMITS_COUNT);
    assert_eq!(count.map(|c| &c.value), Some(&Value::LongInteger(0)));
    let mac = on(
        "MAC",
        &id,
        r#"<CryptographicParameters><CryptographicAlgorithm type="Enumeration" value="HMAC_SHA256"/>
        </CryptographicParameters><Data type="ByteString" value="00"/>"#,
    );
    assert_eq!(
        refused(&mut conn, &mac).await,
        Some(ResultReason::InvalidField)
    );
    for bad in [limits("0", "Byte"), limits("16", "0x00000009")] {
        let reason = refused(&mut conn, &create(&format!("{}{bad}", name("bad-limits")))).await;
        assert!(reason.is_some(), "{bad}");
        assert_eq!(reason, Some(ResultReason::InvalidField), "{bad}");
    }
    assert!(locate(&mut conn, &name("bad-limits")).await.is_empty());
}

/// Links a client sets (KMIP 1.4 section 3.35): added, reported by Get
/// Attributes, modified by Link Type, deleted; the same Link twice and a
/// Modify of none are refused and change nothing. An AES key may be made
/// for XTS, which keyhold keeps but does not encrypt with.
#[tokio::test]
async fn client_links_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let xts = r#"<Attribute><AttributeName type="TextString" value="Cryptographic Parameters"/>
        <AttributeValue><BlockCipherMode type="Enumeration" value="XTS"/></AttributeValue></Attribute>"#;
    let first = uid(&ok(&mut conn, &create(xts)).await);
    let second = uid(&ok(&mut conn, &create("")).await);
    let link = |kind: &str, to: &str| {
        format!(
            r#"<NewAttribute><Link><LinkType type="Enumeration" value="{kind}"/>
            <LinkedObjectIdentifier type="TextString" value="{to}"/></Link></NewAttribute>"#
        )
    };
    ok_v2(
        &mut conn,
        &on("AddAttribute", &first, &link("NextLink", &second)),
    )
    .await;
    let again = on("AddAttribute", &first, &link("NextLink", &second));
    assert_eq!(
        refused_v2(&mut conn, &again).await,
        Some(ResultReason::InvalidField)
    );
    let too_long = on(
        "AddAttribute",
        &first,
        &link("PreviousLink", &"x".repeat(257)),
    );
    assert_eq!(
        refused_v2(&mut conn, &too_long).await,
        Some(ResultReason::InvalidField)
    );
    let links = |a: &Attributes| {
        a.items
            .iter()
            .filter_map(|i| match &i.value {
                keyhold_kmip::AttributeValue::Link(l) => Some(l.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let a = attributes(&mut conn, &first).await;
    let got = links(&a);
    assert_eq!(got.len(), 1, "{a:?}");
    assert_eq!(got[0].link_type, keyhold_kmip::LinkType::NextLink);
    ok_v2(
        &mut conn,
        &on("ModifyAttribute", &first, &link("NextLink", "elsewhere")),
    )
    .await;
    let modify_none = on("ModifyAttribute", &second, &link("PreviousLink", &first));
    assert_eq!(
        refused_v2(&mut conn, &modify_none).await,
        Some(ResultReason::AttributeNotFound)
    );
    let delete = on(
        "DeleteAttribute",
        &first,
        r#"<AttributeReference type="Enumeration" value="Link"/>"#,
    );
    ok_v2(&mut conn, &delete).await;
    assert!(links(&attributes(&mut conn, &first).await).is_empty());
    assert_eq!(
        refused_v2(&mut conn, &delete).await,
        Some(ResultReason::AttributeNotFound)
    );
    // XTS is kept as the key's mode; Encrypt refuses it.
    let encrypt = on(
        "Encrypt",
        &first,
        r#"<Data type="ByteString" value="00112233445566778899aabbccddeeff"/>"#,
    );
    assert_eq!(
        refused(&mut conn, &encrypt).await,
        Some(ResultReason::InvalidField)
    );
}
