//! The scheduler's work list (`keys_due`): each reason a key is due, what is
//! not (yet) due, the order of urgency, the limit, and keys of every tenant.

use keyhold_core::{Algorithm, Key, KeyId, KeyState, Tenant, TenantId, Timestamp, VersionNumber};
use keyhold_store::{Due, DueCursor, DueKey, Store, StoredVersion};

use super::fixtures::{at, key, tenant, version};
use super::{read, write};

/// The scheduler's "now" in these cases.
const NOW: i64 = 1_750_000_000;

fn now() -> Timestamp {
    at(NOW)
}

/// `secs` seconds from now (negative: in the past).
fn from_now(secs: i64) -> Option<Timestamp> {
    Some(at(NOW + secs))
}

/// Stores a tenant (if new), a key and its versions.
fn put(store: &Store, t: &Tenant, new_tenant: bool, k: &Key, versions: &[StoredVersion]) {
    write(store, |tx| {
        if new_tenant {
            tx.tenant_insert(t)?;
        }
        tx.key_insert(k)?;
        versions.iter().try_for_each(|v| tx.version_insert(v))
    })
    .unwrap();
}

/// A key of `t` named `name` whose only version is primary and in `state`.
fn single(t: &Tenant, name: &str, state: KeyState) -> (Key, StoredVersion) {
    let k = key(t, name, Algorithm::Aes256Gcm);
    let v = version(&k, 1, state);
    (k, v)
}

fn due(store: &Store, limit: u32) -> Vec<DueKey> {
    read(store, |tx| tx.keys_due(now(), None, limit)).unwrap()
}

fn entry(t: &Tenant, k: &Key, due: Due) -> DueKey {
    DueKey {
        tenant: t.id,
        key: k.id,
        due,
    }
}

/// Sorts entries with the same reason by key id, for comparison (the
/// order within one reason is not specified).
fn sorted(mut list: Vec<DueKey>) -> Vec<DueKey> {
    list.sort_by_key(|d| (d.due, *d.key.as_bytes()));
    list
}

/// One key due for each reason, each at exactly now or earlier, comes back
/// with that reason, most urgent first.
pub(crate) fn keys_due_lists_each_reason_in_order_of_urgency(store: &Store) {
    let t = tenant("due");
    let (mut rotate, rv) = single(&t, "rotate", KeyState::Active);
    rotate.rotation_period_secs = Some(86_400);
    rotate.next_rotation_at = from_now(0);
    let (activate, mut av) = single(&t, "activate", KeyState::PreActive);
    av.meta.activation_date = from_now(-60);
    let (deactivate, mut dv) = single(&t, "deactivate", KeyState::Suspended);
    dv.meta.deactivation_date = from_now(-1);
    let (mut destroy, xv) = single(&t, "destroy", KeyState::Deactivated);
    destroy.destroy_scheduled_at = from_now(-86_400);
    let (mut ended, ev) = single(&t, "cryptoperiod", KeyState::Active);
    ended.recipient_usage_end = from_now(-5);
    put(store, &t, true, &rotate, &[rv]);
    put(store, &t, false, &ended, &[ev]);
    put(store, &t, false, &activate, &[av]);
    put(store, &t, false, &deactivate, &[dv]);
    put(store, &t, false, &destroy, &[xv]);
    assert_eq!(
        due(store, 10),
        vec![
            entry(&t, &destroy, Due::Destroy),
            entry(&t, &deactivate, Due::Deactivate),
            entry(&t, &ended, Due::CryptoperiodEnd),
            entry(&t, &activate, Due::Activate),
            entry(&t, &rotate, Due::Rotate),
        ]
    );
    // Nothing is due before the earliest date.
    let before = read(store, |tx| tx.keys_due(at(NOW - 86_401), None, 10)).unwrap();
    assert_eq!(before, vec![]);
}

