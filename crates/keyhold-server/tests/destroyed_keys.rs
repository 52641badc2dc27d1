//! Destruction by the scheduler: refused before its time (nothing changes),
//! and afterwards a tombstone that answers `410 key_destroyed` to every
//! cryptographic use and every lifecycle change (but a compromise
//! revocation) while it can still be read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::uses::{KeySet, all_refused};
use common::{DAY, World, code_of};
use keyhold_api::ErrorCode;
use keyhold_api::keys::{CreateKeyRequest, InitialState, KeyInfo};
use keyhold_api::lifecycle::{RevokeRequest, ScheduleDestroyRequest, UpdateKeyRequest};
use keyhold_core::audit::{Interface, Outcome};
use keyhold_core::{Action, Algorithm, KeyRef, KeyState, RevocationReason};
use keyhold_server::scheduler::TickReport;

/// Deactivates the key and schedules its destruction in 7 days.
fn schedule(w: &World, k: &KeyRef) -> KeyInfo {
    w.root(Action::KeyDeactivate, |ops, c| ops.deactivate_key(c, k))
        .unwrap();
    let req = ScheduleDestroyRequest {
        waiting_period_days: Some(7),
    };
    w.root(Action::KeyScheduleDestroy, |ops, c| {
        ops.schedule_key_destroy(c, k, req)
    })
    .unwrap()
}

/// Everything a client can ask of a key that changes it.
fn changes(w: &World, k: &KeyRef) -> Vec<(&'static str, keyhold_server::error::ServerError)> {
    let revoke = RevokeRequest::new(RevocationReason::Superseded);
    let schedule = ScheduleDestroyRequest::default();
    let update = UpdateKeyRequest {
        description: Some("renamed".into()),
        ..Default::default()
    };
    let results = [
        (
            "activate",
            w.root(Action::KeyActivate, |o, c| o.activate_key(c, k)),
        ),
        (
            "deactivate",
            w.root(Action::KeyDeactivate, |o, c| o.deactivate_key(c, k)),
        ),
        (
            "suspend",
            w.root(Action::KeySuspend, |o, c| o.suspend_key(c, k)),
        ),
        (
            "resume",
            w.root(Action::KeyResume, |o, c| o.resume_key(c, k)),
        ),
        (
            "rotate",
            w.root(Action::KeyRotate, |o, c| o.rotate_key(c, k)),
        ),
        (
            "revoke",
            w.root(Action::KeyRevoke, |o, c| o.revoke_key(c, k, revoke)),
        ),
        (
            "schedule-destroy",
            w.root(Action::KeyScheduleDestroy, |o, c| {
                o.schedule_key_destroy(c, k, schedule)
            }),
        ),
        (
            "cancel-destroy",
            w.root(Action::KeyCancelDestroy, |o, c| o.cancel_key_destroy(c, k)),
        ),
        (
            "archive",
            w.root(Action::KeyArchive, |o, c| o.archive_key(c, k)),
        ),
        (
            "recover",
            w.root(Action::KeyRecover, |o, c| o.recover_key(c, k)),
        ),
        (
            "update",
            w.root(Action::KeyUpdate, |o, c| o.update_key(c, k, update)),
        ),
    ];
    results
        .into_iter()
        .map(|(name, r)| (name, r.expect_err(name)))
        .collect()
}

#[test]
fn a_destroyed_key_answers_key_destroyed_to_every_use_and_change() {
    let w = World::new();
    let set = KeySet::new(&w, "gone");
    let keys = set.keys();
    for k in &keys {
        schedule(&w, k);
    }
    // An archived key is destroyed too, and then answers as destroyed.
    w.root(Action::KeyArchive, |o, c| o.archive_key(c, &keys[3]))
        .unwrap();
    w.advance_days(7);
    let report = w.scheduler.tick();
    assert_eq!((report.destroyed, report.failed), (4, 0), "{report:?}");

    all_refused(set.uses(&w), ErrorCode::KeyDestroyed, "erased");
    for (name, e) in changes(&w, &keys[0]) {
        assert_eq!(e.public().0, ErrorCode::KeyDestroyed, "{name}: {e}");
        assert_eq!(e.public().0.http_status(), 410);
    }
    // The tombstone is still there to read.
    let info = w.show(set.aes.id);
    assert_eq!(info.state, KeyState::Destroyed);
    let versions = w
        .root(Action::KeyRead, |o, c| o.key_versions(c, &keys[0]))
        .unwrap();
    assert!(
        versions
            .versions
            .iter()
            .all(|v| v.state == KeyState::Destroyed)
    );
    // A compromise of destroyed material is still recorded (KMIP
    // transition 10).
    let compromise = RevokeRequest::new(RevocationReason::KeyCompromise);
    let info = w
        .root(Action::KeyRevoke, |o, c| {
            o.revoke_key(c, &keys[0], compromise)
        })
        .unwrap();
    assert_eq!(info.state, KeyState::DestroyedCompromised);
    // A second destruction has nothing left to do.
    let again = w.internal(info.tenant, Action::KeyDestroy, |o, c| {
        o.destroy_due(c, &keys[1])
    });
    assert_eq!(code_of(again), ErrorCode::KeyDestroyed);
}

