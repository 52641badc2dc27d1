//! A simulated year: keys with every kind of date on one server, the clock
//! moved one day at a time for 365 days with a scheduler tick each day.
//! Each key changes on its day and on no other, a second tick at the same
//! instant changes nothing, destroyed material is gone from the database
//! files, and every action of the scheduler is in the audit trail as the
//! interface `scheduler`. A key's cryptoperiod ends (protect refused from
//! the end of its originator-usage period, deactivated at the end of its
//! recipient-usage period), and in a second tenant with an unused-key rule
//! an idle key is warned, then suspended, while a key in use is not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use common::{DAY, START, World, code_of, files_contain};
use keyhold_api::ErrorCode;
use keyhold_api::access::CreateTenantRequest;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, KeyInfo};
use keyhold_api::lifecycle::ScheduleDestroyRequest;
use keyhold_core::audit::{AuthMethod, Interface, Outcome};
use keyhold_core::{
    Action, Algorithm, KeyId, KeyRef, KeyState, TenantId, TenantSettings, Timestamp,
};
use keyhold_server::scheduler::TickReport;
use keyhold_store::TxError;

fn create(name: &str) -> CreateKeyRequest {
    CreateKeyRequest::new(name.parse().unwrap(), Algorithm::Aes256Gcm)
}

fn at_day(day: i64) -> Option<Timestamp> {
    Some(START.plus_seconds(day * DAY))
}

/// The keys of the year, by what is planned for them.
struct Cast {
    tenant: TenantId,
    /// Rotates every 30 days (its own period).
    monthly: KeyInfo,
    /// Rotates every 90 days (the tenant's default period).
    quarterly: KeyInfo,
    /// Active until its deactivation date, day 100.
    ends: KeyInfo,
    /// Pre-active until its activation date, day 45.
    later: KeyInfo,
    /// Rotated once, deactivated, destruction due on day 30.
    doomed: KeyInfo,
    /// Deactivated, destruction scheduled for day 30 and cancelled on day 10.
    spared: KeyInfo,
    /// Protects for 60 days (originator-usage period), processes for 120
    /// (recipient-usage period): deactivated on day 120.
    cryptoperiod: KeyInfo,
    /// The second tenant, whose keys unused for 90 days are suspended,
    /// with a warning 14 days before.
    quiet: Quiet,
}

/// The second tenant's keys.
struct Quiet {
    tenant: TenantId,
    /// Never used: warned on day 76, suspended on day 90.
    idle: KeyInfo,
    /// Used every 30 days: never warned nor suspended.
    busy: KeyInfo,
}

/// The second tenant's name.
const QUIET: &str = "quiet";

fn schedule_destroy(w: &World, key: &KeyInfo, days: u32) -> KeyInfo {
    let k = KeyRef::Id(key.id);
    w.root(Action::KeyDeactivate, |ops, c| ops.deactivate_key(c, &k))
        .unwrap();
    let req = ScheduleDestroyRequest {
        waiting_period_days: Some(days),
    };
    w.root(Action::KeyScheduleDestroy, |ops, c| {
        ops.schedule_key_destroy(c, &k, req)
    })
    .unwrap()
}

fn cast(w: &World) -> Cast {
    let mut monthly = create("monthly");
    monthly.rotation_period_secs = Some(30 * 86_400);
    let monthly = w.create(monthly);
    let mut ends = create("ends");
    ends.deactivation_date = at_day(100);
    let ends = w.create(ends);
    let mut later = create("later");
    later.activation_date = at_day(45);
    let later = w.create(later);
    let doomed = w.create(create("doomed"));
    let id = KeyRef::Id(doomed.id);
    w.root(Action::KeyRotate, |ops, c| ops.rotate_key(c, &id))
        .unwrap();
    let doomed = schedule_destroy(w, &doomed, 30);
    let spared = schedule_destroy(w, &w.create(create("spared")), 30);
    let mut cryptoperiod = create("cryptoperiod");
    cryptoperiod.originator_usage_period_secs = Some(60 * 86_400);
    cryptoperiod.recipient_usage_period_secs = Some(120 * 86_400);
    let cryptoperiod = w.create(cryptoperiod);
    assert_eq!(cryptoperiod.protect_stop_date, at_day(60));
    assert_eq!(cryptoperiod.recipient_usage_end, at_day(120));
    // The tenant's default period reaches keys created from now on only.
    let tenant = monthly.tenant;
    let settings = TenantSettings {
        default_rotation_period_secs: Some(90 * 86_400),
        ..TenantSettings::default()
    };
    w.store
        .write(|tx| {
            tx.tenant_settings_put(tenant, &settings)
                .map_err(TxError::<std::convert::Infallible>::Store)
        })
        .unwrap();
    let quarterly = w.create(create("quarterly"));
    assert_eq!(quarterly.rotation_period_secs, Some(90 * 86_400));
    Cast {
        tenant,
        monthly,
        quarterly,
        ends,
        later,
        doomed,
        spared,
        cryptoperiod,
        quiet: quiet_tenant(w),
    }
}

