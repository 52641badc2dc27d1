//! End to end over KMIP: Log (KMIP 2.1 section 6.1.29). The message goes
//! into the request's audit event (`audit:append`); a message that is
//! empty, too long or spans lines is Invalid Field and recorded nowhere.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{call_in, rest_client, session};
use keyhold_api::audit::AuditEventsQuery;
use keyhold_core::Action;
use keyhold_kmip::payload::ResponsePayload;
use keyhold_kmip::{ResultReason, ResultStatus};

fn log(message: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Log"/><RequestPayload>
        <LogMessage type="TextString" value="{message}"/></RequestPayload>"#
    )
}

#[tokio::test]
async fn log_writes_the_message_into_the_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let (server, pki, token, mut conn) = session(dir.path()).await;
    let said = "Registered a symmetric key.";
    let r = call_in(&mut conn, "2", "1", &log(said)).await;
    assert_eq!(r.items[0].result_status, ResultStatus::Success, "{r:?}");
    assert!(matches!(r.items[0].payload, Some(ResponsePayload::Log(_))));
    let too_long = "a".repeat(1025);
    for bad in ["", "two&#10;lines", too_long.as_str()] {
        let r = call_in(&mut conn, "2", "1", &log(bad)).await;
        assert_eq!(r.items[0].result_status, ResultStatus::OperationFailed);
        assert_eq!(
            r.items[0].result_reason,
            Some(ResultReason::InvalidField),
            "{bad:?}"
        );
    }
    let rest = rest_client(&server, &pki, Some(&token));
    let query = AuditEventsQuery {
        action: Some(Action::AuditAppend),
        ..Default::default()
    };
    let events = rest.audit_events(&query).await.unwrap().events;
    assert_eq!(events.len(), 4, "one event per Log: {events:?}");
    let logged: Vec<_> = events
        .iter()
        .filter_map(|e| e.context.get("log_message"))
        .collect();
    assert_eq!(logged, vec![said], "only the accepted message is recorded");
    assert!(events.iter().all(|e| e.principal.is_some()), "{events:?}");
}
