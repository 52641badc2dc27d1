//! End to end over KMIP: attributes with their KMIP meaning. An object
//! made without a Name has none (KMIP 1.4 section 3.2), even though
//! keyhold names its key; the Description (section 3.46) is single-valued
//! and shared with REST's description; bad input gets its KMIP error and
//! changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{call_in, ok, refused, rest_client, session, uid};
use keyhold_api::keys::ListKeysQuery;
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{
    AttributeRef, Attributes, ResponseMessage, ResultReason, ResultStatus, UniqueIdentifier, tags,
};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

type Conn = TlsStream<TcpStream>;

/// A 1.4 Create of an AES-256 key with `extra` template attributes.
fn create(extra: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Create"/><RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/><TemplateAttribute>
        {}{}{extra}</TemplateAttribute></RequestPayload>"#,
        attribute("Cryptographic Algorithm", "Enumeration", "AES"),
        attribute("Cryptographic Usage Mask", "Integer", "Encrypt Decrypt"),
    )
}

/// A 1.x attribute of a simple type.
fn attribute(name: &str, kind: &str, value: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="{name}"/>
        <AttributeValue type="{kind}" value="{value}"/></Attribute>"#
    )
}

/// A 1.x Name attribute.
fn name(value: &str) -> String {
    format!(
        r#"<Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
        <NameValue type="TextString" value="{value}"/>
        <NameType type="Enumeration" value="UninterpretedTextString"/>
        </AttributeValue></Attribute>"#
    )
}

/// An operation naming object `id`, with `extra` after the identifier.
fn on(operation: &str, id: &str, extra: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="{operation}"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/>{extra}</RequestPayload>"#
    )
}

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
