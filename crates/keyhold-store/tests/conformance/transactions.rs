//! Atomicity, error propagation and isolation of transactions.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread;
use std::time::{Duration, Instant};

use keyhold_core::{Algorithm, KeyState};
use keyhold_store::{KeyQuery, Store, StoreError, SystemKey, TxError};

use super::fixtures::{key, tenant, version};
use super::{read, write};

#[derive(Debug, PartialEq)]
struct Refused;

pub(crate) fn aborted_write_leaves_nothing(store: &Store) {
    let t = tenant("t");
    write(store, |tx| tx.tenant_insert(&t)).unwrap();
    let k = key(&t, "k", Algorithm::Aes256Gcm);
    let v = version(&k, 1, KeyState::Active);
    let result = store.write(|tx| {
        tx.key_insert(&k)?;
        tx.version_insert(&v)?;
        tx.system_put(SystemKey::RootCanary, b"canary")?;
        Err::<(), _>(TxError::Abort(Refused))
    });
    assert!(matches!(result, Err(TxError::Abort(Refused))));
    read(store, |tx| {
        assert_eq!(tx.key_get(t.id, k.id)?, None);
        assert_eq!(tx.version_by_id(v.meta.id)?, None);
        assert_eq!(tx.system_get(SystemKey::RootCanary)?, None);
        Ok(())
    })
    .unwrap();
    // Nothing half-written is in the way of doing it for real.
    write(store, |tx| {
        tx.key_insert(&k)?;
        tx.version_insert(&v)
    })
    .unwrap();
    assert_eq!(read(store, |tx| tx.versions(k.id)).unwrap(), vec![v]);
}

pub(crate) fn store_error_inside_a_write_rolls_back(store: &Store) {
    let t = tenant("t");
    let k = key(&t, "k", Algorithm::Aes256Gcm);
    let dup = key(&t, "k", Algorithm::HmacSha256);
    let result = store.write(|tx| {
        tx.tenant_insert(&t)?;
        tx.key_insert(&k)?;
        tx.key_insert(&dup)?;
        Ok::<_, TxError<Refused>>("committed")
    });
    assert!(
        matches!(
            result,
            Err(TxError::Store(StoreError::Conflict { entity: "key" }))
        ),
        "{result:?}"
    );
    read(store, |tx| {
        assert_eq!(tx.tenant_get(t.id)?, None);
        assert_eq!(tx.key_get(t.id, k.id)?, None);
        Ok(())
    })
    .unwrap();
}

pub(crate) fn abort_from_a_read_passes_through(store: &Store) {
    let result = store.read(|tx| {
        tx.tenants()?;
        Err::<(), _>(TxError::Abort(Refused))
    });
    assert!(matches!(result, Err(TxError::Abort(Refused))));
    assert_eq!(read(store, |tx| tx.tenants()).unwrap(), vec![]);
}

pub(crate) fn panic_inside_a_write_rolls_back(store: &Store) {
    let t = tenant("t");
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        store.write(|tx| -> Result<(), TxError<Refused>> {
            tx.tenant_insert(&t)?;
            panic!("the body fails half way");
        })
    }));
    assert!(outcome.is_err());
    assert_eq!(read(store, |tx| tx.tenant_get(t.id)).unwrap(), None);
    write(store, |tx| tx.tenant_insert(&t)).unwrap();
    assert_eq!(read(store, |tx| tx.tenant_get(t.id)).unwrap(), Some(t));
}

const ROUNDS: u32 = 30;

/// Each round commits a key, its version and the new key count together.
fn write_rounds(store: &Store, t: &keyhold_core::Tenant) {
    for i in 1..=ROUNDS {
        let k = key(t, &format!("k{i:03}"), Algorithm::Aes256Gcm);
        write(store, |tx| {
            tx.key_insert(&k)?;
            tx.version_insert(&version(&k, 1, KeyState::Active))?;
            tx.system_put(SystemKey::RootGeneration, &i.to_be_bytes())
        })
        .unwrap();
    }
}

/// Reads until the last round is seen; every snapshot must be whole.
fn read_until_done(store: &Store, t: &keyhold_core::Tenant) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = 0;
    while last < ROUNDS {
        assert!(Instant::now() < deadline, "writer never finished");
        let (count, keys) = read(store, |tx| {
            let keys = tx.keys(t.id, &KeyQuery::first(1000))?;
            for k in &keys {
                assert!(
                    tx.version_get(k.id, k.primary_version)?.is_some(),
                    "torn read"
                );
            }
            let count = tx
                .system_get(SystemKey::RootGeneration)?
                .map_or(0, |b| u32::from_be_bytes(b.try_into().unwrap()));
            Ok((count, keys.len() as u32))
        })
        .unwrap();
        assert_eq!(count, keys, "snapshot mixes two commits");
        assert!(count >= last, "went back in time");
        last = count;
        thread::yield_now();
    }
}

pub(crate) fn readers_see_consistent_snapshots_while_writing(store: &Store) {
    let t = tenant("t");
    write(store, |tx| tx.tenant_insert(&t)).unwrap();
    thread::scope(|s| {
        let readers: Vec<_> = (0..3)
            .map(|_| s.spawn(|| read_until_done(store, &t)))
            .collect();
        write_rounds(store, &t);
        for r in readers {
            r.join().unwrap();
        }
    });
}
