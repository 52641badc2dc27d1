//! Key use: last-use times recorded forward only, without touching the
//! key's other columns, and one tenant's unused-key scan.

use keyhold_core::{Algorithm, Key, KeyId, KeyState, Tenant, Timestamp};
use keyhold_store::{IdleQuery, Store, StoredVersion};

use super::fixtures::{at, key, tenant, version};
use super::{read, write};

/// The warning limit of these cases: keys idle since then are looked at.
const WARN: i64 = 1_750_000_000;
/// The suspension limit: a day earlier.
const SUSPEND: i64 = WARN - 86_400;

fn put(store: &Store, t: Option<&Tenant>, k: &Key, v: &StoredVersion) {
    write(store, |tx| {
        if let Some(t) = t {
            tx.tenant_insert(t)?;
        }
        tx.key_insert(k)?;
        tx.version_insert(v)
    })
    .unwrap();
}

/// An active key of `t` last changed at `changed`, last used at `used`.
fn active(t: &Tenant, name: &str, changed: i64, used: Option<i64>) -> (Key, StoredVersion) {
    let mut k = key(t, name, Algorithm::Aes256Gcm);
    k.created_at = at(changed - 10);
    k.updated_at = at(changed);
    k.last_used_at = used.map(at);
    let v = version(&k, 1, KeyState::Active);
    (k, v)
}

fn scan(store: &Store, t: &Tenant, after: Option<KeyId>, limit: u32) -> Vec<KeyId> {
    let q = IdleQuery {
        tenant: t.id,
        warn_before: at(WARN),
        suspend_before: at(SUSPEND),
        after,
        limit,
    };
    let keys = read(store, |tx| tx.keys_idle(&q)).unwrap();
    keys.iter().map(|k| k.id).collect()
}

fn sorted(mut ids: Vec<KeyId>) -> Vec<KeyId> {
    ids.sort_by_key(|id| *id.as_bytes());
    ids
}

/// Idle active keys come back (never used, or used long ago); keys used or
/// changed since the warning limit, keys not active, and other tenants'
/// keys do not; a key warned since it went idle comes back only once it is
/// due for suspension too. Pages follow the key id.
pub(crate) fn keys_idle_finds_what_the_rule_must_look_at(store: &Store) {
    let t = tenant("idle");
    let other = tenant("busy");
    let (never, nv) = active(&t, "never-used", WARN - 5, None);
    let (old, ov) = active(&t, "used-long-ago", SUSPEND - 50, Some(SUSPEND - 10));
    let (recent, rv) = active(&t, "used-lately", SUSPEND - 50, Some(WARN + 1));
    let (changed, cv) = active(&t, "changed-lately", WARN + 1, None);
    let (mut warned, wv) = active(&t, "warned", WARN - 5, None);
    warned.idle_warned_at = Some(at(WARN - 1));
    let (mut warned_due, dv) = active(&t, "warned-and-due", SUSPEND - 5, None);
    warned_due.idle_warned_at = Some(at(SUSPEND - 1));
    let (mut stale, sv) = active(&t, "warned-then-used", WARN - 50, Some(WARN - 5));
    stale.idle_warned_at = Some(at(WARN - 40));
    let (off, mut fv) = active(&t, "suspended", SUSPEND - 5, None);
    fv.meta.state = KeyState::Suspended;
    let (theirs, tv) = active(&other, "theirs", SUSPEND - 5, None);
    put(store, Some(&t), &never, &nv);
    for (k, v) in [
        (&old, &ov),
        (&recent, &rv),
        (&changed, &cv),
        (&warned, &wv),
        (&warned_due, &dv),
        (&stale, &sv),
        (&off, &fv),
    ] {
        put(store, None, k, v);
    }
    put(store, Some(&other), &theirs, &tv);
    let want = sorted(vec![never.id, old.id, warned_due.id, stale.id]);
    assert_eq!(scan(store, &t, None, 100), want);
    let first = scan(store, &t, None, 2);
    assert_eq!(first, want[..2].to_vec());
    assert_eq!(
        scan(store, &t, first.last().copied(), 100),
        want[2..].to_vec()
    );
}

/// A use is recorded only when it is later than the one stored, and moves
/// neither `updated_at` nor anything else; a warning is recorded the same
/// way; a use of a key that is gone is no error.
pub(crate) fn key_use_is_recorded_forward_only(store: &Store) {
    let t = tenant("use");
    let (k, v) = active(&t, "used", WARN, None);
    put(store, Some(&t), &k, &v);
    let get = || read(store, |tx| tx.key_get(t.id, k.id)).unwrap().unwrap();
    write(store, |tx| tx.key_mark_used(k.id, at(WARN + 100))).unwrap();
    write(store, |tx| tx.key_mark_used(k.id, at(WARN + 50))).unwrap();
    let used = get();
    assert_eq!(used.last_used_at, Some(at(WARN + 100)));
    assert_eq!(
        Key {
            last_used_at: None,
            ..used
        },
        k
    );
    write(store, |tx| {
        tx.key_mark_idle_warned(t.id, k.id, at(WARN + 200))
    })
    .unwrap();
    assert_eq!(get().idle_warned_at, Some(at(WARN + 200)));
    assert_eq!(get().updated_at, k.updated_at);
    let gone = KeyId::from_bytes([0xee; 16]);
    write(store, |tx| {
        tx.key_mark_used(gone, Timestamp::from_unix_seconds(1))
    })
    .unwrap();
}
