//! End to end over KMIP: the tape-library attributes. Application
//! Specific Information (KMIP 1.4 section 3.36, KMIP 2.1 section 4.4),
//! Alternative Name (section 3.40 / 4.2) and custom attributes of types
//! other than text (section 3.1 / 4.60) are kept when an object is made,
//! reported with their types at 1.4 and 2.1, found by Locate, and changed
//! by Add, Modify, Set and Delete Attribute; text custom attributes stay
//! the key's REST tags; bad input gets its KMIP error and changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{
    attribute, call_in, create_aes as create, locate, located, name_attribute as name, ok, on,
    refused, rest_client, session, uid,
};
use keyhold_api::audit::AuditEventsQuery;
use keyhold_core::KeyRef;
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{
    AlternativeName, ApplicationSpecificInformation, AttributeRef, AttributeValue, Attributes,
    ResponseMessage, ResultReason, ResultStatus, tags,
};
use keyhold_ttlv::Value;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

type Conn = TlsStream<TcpStream>;

const LTO: &str = "LIBRARY-LTO";

/// The body of an Application Specific Information structure.
fn asi_body(ns: &str, data: Option<&str>) -> String {
    let data = data.map_or(String::new(), |d| {
        format!(r#"<ApplicationData type="TextString" value="{d}"/>"#)
    });
    format!(r#"<ApplicationNamespace type="TextString" value="{ns}"/>{data}"#)
}

/// A 1.x Application Specific Information attribute (at `index`, if any).
fn asi(ns: &str, data: &str, index: Option<u32>) -> String {
    let index = index.map_or(String::new(), |i| {
        format!(r#"<AttributeIndex type="Integer" value="{i}"/>"#)
    });
    format!(
        r#"<Attribute><AttributeName type="TextString" value="Application Specific Information"/>
        {index}<AttributeValue>{}</AttributeValue></Attribute>"#,
        asi_body(ns, Some(data))
    )
}

/// A 2.x Application Specific Information item.
fn asi_v2(ns: &str, data: Option<&str>) -> String {
    format!(
        "<ApplicationSpecificInformation>{}</ApplicationSpecificInformation>",
        asi_body(ns, data)
    )
}

/// A 1.x Alternative Name attribute.
fn alt_name(value: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="Alternative Name"/><AttributeValue>
        <AlternativeNameValue type="TextString" value="{value}"/>
        <AlternativeNameType type="Enumeration" value="UninterpretedTextString"/>
        </AttributeValue></Attribute>"#
    )
}

/// The typed custom attributes the tape cartridge's key is made with.
fn typed_customs() -> String {
    [
        attribute("x-VendorAttribute2", "Integer", "0"),
        attribute(
            "x-VendorAttribute3",
            "DateTime",
            "2024-01-02T03:04:05+00:00",
        ),
        attribute("x-Long", "LongInteger", "-5000000000"),
        attribute("x-Flag", "Boolean", "true"),
        attribute("x-Kind", "Enumeration", "0x00000007"),
        attribute("x-Wait", "Interval", "60"),
        attribute("x-Blob", "ByteString", "00ff"),
    ]
    .concat()
}

/// A request in KMIP 2.1: its response.
async fn call_v2(conn: &mut Conn, item: &str) -> ResponseMessage {
    call_in(conn, "2", "1", item).await
}

/// A 2.1 request, which must fail: its reason.
async fn refused_v2(conn: &mut Conn, item: &str) -> Option<ResultReason> {
    let r = call_v2(conn, item).await;
    let item = r.items.first().unwrap();
    assert_eq!(item.result_status, ResultStatus::OperationFailed, "{r:?}");
    item.result_reason
}

/// A 2.1 request, which must succeed: its payload.
async fn ok_v2(conn: &mut Conn, item: &str) -> ResponsePayload {
    let r = call_v2(conn, item).await;
    let first = r.items.first().unwrap();
    assert_eq!(first.result_status, ResultStatus::Success, "{r:?}");
    first.payload.clone().unwrap()
}

/// Every attribute of object `id`, at 1.4 or (`v2`) 2.1.
async fn attributes(conn: &mut Conn, id: &str, v2: bool) -> Attributes {
    let item = on("GetAttributes", id, "");
    let payload = match v2 {
        true => ok_v2(conn, &item).await,
        false => ok(conn, &item).await,
    };
    match payload {
        ResponsePayload::GetAttributes(a) => a.attributes.unwrap(),
        other => panic!("{other:?}"),
    }
}

/// The Application Specific Information, Alternative Names and custom
/// attributes of `attrs`, as (name, value) pairs in a fixed order.
fn kept(attrs: &Attributes) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = attrs
        .items
        .iter()
        .filter_map(|a| match &a.value {
            AttributeValue::ApplicationSpecificInformation(i) => {
                Some(("asi".into(), format!("{}={:?}", i.namespace, i.data)))
            }
            AttributeValue::AlternativeName(n) => {
                Some(("alt".into(), format!("{}/{}", n.value, n.name_type)))
            }
            AttributeValue::Vendor {
                vendor,
                name,
                value,
            } => Some((format!("{vendor}-{name}"), format!("{value:?}"))),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// The custom attribute `name` (`x-…`) of `attrs`.
fn custom<'a>(attrs: &'a Attributes, name: &str) -> Option<&'a Value> {
    let (vendor, name) = name.split_once('-').unwrap();
    match attrs.get(&AttributeRef::Vendor {
        vendor: vendor.into(),
        name: name.into(),
    }) {
        Some(AttributeValue::Vendor { value, .. }) => Some(value),
        _ => None,
    }
}

/// Made with Application Specific Information, an Alternative Name and
/// custom attributes of every type keyhold keeps, a key is found by its
/// Application Specific Information (not another key's, not with another
/// namespace or data), by its Alternative Name and typed custom
/// attributes, and reports them all with their types at 1.4 and 2.1; its
/// text custom attribute is a REST tag, the typed ones are not.
#[tokio::test]
async fn tape_library_attributes_are_kept_located_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let cartridge = [
        name("cartridge"),
        attribute("x-ID", "TextString", "TL-1"),
        alt_name("XXA012A1"),
        asi(LTO, "0123456789ABCDEF", None),
        typed_customs(),
    ]
    .concat();
    let a = uid(&ok(&mut conn, &create(&cartridge)).await);
    let other = [name("other"), asi(LTO, "FEDCBA9876543210", None)].concat();
    let b = uid(&ok(&mut conn, &create(&other)).await);
    ok(&mut conn, &create(&name("plain"))).await;

    let find = |attrs: String| locate(&attrs);
    let by_asi = |ns: &str, data: &str| find(asi(ns, data, None));
    assert_eq!(
        located(&ok(&mut conn, &by_asi(LTO, "0123456789ABCDEF")).await),
        std::slice::from_ref(&a)
    );
    assert_eq!(
        located(&ok(&mut conn, &by_asi(LTO, "FEDCBA9876543210")).await),
        std::slice::from_ref(&b)
    );
    for (ns, data) in [("LIBRARY-DLT", "0123456789ABCDEF"), (LTO, "0123")] {
        assert!(
            located(&ok(&mut conn, &by_asi(ns, data)).await).is_empty(),
            "{ns} {data}"
        );
    }
    let by_v2 = locate(&format!("<Attributes>{}</Attributes>", asi_v2(LTO, None)));
    let mut both = located(&ok_v2(&mut conn, &by_v2).await);
    both.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(both, expected, "a namespace alone matches any data");
    let by_name = find(alt_name("XXA012A1"));
    assert_eq!(
        located(&ok(&mut conn, &by_name).await),
        std::slice::from_ref(&a)
    );
    let by_typed = find(attribute("x-VendorAttribute2", "Integer", "0"));
    assert_eq!(
        located(&ok(&mut conn, &by_typed).await),
        std::slice::from_ref(&a)
    );
    let by_other_value = find(attribute("x-VendorAttribute2", "Integer", "1"));
    assert!(located(&ok(&mut conn, &by_other_value).await).is_empty());

    for v2 in [false, true] {
        let got = attributes(&mut conn, &a, v2).await;
        let info = got.items.iter().find_map(|i| match &i.value {
            AttributeValue::ApplicationSpecificInformation(i) => Some(i.clone()),
            _ => None,
        });
        let expected = ApplicationSpecificInformation {
            namespace: LTO.into(),
            data: Some("0123456789ABCDEF".into()),
        };
        assert_eq!(info, Some(expected), "v2: {v2}");
        assert!(got.items.iter().any(|i| i.value
            == AttributeValue::AlternativeName(AlternativeName {
                value: "XXA012A1".into(),
                name_type: 1,
            })));
        let typed = [
            ("x-ID", Value::TextString("TL-1".into())),
            ("x-VendorAttribute2", Value::Integer(0)),
            ("x-VendorAttribute3", Value::DateTime(1_704_164_645)),
            ("x-Long", Value::LongInteger(-5_000_000_000)),
            ("x-Flag", Value::Boolean(true)),
            ("x-Kind", Value::Enumeration(7)),
            ("x-Wait", Value::Interval(60)),
            ("x-Blob", Value::ByteString(vec![0, 0xff])),
        ];
        for (name, value) in typed {
            assert_eq!(custom(&got, name), Some(&value), "{name}, v2: {v2}");
        }
    }
    let listed = match ok(&mut conn, &on("GetAttributeList", &a, "")).await {
        ResponsePayload::GetAttributeList(l) => l.references,
        other => panic!("{other:?}"),
    };
    for reference in [
        AttributeRef::Standard(tags::APPLICATION_SPECIFIC_INFORMATION),
        AttributeRef::Standard(tags::ALTERNATIVE_NAME),
        AttributeRef::from_text("x-VendorAttribute3").unwrap(),
        AttributeRef::from_text("x-Blob").unwrap(),
    ] {
        assert!(listed.contains(&reference), "{reference:?}");
    }
    let rest = rest_client(&server, &pki, Some(&token));
    let info = rest
        .key(&KeyRef::Name("cartridge".parse().unwrap()))
        .await
        .unwrap();
    let tags: Vec<&str> = info.tags.keys().map(String::as_str).collect();
    assert_eq!(tags, ["x-ID"], "only text custom attributes are tags");
}

/// Bad input at Create: Application Data left for the server to choose
/// (keyhold supports no namespace), too long, too many, a custom
/// attribute of a type keyhold does not keep: refused, nothing made.
#[tokio::test]
async fn bad_tape_library_attributes_make_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let no_data = format!(
        r#"<Attribute><AttributeName type="TextString" value="Application Specific Information"/>
        <AttributeValue>{}</AttributeValue></Attribute>"#,
        asi_body(LTO, None)
    );
    let seventeen: String = (0..17).map(|i| asi(LTO, &i.to_string(), None)).collect();
    let cases = [
        (no_data, ResultReason::ApplicationNamespaceNotSupported),
        (
            asi(LTO, &"d".repeat(1025), None),
            ResultReason::InvalidField,
        ),
        (asi(&"n".repeat(257), "d", None), ResultReason::InvalidField),
        (seventeen, ResultReason::InvalidField),
        (
            [asi(LTO, "1", None), asi(LTO, "1", None)].concat(),
            ResultReason::InvalidField,
        ),
        (alt_name(&"v".repeat(257)), ResultReason::InvalidField),
        (
            attribute("x-Big", "BigInteger", "0x01"),
            ResultReason::InvalidField,
        ),
        (
            attribute("x-Blob", "ByteString", &"00".repeat(257)),
            ResultReason::InvalidField,
        ),
    ];
    for (i, (bad, reason)) in cases.iter().enumerate() {
        let made = create(&format!("{}{bad}", name(&format!("bad-{i}"))));
        assert_eq!(refused(&mut conn, &made).await, Some(*reason), "case {i}");
        assert!(located(&ok(&mut conn, &locate(&name(&format!("bad-{i}")))).await).is_empty());
    }
}