/// Dates still to come, dates on a version that is not the primary, dates
/// of versions whose state has moved on, archived pre-active versions, and
/// keys waiting for their destruction are not on the list.
pub(crate) fn keys_due_skips_what_is_not_due(store: &Store) {
    let t = tenant("quiet");
    let (mut later, lv) = single(&t, "later", KeyState::Active);
    later.next_rotation_at = from_now(1);
    later.destroy_scheduled_at = None;
    let (mut scheduled, sv) = single(&t, "scheduled", KeyState::Active);
    scheduled.destroy_scheduled_at = from_now(60);
    scheduled.next_rotation_at = from_now(-60);
    let (old_primary, mut ov1) = single(&t, "old-primary", KeyState::Deactivated);
    ov1.meta.deactivation_date = from_now(-60);
    let mut ov2 = version(&old_primary, 2, KeyState::Active);
    ov2.meta.activation_date = from_now(-60);
    let mut old_primary = old_primary;
    old_primary.primary_version = VersionNumber::new(2).unwrap();
    let (shelved, mut shv) = single(&t, "shelved", KeyState::PreActive);
    shv.meta.activation_date = from_now(-60);
    shv.meta.archived = true;
    let (compromised, mut cv) = single(&t, "compromised", KeyState::Compromised);
    cv.meta.deactivation_date = from_now(-60);
    cv.meta.activation_date = from_now(-120);
    let (mut ended, ev) = single(&t, "ended-deactivated", KeyState::Deactivated);
    ended.recipient_usage_end = from_now(-60);
    let (mut ending, gv) = single(&t, "ending", KeyState::Active);
    ending.recipient_usage_end = from_now(60);
    put(store, &t, true, &later, &[lv]);
    put(store, &t, false, &ended, &[ev]);
    put(store, &t, false, &ending, &[gv]);
    put(store, &t, false, &scheduled, &[sv]);
    put(store, &t, false, &old_primary, &[ov1, ov2]);
    put(store, &t, false, &shelved, &[shv]);
    put(store, &t, false, &compromised, &[cv]);
    assert_eq!(due(store, 10), vec![]);
}

/// At most `limit` entries, the most urgent first. A key due for two things
/// (here deactivation and rotation) is listed once for each; the scheduler
/// acts on the first and finds the rest gone.
pub(crate) fn keys_due_respects_the_limit(store: &Store) {
    let t = tenant("many");
    let mut keys = Vec::new();
    for i in 0..5 {
        let (mut k, mut v) = single(&t, &format!("k{i}"), KeyState::Active);
        k.next_rotation_at = from_now(-i);
        if i % 2 == 0 {
            v.meta.deactivation_date = from_now(-i);
        }
        put(store, &t, i == 0, &k, &[v]);
        keys.push(k);
    }
    let all = due(store, 100);
    assert_eq!(all.len(), 8, "{all:?}");
    let deactivations = all.iter().take(3);
    assert!(deactivations.clone().all(|d| d.due == Due::Deactivate));
    assert!(all.iter().skip(3).all(|d| d.due == Due::Rotate));
    let ids: Vec<KeyId> = deactivations.map(|d| d.key).collect();
    for i in [0, 2, 4] {
        assert!(ids.contains(&keys[i].id));
    }
    assert_eq!(sorted(due(store, 3)), sorted(all[..3].to_vec()));
    assert_eq!(due(store, 1).len(), 1);
    assert_eq!(due(store, 0), vec![]);
}

/// Keys of every tenant are listed, each with its own tenant.
pub(crate) fn keys_due_spans_tenants(store: &Store) {
    let a = tenant("alpha");
    let b = tenant("beta");
    let (mut ka, va) = single(&a, "same-name", KeyState::Deactivated);
    ka.destroy_scheduled_at = from_now(-5);
    let (mut kb, vb) = single(&b, "same-name", KeyState::Deactivated);
    kb.destroy_scheduled_at = from_now(-5);
    put(store, &a, true, &ka, &[va]);
    put(store, &b, true, &kb, &[vb]);
    let want = sorted(vec![
        entry(&a, &ka, Due::Destroy),
        entry(&b, &kb, Due::Destroy),
    ]);
    assert_eq!(sorted(due(store, 10)), want);
    let tenants: Vec<TenantId> = due(store, 10).iter().map(|d| d.tenant).collect();
    assert!(tenants.contains(&a.id) && tenants.contains(&b.id));
}

/// Pages resume strictly after their cursor: in order of urgency, then by
/// key id, each entry exactly once, across reasons, whatever the page size.
pub(crate) fn keys_due_resumes_after_its_cursor(store: &Store) {
    let t = tenant("paged");
    for i in 0..4 {
        let (mut k, mut v) = single(&t, &format!("p{i}"), KeyState::Active);
        k.next_rotation_at = from_now(-i);
        if i % 2 == 1 {
            v.meta.deactivation_date = from_now(-i);
        }
        put(store, &t, i == 0, &k, &[v]);
    }
    let all = due(store, 100);
    assert_eq!(all.len(), 6, "{all:?}");
    let mut ranked = all.clone();
    ranked.sort_by_key(|d| (d.due, *d.key.as_bytes()));
    assert_eq!(all, ranked, "ordered by reason, then key id");
    for page in 1..=4 {
        let mut walked = Vec::new();
        let mut after: Option<DueCursor> = None;
        loop {
            let got = read(store, |tx| tx.keys_due(now(), after, page)).unwrap();
            let Some(last) = got.last() else { break };
            after = Some(last.cursor());
            walked.extend(got);
        }
        assert_eq!(walked, all, "page size {page}");
    }
}