/// The second tenant, its unused-key rule and its two keys.
fn quiet_tenant(w: &World) -> Quiet {
    let req = CreateTenantRequest {
        name: QUIET.parse().unwrap(),
    };
    let tenant = w
        .root(Action::TenantWrite, |ops, c| ops.create_tenant(c, req))
        .unwrap()
        .id;
    let settings = TenantSettings {
        unused_key_days: Some(90),
        unused_key_warning_days: Some(14),
        ..TenantSettings::default()
    };
    w.store
        .write(|tx| {
            tx.tenant_settings_put(tenant, &settings)
                .map_err(TxError::<std::convert::Infallible>::Store)
        })
        .unwrap();
    let make = |name: &str| {
        let req = create(name);
        w.root_in(QUIET, Action::KeyCreate, |ops, c| ops.create_key(c, req))
            .unwrap()
    };
    Quiet {
        tenant,
        idle: make("idle"),
        busy: make("busy"),
    }
}

/// What must have happened by the end of `day`, for each key.
fn check_day(w: &World, cast: &Cast, day: i64) {
    let monthly = w.show(cast.monthly.id);
    assert_eq!(
        monthly.primary_version.get(),
        1 + (day / 30) as u32,
        "day {day}"
    );
    let quarterly = w.show(cast.quarterly.id);
    assert_eq!(
        quarterly.primary_version.get(),
        1 + (day / 90) as u32,
        "day {day}"
    );
    let ends = w.show(cast.ends.id).state;
    let want = if day < 100 {
        KeyState::Active
    } else {
        KeyState::Deactivated
    };
    assert_eq!(ends, want, "day {day}");
    let later = w.show(cast.later.id).state;
    let want = if day < 45 {
        KeyState::PreActive
    } else {
        KeyState::Active
    };
    assert_eq!(later, want, "day {day}");
    let doomed = w.show(cast.doomed.id).state;
    let want = if day < 30 {
        KeyState::Deactivated
    } else {
        KeyState::Destroyed
    };
    assert_eq!(doomed, want, "day {day}");
    assert_eq!(w.show(cast.spared.id).state, KeyState::Deactivated);
    let cryptoperiod = w.show(cast.cryptoperiod.id);
    let want = if day < 120 {
        KeyState::Active
    } else {
        KeyState::Deactivated
    };
    assert_eq!(cryptoperiod.state, want, "day {day}");
    let idle = state_in_quiet(w, cast.quiet.idle.id);
    let want = if day < 90 {
        KeyState::Active
    } else {
        KeyState::Suspended
    };
    assert_eq!(idle, want, "day {day}");
    assert_eq!(state_in_quiet(w, cast.quiet.busy.id), KeyState::Active);
}

fn state_in_quiet(w: &World, key: KeyId) -> KeyState {
    let k = KeyRef::Id(key);
    w.root_in(QUIET, Action::KeyRead, |ops, c| ops.key(c, &k))
        .unwrap()
        .state
}

/// What a tick on `day` must do: destroyed, deactivated, activated,
/// rotated, cryptoperiods ended, unused keys warned, unused keys suspended.
fn expected_tick(day: i64) -> [usize; 7] {
    let rotated = usize::from(day % 30 == 0) + usize::from(day % 90 == 0);
    [
        usize::from(day == 30),
        usize::from(day == 100),
        usize::from(day == 45),
        rotated,
        usize::from(day == 120),
        usize::from(day == 76),
        usize::from(day == 90),
    ]
}

/// The counts of a report, in the order of [`expected_tick`].
fn counts(report: &TickReport) -> [usize; 7] {
    [
        report.destroyed,
        report.deactivated,
        report.activated,
        report.rotated,
        report.cryptoperiods_ended,
        report.unused_warned,
        report.unused_suspended,
    ]
}