/// Add, Modify, Set and Delete Attribute of the tape-library attributes,
/// audited as `key:update`: a Modify keeps a custom attribute's type (a
/// value of another type is refused), a 2.x Set replaces it whole; the
/// instance of Application Specific Information a change names is the
/// 1.x Attribute Index or the 2.x Current Attribute (several and none
/// named is Multi Valued Attribute); the same instance twice, too many,
/// too long are refused and change nothing.
#[tokio::test]
async fn tape_library_attributes_change_by_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let made = [name("tape"), asi(LTO, "A", None), typed_customs()].concat();
    let id = uid(&ok(&mut conn, &create(&made)).await);

    let modify = on(
        "ModifyAttribute",
        &id,
        &attribute("x-VendorAttribute2", "Integer", "1"),
    );
    let ResponsePayload::ModifyAttribute(answer) = ok(&mut conn, &modify).await else {
        panic!();
    };
    assert_eq!(
        answer.attribute.unwrap().value,
        AttributeValue::Vendor {
            vendor: "x".into(),
            name: "VendorAttribute2".into(),
            value: Value::Integer(1),
        }
    );
    let later = attribute(
        "x-VendorAttribute3",
        "DateTime",
        "2025-01-01T00:00:00+00:00",
    );
    ok(&mut conn, &on("ModifyAttribute", &id, &later)).await;
    let got = attributes(&mut conn, &id, false).await;
    assert_eq!(custom(&got, "x-VendorAttribute2"), Some(&Value::Integer(1)));
    assert_eq!(
        custom(&got, "x-VendorAttribute3"),
        Some(&Value::DateTime(1_735_689_600))
    );

    let before = kept(&attributes(&mut conn, &id, false).await);
    let refusals = [
        on(
            "ModifyAttribute",
            &id,
            &attribute("x-VendorAttribute2", "TextString", "1"),
        ),
        on(
            "ModifyAttribute",
            &id,
            &attribute("x-VendorAttribute2", "LongInteger", "1"),
        ),
        on(
            "AddAttribute",
            &id,
            &attribute("x-VendorAttribute2", "Integer", "2"),
        ),
        on(
            "ModifyAttribute",
            &id,
            &attribute("x-Missing", "Integer", "2"),
        ),
        on(
            "AddAttribute",
            &id,
            &attribute("x-Big", "BigInteger", "0x01"),
        ),
        on("AddAttribute", &id, &asi(LTO, "A", None)),
        on("AddAttribute", &id, &asi(LTO, &"d".repeat(1025), None)),
        on("ModifyAttribute", &id, &asi(LTO, "B", Some(3))),
        on("AddAttribute", &id, &alt_name(&"v".repeat(257))),
        on(
            "DeleteAttribute",
            &id,
            r#"<AttributeName type="TextString" value="Alternative Name"/>"#,
        ),
    ];
    for (i, bad) in refusals.iter().enumerate() {
        assert_eq!(
            refused(&mut conn, bad).await,
            Some(ResultReason::InvalidField),
            "case {i}"
        );
    }
    let bad_structure = on(
        "AddAttribute",
        &id,
        r#"<Attribute><AttributeName type="TextString" value="Application Specific Information"/>
        <AttributeValue><NameValue type="TextString" value="n"/></AttributeValue></Attribute>"#,
    );
    assert!(refused(&mut conn, &bad_structure).await.is_some());
    assert_eq!(
        kept(&attributes(&mut conn, &id, false).await),
        before,
        "refusals change nothing"
    );

    // A second instance; 1.x names one by index, 2.x by value or as the only one.
    ok(&mut conn, &on("AddAttribute", &id, &asi(LTO, "B", None))).await;
    ok(
        &mut conn,
        &on("ModifyAttribute", &id, &asi(LTO, "C", Some(1))),
    )
    .await;
    let find_c = locate(&asi(LTO, "C", None));
    assert_eq!(
        located(&ok(&mut conn, &find_c).await),
        std::slice::from_ref(&id)
    );
    let new_d = format!("<NewAttribute>{}</NewAttribute>", asi_v2(LTO, Some("D")));
    let several = refused_v2(&mut conn, &on("ModifyAttribute", &id, &new_d)).await;
    assert_eq!(several, Some(ResultReason::MultiValuedAttribute));
    let current_a = format!(
        "<CurrentAttribute>{}</CurrentAttribute>{new_d}",
        asi_v2(LTO, Some("A"))
    );
    ok_v2(&mut conn, &on("ModifyAttribute", &id, &current_a)).await;
    let delete_first = on(
        "DeleteAttribute",
        &id,
        r#"<AttributeName type="TextString" value="Application Specific Information"/>"#,
    );
    let ResponsePayload::DeleteAttribute(deleted) = ok(&mut conn, &delete_first).await else {
        panic!();
    };
    assert!(matches!(
        deleted.attribute.unwrap().value,
        AttributeValue::ApplicationSpecificInformation(i) if i.data.as_deref() == Some("D")
    ));
    let infos = |a: &Attributes| {
        kept(a)
            .into_iter()
            .filter(|(n, _)| n == "asi")
            .map(|(_, v)| v)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        infos(&attributes(&mut conn, &id, true).await),
        [r#"LIBRARY-LTO=Some("C")"#]
    );
    let too_many: Vec<String> = (0..15).map(|i| asi(LTO, &format!("m{i}"), None)).collect();
    for one in &too_many {
        ok(&mut conn, &on("AddAttribute", &id, one)).await;
    }
    let seventeenth = on("AddAttribute", &id, &asi(LTO, "over", None));
    assert_eq!(
        refused(&mut conn, &seventeenth).await,
        Some(ResultReason::InvalidField)
    );
    assert_eq!(infos(&attributes(&mut conn, &id, false).await).len(), 16);
    let delete_all = on(
        "DeleteAttribute",
        &id,
        r#"<AttributeReference type="Enumeration" value="ApplicationSpecificInformation"/>"#,
    );
    ok_v2(&mut conn, &delete_all).await;
    assert!(infos(&attributes(&mut conn, &id, false).await).is_empty());
    let gone = refused_v2(&mut conn, &delete_all).await;
    assert_eq!(gone, Some(ResultReason::AttributeNotFound));

    // Alternative Names: added, modified, deleted.
    ok(&mut conn, &on("AddAttribute", &id, &alt_name("XXA012A1"))).await;
    ok(
        &mut conn,
        &on("ModifyAttribute", &id, &alt_name("XXA012A2")),
    )
    .await;
    let find = locate(&alt_name("XXA012A2"));
    assert_eq!(
        located(&ok(&mut conn, &find).await),
        std::slice::from_ref(&id)
    );
    let delete_name = on(
        "DeleteAttribute",
        &id,
        r#"<AttributeName type="TextString" value="Alternative Name"/>"#,
    );
    ok(&mut conn, &delete_name).await;

    // A 2.x Set replaces a custom attribute whole: now a text one, a tag.
    let set = r#"<NewAttribute><Attribute><VendorIdentification type="TextString" value="x"/>
        <AttributeName type="TextString" value="VendorAttribute2"/>
        <AttributeValue type="TextString" value="two"/></Attribute></NewAttribute>"#;
    ok_v2(&mut conn, &on("SetAttribute", &id, set)).await;
    let rest = rest_client(&server, &pki, Some(&token));
    let info = rest
        .key(&KeyRef::Name("tape".parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(
        info.tags.get("x-VendorAttribute2").map(String::as_str),
        Some("two")
    );
    let got = attributes(&mut conn, &id, true).await;
    assert_eq!(
        custom(&got, "x-VendorAttribute2"),
        Some(&Value::TextString("two".into()))
    );
    let delete_typed = on(
        "DeleteAttribute",
        &id,
        r#"<AttributeName type="TextString" value="x-Blob"/>"#,
    );
    let ResponsePayload::DeleteAttribute(deleted) = ok(&mut conn, &delete_typed).await else {
        panic!();
    };
    assert!(matches!(
        deleted.attribute.unwrap().value,
        AttributeValue::Vendor { value: Value::ByteString(b), .. } if b == [0, 0xff]
    ));
    assert_eq!(
        custom(&attributes(&mut conn, &id, false).await, "x-Blob"),
        None
    );

    let query = AuditEventsQuery {
        limit: Some(1000),
        ..Default::default()
    };
    let events = rest.audit_events(&query).await.unwrap().events;
    let updates = events
        .iter()
        .filter(|e| e.action.as_str() == "key:update" && e.outcome.code.is_none())
        .count();
    assert_eq!(updates, 27, "each change made is audited as key:update");
}
