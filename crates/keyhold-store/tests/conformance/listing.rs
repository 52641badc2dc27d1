//! Listing a tenant's keys: filters, order, cursor pagination, limit.

use keyhold_core::{Algorithm, Key, KeyName, KeyState, Tenant, VersionNumber};
use keyhold_store::{KeyQuery, Store};

use super::fixtures::{key, tenant, version};
use super::{read, write};

/// A tenant holding one key per name (AES unless `algorithm` says otherwise).
fn tenant_with(
    store: &Store,
    names: &[&str],
    algorithm: fn(usize) -> Algorithm,
) -> (Tenant, Vec<Key>) {
    let t = tenant("lister");
    let noise = tenant("noise");
    let keys: Vec<Key> = names
        .iter()
        .enumerate()
        .map(|(i, n)| key(&t, n, algorithm(i)))
        .collect();
    write(store, |tx| {
        tx.tenant_insert(&t)?;
        tx.tenant_insert(&noise)?;
        // Another tenant's keys with the same names must never show up.
        for n in names {
            tx.key_insert(&key(&noise, n, Algorithm::Aes256Gcm))?;
        }
        keys.iter().try_for_each(|k| tx.key_insert(k))
    })
    .unwrap();
    (t, keys)
}

fn aes(_: usize) -> Algorithm {
    Algorithm::Aes256Gcm
}

fn names(store: &Store, t: &Tenant, q: &KeyQuery) -> Vec<String> {
    let keys = read(store, |tx| tx.keys(t.id, q)).unwrap();
    keys.into_iter().map(|k| k.name.to_string()).collect()
}

fn prefixed(prefix: &str, limit: u32) -> KeyQuery {
    KeyQuery {
        name_prefix: Some(prefix.into()),
        ..KeyQuery::first(limit)
    }
}

pub(crate) fn list_filters_by_name_prefix(store: &Store) {
    let (t, _) = tenant_with(store, &["b/a", "axb", "a", "a_b", "ab", "a.c", "b"], aes);
    assert_eq!(names(store, &t, &prefixed("a_", 100)), ["a_b"]);
    assert_eq!(
        names(store, &t, &prefixed("a", 100)),
        ["a", "a.c", "a_b", "ab", "axb"]
    );
    assert_eq!(names(store, &t, &prefixed("a.c", 100)), ["a.c"]);
    assert_eq!(names(store, &t, &prefixed("b", 100)), ["b", "b/a"]);
    assert_eq!(names(store, &t, &prefixed("", 100)).len(), 7);
    assert!(names(store, &t, &prefixed("A", 100)).is_empty());
    assert!(names(store, &t, &prefixed("zz", 100)).is_empty());
    assert!(names(store, &t, &prefixed("%", 100)).is_empty());
}

pub(crate) fn list_filters_by_algorithm(store: &Store) {
    fn alternate(i: usize) -> Algorithm {
        [
            Algorithm::Ed25519,
            Algorithm::HmacSha512,
            Algorithm::Aes256Gcm,
        ][i % 3]
    }
    let (t, _) = tenant_with(store, &["k0", "k1", "k2", "k3", "k4", "x5"], alternate);
    let by = |algorithm, prefix: &str| KeyQuery {
        algorithm: Some(algorithm),
        ..prefixed(prefix, 100)
    };
    assert_eq!(names(store, &t, &by(Algorithm::Ed25519, "")), ["k0", "k3"]);
    assert_eq!(
        names(store, &t, &by(Algorithm::Aes256Gcm, "")),
        ["k2", "x5"]
    );
    assert_eq!(names(store, &t, &by(Algorithm::Aes256Gcm, "k")), ["k2"]);
    assert!(names(store, &t, &by(Algorithm::MlDsa65, "")).is_empty());
}

pub(crate) fn list_filters_by_primary_version_state(store: &Store) {
    let (t, keys) = tenant_with(store, &["rotated", "fresh", "paused", "bare"], aes);
    let [rotated, fresh, paused, _bare] = &keys[..] else {
        unreachable!()
    };
    let mut rotated = rotated.clone();
    rotated.primary_version = VersionNumber::new(2).unwrap();
    write(store, |tx| {
        tx.key_update(&rotated)?;
        tx.version_insert(&version(&rotated, 1, KeyState::Deactivated))?;
        tx.version_insert(&version(&rotated, 2, KeyState::Active))?;
        tx.version_insert(&version(fresh, 1, KeyState::PreActive))?;
        tx.version_insert(&version(paused, 1, KeyState::Suspended))
    })
    .unwrap();
    let in_state = |state| KeyQuery {
        state: Some(state),
        ..KeyQuery::first(100)
    };
    assert_eq!(names(store, &t, &in_state(KeyState::Active)), ["rotated"]);
    assert!(names(store, &t, &in_state(KeyState::Deactivated)).is_empty());
    assert_eq!(names(store, &t, &in_state(KeyState::PreActive)), ["fresh"]);
    assert_eq!(names(store, &t, &in_state(KeyState::Suspended)), ["paused"]);
    assert_eq!(
        names(store, &t, &KeyQuery::first(100)),
        ["bare", "fresh", "paused", "rotated"]
    );
}

/// Every page of `q` (of `q.limit` keys) until an empty or short page.
fn all_pages(store: &Store, t: &Tenant, mut q: KeyQuery) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    for _ in 0..100 {
        let page = names(store, t, &q);
        let Some(last) = page.last() else { break };
        q.after = Some(last.parse::<KeyName>().unwrap());
        let short = page.len() < q.limit as usize;
        pages.push(page);
        if short {
            break;
        }
    }
    pages
}

