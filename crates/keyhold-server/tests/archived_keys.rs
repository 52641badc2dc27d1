//! An archived key (KMIP Archive) refuses every cryptographic use, each
//! naming the archival, until it is recovered; then its versions work as
//! their states allow.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::World;
use common::uses::{KeySet, all_refused};
use keyhold_api::ErrorCode;
use keyhold_core::Action;

#[test]
fn an_archived_key_refuses_every_use_until_recovered() {
    let w = World::new();
    let set = KeySet::new(&w, "cold");
    for k in &set.keys() {
        w.root(Action::KeyDeactivate, |o, c| o.deactivate_key(c, k))
            .unwrap();
        w.root(Action::KeyArchive, |o, c| o.archive_key(c, k))
            .unwrap();
    }
    all_refused(set.process_uses(&w), ErrorCode::KeyNotActive, "archived");
    all_refused(set.protect_uses(&w), ErrorCode::KeyNotActive, "archived");

    for k in &set.keys() {
        w.root(Action::KeyRecover, |o, c| o.recover_key(c, k))
            .unwrap();
    }
    let processed = set.process_uses(&w);
    assert!(processed.iter().all(|(_, r)| r.is_ok()), "{processed:?}");
    // Deactivated: they process again, and still protect nothing.
    all_refused(set.protect_uses(&w), ErrorCode::KeyNotActive, "deactivated");
}