#[test]
fn destroy_due_before_its_time_changes_nothing_and_is_refused() {
    let w = World::new();
    let info = w.create(CreateKeyRequest::new(
        "early".parse().unwrap(),
        Algorithm::Aes256Gcm,
    ));
    let k = KeyRef::Id(info.id);
    let scheduled = schedule(&w, &k);
    let due = scheduled.destroy_scheduled_at.unwrap();
    w.clock.advance(7 * DAY - 1);
    let before = (w.show(info.id), w.stored_versions(info.id));
    let refused = w.internal(info.tenant, Action::KeyDestroy, |o, c| o.destroy_due(c, &k));
    let e = refused.unwrap_err();
    assert_eq!(e.public().0, ErrorCode::NotDue);
    assert!(e.to_string().contains(&due.to_string()), "{e}");
    assert_eq!((w.show(info.id), w.stored_versions(info.id)), before);
    let last = w
        .audit()
        .into_iter()
        .rfind(|e| e.record.action == Action::KeyDestroy)
        .unwrap();
    assert_eq!(last.record.interface, Interface::Scheduler);
    assert_eq!(last.record.action, Action::KeyDestroy);
    assert_eq!(
        last.record.outcome,
        Outcome::Error {
            code: "not_due".into()
        }
    );
    assert_eq!(w.scheduler.tick(), TickReport::default());

    // A key with no destruction scheduled is refused too.
    let other = w.create(CreateKeyRequest::new(
        "kept".parse().unwrap(),
        Algorithm::Aes256Gcm,
    ));
    let o = KeyRef::Id(other.id);
    let refused = w.internal(info.tenant, Action::KeyDestroy, |ops, c| {
        ops.destroy_due(c, &o)
    });
    assert_eq!(code_of(refused), ErrorCode::DestroyNotScheduled);
    assert!(w.stored_versions(other.id)[0].sealed_material.is_some());

    w.clock.advance(1);
    let report = w.scheduler.tick();
    assert_eq!(report.destroyed, 1, "{report:?}");
    assert_eq!(w.show(info.id).state, KeyState::Destroyed);
}

#[test]
fn other_scheduled_actions_before_their_time_are_refused() {
    let w = World::new();
    let mut req = CreateKeyRequest::new("dated".parse().unwrap(), Algorithm::Aes256Gcm);
    req.initial_state = Some(InitialState::PreActive);
    req.activation_date = Some(common::START.plus_seconds(DAY));
    let pre = w.create(req);
    let mut req = CreateKeyRequest::new("turning".parse().unwrap(), Algorithm::Aes256Gcm);
    req.rotation_period_secs = Some(7 * 86_400);
    let turning = w.create(req);
    let (p, t) = (KeyRef::Id(pre.id), KeyRef::Id(turning.id));
    let tenant = pre.tenant;
    let early = [
        w.internal(tenant, Action::KeyActivate, |o, c| o.activate_due(c, &p)),
        w.internal(tenant, Action::KeyRotate, |o, c| o.rotate_due(c, &t)),
        // No deactivation date at all.
        w.internal(tenant, Action::KeyDeactivate, |o, c| {
            o.deactivate_due(c, &t)
        }),
    ];
    for r in early {
        assert_eq!(code_of(r), ErrorCode::NotDue);
    }
    assert_eq!(w.show(pre.id), pre);
    assert_eq!(w.show(turning.id), turning);
    assert_eq!(w.stored_versions(turning.id).len(), 1);
}