pub(crate) fn list_pages_without_gaps_or_duplicates(store: &Store) {
    let owned: Vec<String> = (0..23)
        .map(|i| format!("key-{:02}", (i * 7) % 23))
        .collect();
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    let (t, _) = tenant_with(store, &refs, aes);
    let pages = all_pages(store, &t, KeyQuery::first(5));
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [5, 5, 5, 5, 3]);
    let mut expected = owned.clone();
    expected.sort();
    assert_eq!(pages.concat(), expected);
    let past_end = KeyQuery {
        after: Some("key-22".parse().unwrap()),
        ..KeyQuery::first(5)
    };
    assert!(names(store, &t, &past_end).is_empty());
}

pub(crate) fn list_pages_within_a_prefix(store: &Store) {
    let mut all = vec!["o/1", "q/1", "q/2", "p"];
    let ps: Vec<String> = (1..=9).map(|i| format!("p/{i}")).collect();
    all.extend(ps.iter().map(String::as_str));
    let (t, _) = tenant_with(store, &all, aes);
    assert_eq!(all_pages(store, &t, prefixed("p/", 4)).concat(), ps);
    let cursor = |after: &str| KeyQuery {
        after: Some(after.parse().unwrap()),
        ..prefixed("p/", 100)
    };
    assert_eq!(names(store, &t, &cursor("a")), ps);
    assert_eq!(names(store, &t, &cursor("p/7")), ["p/8", "p/9"]);
    assert!(names(store, &t, &cursor("p/9")).is_empty());
    assert!(names(store, &t, &cursor("z")).is_empty());
}

pub(crate) fn list_respects_the_limit(store: &Store) {
    let (t, _) = tenant_with(store, &["e", "d", "c", "b", "a"], aes);
    assert!(names(store, &t, &KeyQuery::first(0)).is_empty());
    assert_eq!(names(store, &t, &KeyQuery::first(3)), ["a", "b", "c"]);
    assert_eq!(names(store, &t, &KeyQuery::first(u32::MAX)).len(), 5);
}

pub(crate) fn list_filters_by_tag(store: &Store) {
    let (t, keys) = tenant_with(store, &["a", "b", "c", "d"], aes);
    let tagged = |k: &Key, tags: &[(&str, &str)]| Key {
        tags: tags
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        ..k.clone()
    };
    let [a, b, c, d] = &keys[..] else {
        unreachable!()
    };
    let noise = tenant("tag-noise");
    write(store, |tx| {
        tx.key_update(&tagged(a, &[("team", "pay"), ("env", "prod")]))?;
        tx.key_update(&tagged(b, &[("team", "pay")]))?;
        tx.key_update(&tagged(c, &[("team", "payments"), ("env", "pay")]))?;
        tx.key_update(&tagged(d, &[("Team", "pay"), ("x", "%")]))?;
        // Another tenant's key with the same tag never shows up.
        tx.tenant_insert(&noise)?;
        tx.key_insert(&tagged(
            &key(&noise, "a", Algorithm::Aes256Gcm),
            &[("team", "pay")],
        ))
    })
    .unwrap();
    let with_tag = |n: &str, v: &str| KeyQuery {
        tag: Some((n.into(), v.into())),
        ..KeyQuery::first(100)
    };
    assert_eq!(names(store, &t, &with_tag("team", "pay")), ["a", "b"]);
    assert_eq!(names(store, &t, &with_tag("env", "prod")), ["a"]);
    assert_eq!(names(store, &t, &with_tag("Team", "pay")), ["d"]);
    // Exact matches only: no prefix, no wildcard, no name/value mix-up.
    assert!(names(store, &t, &with_tag("team", "pa")).is_empty());
    assert!(names(store, &t, &with_tag("team", "%")).is_empty());
    assert!(names(store, &t, &with_tag("x", "_")).is_empty());
    assert!(names(store, &t, &with_tag("pay", "team")).is_empty());
    // Combined with the other filters and the cursor.
    let q = KeyQuery {
        after: Some("a".parse().unwrap()),
        ..with_tag("team", "pay")
    };
    assert_eq!(names(store, &t, &q), ["b"]);
    let q = KeyQuery {
        name_prefix: Some("b".into()),
        ..with_tag("team", "pay")
    };
    assert_eq!(names(store, &t, &q), ["b"]);
    let q = KeyQuery {
        state: Some(KeyState::Active),
        ..with_tag("team", "pay")
    };
    assert!(names(store, &t, &q).is_empty());
    // An update replaces the tags the filter sees; a rolled-back one does not.
    write(store, |tx| tx.key_update(&tagged(a, &[("team", "ops")]))).unwrap();
    assert_eq!(names(store, &t, &with_tag("team", "pay")), ["b"]);
    assert_eq!(names(store, &t, &with_tag("team", "ops")), ["a"]);
    assert!(names(store, &t, &with_tag("env", "prod")).is_empty());
    let failed = write(store, |tx| {
        tx.key_update(&tagged(b, &[("team", "gone")]))?;
        tx.key_insert(b)
    });
    assert!(failed.is_err());
    assert_eq!(names(store, &t, &with_tag("team", "pay")), ["b"]);
    assert!(names(store, &t, &with_tag("team", "gone")).is_empty());
}
