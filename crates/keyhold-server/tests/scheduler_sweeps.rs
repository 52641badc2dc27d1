//! The scheduler's sweeps besides the year's dates: pending approvals whose
//! time is up are marked expired and audited, once; and a backlog of work
//! whose first entries fail every time does not hold back the entries after
//! them (the work list resumes after a cursor).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{DAY, World};
use keyhold_api::keys::CreateKeyRequest;
use keyhold_core::approval::{Approval, ApprovalState, Quorum};
use keyhold_core::audit::{AuthMethod, Interface, Outcome};
use keyhold_core::{Action, Algorithm, ApprovalId, ApprovalRecord, KeyId, PrincipalId, TenantId};
use keyhold_server::scheduler::{Scheduler, TickReport};
use keyhold_store::{ReadTx, StoreError, TxError, WriteTx};

fn write(w: &World, f: impl FnOnce(&mut dyn WriteTx) -> Result<(), StoreError>) {
    w.store
        .write(|tx| f(tx).map_err(TxError::<std::convert::Infallible>::Store))
        .unwrap();
}

fn read<T>(w: &World, f: impl FnOnce(&mut dyn ReadTx) -> Result<T, StoreError>) -> T {
    w.store
        .read(|tx| f(tx).map_err(TxError::<std::convert::Infallible>::Store))
        .unwrap()
}

/// A pending approval in `tenant`, asked now, that waits `ttl` seconds.
fn pending(w: &World, tenant: TenantId, ttl: i64) -> ApprovalRecord {
    let record = ApprovalRecord {
        id: ApprovalId::from_uuid(uuid::Uuid::new_v4()),
        tenant,
        approval: Approval::new(
            Action::KeyRotate,
            PrincipalId::from_uuid(uuid::Uuid::new_v4()),
            Quorum::new(1, 1).unwrap(),
            w.ops.now(),
            ttl,
        ),
        resource: "*".into(),
        request: serde_json::json!({}),
        executed_result: None,
    };
    let stored = record.clone();
    write(w, move |tx| tx.approval_insert(&stored));
    record
}

fn state(w: &World, r: &ApprovalRecord) -> ApprovalState {
    read(w, |tx| tx.approval_get(r.tenant, r.id))
        .unwrap()
        .approval
        .state
}

#[test]
fn the_scheduler_expires_pending_approvals_once_and_audits_it() {
    let w = World::new();
    let tenant = w.create(create("anchor")).tenant;
    let short = pending(&w, tenant, DAY);
    let long = pending(&w, tenant, 3 * DAY);
    let first = w.scheduler.tick();
    assert_eq!(first.approvals_expired, 0, "{first:?}");
    w.advance_days(1);
    let before = w.audit_len();
    let report = w.scheduler.tick();
    assert_eq!(
        (report.approvals_expired, report.failed),
        (1, 0),
        "{report:?}"
    );
    assert_eq!(state(&w, &short), ApprovalState::Expired);
    assert_eq!(state(&w, &long), ApprovalState::Pending);
    // Once: a second tick at the same instant finds nothing and writes nothing.
    assert_eq!(w.scheduler.tick(), TickReport::default());
    let events: Vec<_> = w.audit().into_iter().filter(|e| e.seq > before).collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0].record;
    assert_eq!(e.action, Action::ApprovalExpire);
    assert_eq!(e.interface, Interface::Scheduler);
    assert_eq!(e.auth, AuthMethod::Internal);
    assert_eq!(e.outcome, Outcome::Ok);
    assert_eq!(e.tenant, Some(tenant));
    assert_eq!(
        e.context.get("approval").cloned(),
        Some(short.id.to_string())
    );
    assert_eq!(
        e.context.get("approval_action").map(String::as_str),
        Some("key:rotate")
    );
    w.advance_days(2);
    assert_eq!(w.scheduler.tick().approvals_expired, 1);
    assert_eq!(state(&w, &long), ApprovalState::Expired);
}

fn create(name: &str) -> CreateKeyRequest {
    CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm)
}

/// An active key whose destruction is (wrongly) due: the Destroy
/// transition refuses an active version, so the scheduler fails on it at
/// every tick, and it comes first on the work list (destruction is the
/// most urgent reason).
fn always_failing(w: &World, name: &str) -> KeyId {
    let info = w.create(create(name));
    let now = w.ops.now();
    write(w, |tx| {
        let mut key = tx.key_get(info.tenant, info.id)?.unwrap();
        key.destroy_scheduled_at = Some(now);
        tx.key_update(&key)
    });
    info.id
}

#[test]
fn failing_entries_do_not_starve_the_ones_after_them() {
    let w = World::new();
    let scheduler = Scheduler::new(std::sync::Arc::clone(&w.ops)).with_limits(2, 1);
    always_failing(&w, "broken-a");
    always_failing(&w, "broken-b");
    let rotating: Vec<KeyId> = ["r1", "r2", "r3"]
        .iter()
        .map(|name| {
            let mut req = create(name);
            req.rotation_period_secs = Some(30 * 86_400);
            w.create(req).id
        })
        .collect();
    w.advance_days(31);
    // Each tick reads one page of two entries, after the previous tick's.
    let ticks: Vec<(usize, usize, bool)> = (0..3)
        .map(|_| {
            let r = scheduler.tick();
            (r.failed, r.rotated, r.truncated)
        })
        .collect();
    assert_eq!(
        ticks,
        vec![(2, 0, true), (0, 2, true), (0, 1, true)],
        "the broken keys hold back nothing"
    );
    for id in rotating {
        assert_eq!(w.show(id).primary_version.get(), 2);
    }
    // The list then wraps around to its start: the broken keys again.
    let again = scheduler.tick();
    assert_eq!((again.failed, again.rotated), (2, 0), "{again:?}");
}
