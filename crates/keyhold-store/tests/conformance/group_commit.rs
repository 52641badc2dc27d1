//! Group commit (`Store::submit`): bodies of many callers share one commit,
//! each succeeds or fails alone, and a result means the write is durable.

use std::convert::Infallible;

use keyhold_core::TenantName;
use keyhold_store::{Pending, Store, StoreError, TxError};

use super::fixtures::tenant;
use super::read;

fn names(store: &Store) -> Vec<String> {
    let mut all: Vec<String> = read(store, |tx| tx.tenants())
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    all.sort();
    all
}

/// Writes from many threads at once all land, each exactly once.
pub(crate) fn submitted_writes_from_many_threads_all_land(store: &Store) {
    std::thread::scope(|s| {
        for thread in 0..8 {
            s.spawn(move || {
                let pending: Vec<Pending<(), Infallible>> = (0..25)
                    .map(|i| {
                        let t = tenant(&format!("t{thread}-{i:02}"));
                        store.submit(move |tx| Ok(tx.tenant_insert(&t)?))
                    })
                    .collect();
                for p in pending {
                    p.wait().unwrap();
                }
            });
        }
    });
    let all = names(store);
    assert_eq!(all.len(), 200);
    assert!(all.contains(&"t7-24".to_owned()));
}

/// In one burst of submissions, bodies that abort, hit a conflict or panic
/// are rolled back alone; every other body commits.
pub(crate) fn failing_bodies_leave_the_rest_of_the_batch_alone(store: &Store) {
    let existing = tenant("taken");
    let taken_name = existing.name.clone();
    store
        .submit(move |tx| Ok::<_, TxError<Infallible>>(tx.tenant_insert(&existing)?))
        .wait()
        .unwrap();
    let pending: Vec<(usize, Pending<(), &'static str>)> = (0..60)
        .map(|i| {
            let name = taken_name.clone();
            let p = store.submit(move |tx| {
                let mut t = tenant(&format!("ok-{i:02}"));
                tx.tenant_insert(&t)?;
                match i % 4 {
                    1 => Err(TxError::Abort("changed my mind")),
                    2 => {
                        t = tenant(name.as_str());
                        Ok(tx.tenant_insert(&t)?)
                    }
                    3 if i % 12 == 3 => panic!("body {i} panics"),
                    _ => Ok(()),
                }
            });
            (i, p)
        })
        .collect();
    let mut expected = vec!["taken".to_owned()];
    for (i, p) in pending {
        match (i % 4, p.wait()) {
            (1, Err(TxError::Abort(reason))) => assert_eq!(reason, "changed my mind"),
            (2, Err(TxError::Store(StoreError::Conflict { .. }))) => {}
            (3, Err(TxError::Store(StoreError::Panicked))) if i % 12 == 3 => {}
            (0 | 3, Ok(())) => expected.push(format!("ok-{i:02}")),
            (_, other) => panic!("body {i}: unexpected {other:?}"),
        }
    }
    expected.sort();
    assert_eq!(names(store), expected);
    // The writer still works after a panic.
    let after = tenant("after");
    store
        .submit(move |tx| Ok::<_, TxError<Infallible>>(tx.tenant_insert(&after)?))
        .wait()
        .unwrap();
    let name: TenantName = "after".parse().unwrap();
    assert!(
        read(store, |tx| tx.tenant_by_name(&name))
            .unwrap()
            .is_some()
    );
}

/// Direct writes and submitted ones see each other's committed rows.
pub(crate) fn submitted_and_direct_writes_interleave(store: &Store) {
    for i in 0..10 {
        let t = tenant(&format!("sub-{i}"));
        store
            .submit(move |tx| Ok::<_, TxError<Infallible>>(tx.tenant_insert(&t)?))
            .wait()
            .unwrap();
        let name: TenantName = format!("sub-{i}").parse().unwrap();
        let direct = tenant(&format!("dir-{i}"));
        super::write(store, |tx| {
            assert!(tx.tenant_by_name(&name)?.is_some());
            tx.tenant_insert(&direct)
        })
        .unwrap();
    }
    assert_eq!(names(store).len(), 20);
}