/// The uses of the day, before its tick: the busy key every 30 days; the
/// key with a cryptoperiod protects until day 60, processes after.
fn use_keys(w: &World, cast: &Cast, day: i64) {
    if day % 30 == 0 {
        let k = KeyRef::Id(cast.quiet.busy.id);
        let req = EncryptRequest {
            plaintext: SecretBase64(b"still wanted".to_vec()),
            context: BTreeMap::new(),
        };
        w.root_in(QUIET, Action::KeyEncrypt, |ops, c| ops.encrypt(c, &k, req))
            .unwrap();
    }
    if day == 59 {
        let ct = encrypt(w, cast.cryptoperiod.id, b"protected on day 59");
        assert_eq!(
            decrypt(w, cast.cryptoperiod.id, &ct),
            b"protected on day 59"
        );
    }
    if matches!(day, 60 | 119 | 121) {
        let k = KeyRef::Id(cast.cryptoperiod.id);
        let req = EncryptRequest {
            plaintext: SecretBase64(b"too late".to_vec()),
            context: BTreeMap::new(),
        };
        let refused = w.root(Action::KeyEncrypt, |ops, c| ops.encrypt(c, &k, req));
        let want = if day < 120 {
            ErrorCode::CryptoperiodEnded
        } else {
            ErrorCode::KeyNotActive
        };
        assert_eq!(code_of(refused), want, "day {day}");
    }
}

#[test]
fn a_simulated_year() {
    let w = World::new();
    let cast = cast(&w);
    let doomed_material: Vec<Vec<u8>> = w
        .stored_versions(cast.doomed.id)
        .iter()
        .map(|v| v.sealed_material.as_ref().unwrap().as_bytes().to_vec())
        .collect();
    assert_eq!(doomed_material.len(), 2);
    assert!(files_contain(&w.db_files(), &doomed_material[0][12..44]));
    let ct = encrypt(&w, cast.monthly.id, b"written on day 0");
    let ct_cryptoperiod = encrypt(&w, cast.cryptoperiod.id, b"written on day 0");
    let audit_before = w.audit_len();
    for day in 1..=365 {
        w.advance_days(1);
        if day == 10 {
            let k = KeyRef::Id(cast.spared.id);
            w.root(Action::KeyCancelDestroy, |ops, c| {
                ops.cancel_key_destroy(c, &k)
            })
            .unwrap();
        }
        use_keys(&w, &cast, day);
        let report = w.scheduler.tick();
        assert_eq!(counts(&report), expected_tick(day), "day {day}: {report:?}");
        assert_eq!(
            (report.failed, report.sealed, report.truncated),
            (0, false, false)
        );
        // A second tick at the same instant finds nothing and writes nothing.
        let head = w.audit_len();
        assert_eq!(w.scheduler.tick(), TickReport::default(), "day {day}");
        assert_eq!(w.audit_len(), head);
        if matches!(
            day,
            1 | 29 | 30 | 44 | 45 | 75 | 76 | 89 | 90 | 99 | 100 | 119 | 120 | 180 | 365
        ) {
            check_day(&w, &cast, day);
        }
    }
    check_day(&w, &cast, 365);
    assert_eq!(w.stored_versions(cast.monthly.id).len(), 13);
    assert_eq!(w.stored_versions(cast.quarterly.id).len(), 5);
    // Old versions still decrypt what they protected.
    assert_eq!(decrypt(&w, cast.monthly.id, &ct), b"written on day 0");
    // A deactivated version still processes what it protected.
    assert_eq!(
        decrypt(&w, cast.cryptoperiod.id, &ct_cryptoperiod),
        b"written on day 0"
    );
    assert_eq!(w.show(cast.cryptoperiod.id).recipient_usage_end, None);
    check_destroyed(&w, &cast, &doomed_material);
    check_spared(&w, &cast);
    check_audit(&w, &cast, audit_before);
    check_quiet_audit(&w, &cast.quiet, audit_before);
}

fn encrypt(w: &World, key: KeyId, data: &[u8]) -> Vec<u8> {
    let req = EncryptRequest {
        plaintext: SecretBase64(data.to_vec()),
        context: BTreeMap::new(),
    };
    let k = KeyRef::Id(key);
    w.root(Action::KeyEncrypt, |ops, c| ops.encrypt(c, &k, req))
        .unwrap()
        .ciphertext
        .0
}

fn decrypt(w: &World, key: KeyId, ct: &[u8]) -> Vec<u8> {
    let req = DecryptRequest {
        ciphertext: Base64(ct.to_vec()),
        context: BTreeMap::new(),
    };
    let k = KeyRef::Id(key);
    let out = w
        .root(Action::KeyDecrypt, |ops, c| ops.decrypt(c, &k, req))
        .unwrap();
    out.plaintext.0.clone()
}

