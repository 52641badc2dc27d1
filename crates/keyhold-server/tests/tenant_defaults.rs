//! A tenant's default rotation period reaches the keys created without a
//! period of their own, and only them; a default out of a key's bounds is
//! refused, naming the setting.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{World, code_of};
use keyhold_api::ErrorCode;
use keyhold_api::keys::CreateKeyRequest;
use keyhold_core::{Action, Algorithm, TenantId, TenantSettings};
use keyhold_store::TxError;

fn create(name: &str, period: Option<u64>) -> CreateKeyRequest {
    let mut req = CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm);
    req.rotation_period_secs = period;
    req
}

fn set_default(w: &World, tenant: TenantId, secs: Option<u64>) {
    let settings = TenantSettings {
        default_rotation_period_secs: secs,
        ..TenantSettings::default()
    };
    w.store
        .write(|tx| {
            tx.tenant_settings_put(tenant, &settings)
                .map_err(TxError::<std::convert::Infallible>::Store)
        })
        .unwrap();
}

#[test]
fn keys_without_a_period_take_the_tenant_default() {
    let w = World::new();
    let before = w.create(create("before", None));
    assert_eq!(before.rotation_period_secs, None);
    assert_eq!(before.next_rotation_at, None);
    set_default(&w, before.tenant, Some(90 * 86_400));
    let after = w.create(create("after", None));
    assert_eq!(after.rotation_period_secs, Some(90 * 86_400));
    assert_eq!(
        after.next_rotation_at,
        Some(after.created_at.plus_seconds(90 * 86_400))
    );
    let own = w.create(create("own", Some(7 * 86_400)));
    assert_eq!(own.rotation_period_secs, Some(7 * 86_400));
    // Keys created before the default keep what they had.
    assert_eq!(w.show(before.id).rotation_period_secs, None);

    set_default(&w, before.tenant, Some(60));
    let refused = w.root(Action::KeyCreate, |o, c| {
        o.create_key(c, create("short", None))
    });
    let e = refused.unwrap_err();
    assert_eq!(e.public().0, ErrorCode::InvalidRequest);
    assert!(
        e.to_string().contains("default_rotation_period_secs"),
        "{e}"
    );
    // A key with its own period does not depend on the default.
    let fine = w.root(Action::KeyCreate, |o, c| {
        o.create_key(c, create("fine", Some(3600)))
    });
    assert!(fine.is_ok());
    let gone = w.root(Action::KeyRead, |o, c| o.key(c, &"short".parse().unwrap()));
    assert_eq!(code_of(gone), ErrorCode::KeyNotFound);
}