/// The doomed key is a tombstone: every version Destroyed on day 30, no
/// material in the store or in its files, the schedule cleared.
fn check_destroyed(w: &World, cast: &Cast, material: &[Vec<u8>]) {
    let info = w.show(cast.doomed.id);
    assert_eq!(info.destroy_scheduled_at, None);
    assert_eq!(info.name, cast.doomed.name);
    let versions = w.stored_versions(cast.doomed.id);
    assert_eq!(versions.len(), 2);
    for v in &versions {
        assert_eq!(v.meta.state, KeyState::Destroyed);
        assert_eq!(v.meta.destroy_date, at_day(30));
        assert_eq!(v.sealed_material, None);
    }
    let files = w.db_files();
    for sealed in material {
        assert!(
            !files_contain(&files, &sealed[12..44]),
            "material left in a file"
        );
    }
}

/// The cancelled destruction never ran.
fn check_spared(w: &World, cast: &Cast) {
    let info = w.show(cast.spared.id);
    assert_eq!(info.destroy_scheduled_at, None);
    let versions = w.stored_versions(cast.spared.id);
    assert!(versions.iter().all(|v| v.sealed_material.is_some()));
    assert!(versions.iter().all(|v| v.meta.destroy_date.is_none()));
}

/// Every change during the year was the scheduler's, audited as interface
/// `scheduler`, authenticated as the server itself, in the key's tenant.
fn check_audit(w: &World, cast: &Cast, after: u64) {
    let events: Vec<_> = w
        .audit()
        .into_iter()
        .filter(|e| e.seq > after && e.record.interface == Interface::Scheduler)
        .filter(|e| e.record.tenant == Some(cast.tenant))
        .collect();
    let count = |action: Action, key: KeyId| {
        events
            .iter()
            .filter(|e| e.record.action == action && e.record.key == Some(key))
            .count()
    };
    assert_eq!(count(Action::KeyRotate, cast.monthly.id), 12);
    assert_eq!(count(Action::KeyRotate, cast.quarterly.id), 4);
    assert_eq!(count(Action::KeyDeactivate, cast.ends.id), 1);
    assert_eq!(count(Action::KeyActivate, cast.later.id), 1);
    assert_eq!(count(Action::KeyDestroy, cast.doomed.id), 1);
    assert_eq!(count(Action::KeyDeactivate, cast.cryptoperiod.id), 1);
    assert_eq!(events.len(), 20, "{events:#?}");
    for e in &events {
        assert_eq!(e.record.outcome, Outcome::Ok);
        assert_eq!(e.record.auth, AuthMethod::Internal);
        assert_eq!(e.record.tenant, Some(cast.tenant));
        assert_eq!(e.record.principal, None);
    }
    let destroy = events
        .iter()
        .find(|e| e.record.action == Action::KeyDestroy)
        .unwrap();
    assert_eq!(destroy.record.time, at_day(30).unwrap());
    assert_eq!(
        destroy
            .record
            .context
            .get("versions_destroyed")
            .map(String::as_str),
        Some("2")
    );
}

/// In the second tenant, the scheduler warned once and suspended once,
/// both the idle key's, each under its own action (what a SIEM matches),
/// and never touched the busy key.
fn check_quiet_audit(w: &World, quiet: &Quiet, after: u64) {
    let events: Vec<_> = w
        .audit()
        .into_iter()
        .filter(|e| e.seq > after && e.record.interface == Interface::Scheduler)
        .filter(|e| e.record.tenant == Some(quiet.tenant))
        .collect();
    let actions: Vec<(Action, Option<KeyId>)> = events
        .iter()
        .map(|e| (e.record.action, e.record.key))
        .collect();
    assert_eq!(
        actions,
        vec![
            (Action::KeyUnusedWarning, Some(quiet.idle.id)),
            (Action::KeySuspendUnused, Some(quiet.idle.id)),
        ]
    );
    let [warning, suspension] = &events[..] else {
        panic!("{events:#?}")
    };
    assert_eq!(warning.record.time, at_day(76).unwrap());
    assert_eq!(
        warning.record.context.get("suspend_at").cloned(),
        at_day(90).map(|t| t.to_string())
    );
    assert_eq!(suspension.record.time, at_day(90).unwrap());
    assert_eq!(
        suspension.record.context.get("idle_since").cloned(),
        Some(START.to_string())
    );
    for e in &events {
        assert_eq!(e.record.outcome, Outcome::Ok);
        assert_eq!(e.record.auth, AuthMethod::Internal);
    }
    let k = KeyRef::Id(quiet.busy.id);
    let busy = w
        .root_in(QUIET, Action::KeyRead, |ops, c| ops.key(c, &k))
        .unwrap();
    assert_eq!(busy.last_used_at, at_day(360));
}
