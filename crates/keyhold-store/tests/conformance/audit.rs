//! The audit trail: events round trip, the head follows the last event, only
//! the head's successor is appended, appends through group commit form one
//! chain without gaps, queries filter and page, checkpoints are kept, and the
//! chain read back verifies.

use std::collections::BTreeSet;
use std::sync::Arc;

use keyhold_core::Action;
use keyhold_core::audit::{
    AuditEvent, AuditRecord, AuthMethod, BreakKind, ChainHead, Checkpoint, Interface, OutcomeKind,
    verify_chain,
};
use keyhold_crypto::audit_chain::AuditChain;
use keyhold_store::{AuditQuery, Store, StoreError, TxError};

use super::fixtures::{
    at, audit_chain, audit_key, audit_principal, audit_record, audit_tenant, next_event, tenant,
};
use super::{read, write};

/// Appends records `0..n`, one write each, and returns the events.
fn append(store: &Store, chain: &AuditChain, n: usize) -> Vec<AuditEvent> {
    (0..n)
        .map(|i| {
            write(store, |tx| {
                let e = next_event(chain, tx.audit_head()?, audit_record(i));
                tx.audit_append(&e)?;
                Ok(e)
            })
            .unwrap()
        })
        .collect()
}

fn all_events(store: &Store) -> Vec<AuditEvent> {
    read(store, |tx| tx.audit_range(1, u64::MAX, u32::MAX)).unwrap()
}

fn head_of(e: &AuditEvent) -> ChainHead {
    ChainHead {
        seq: e.seq,
        hash: e.hash,
    }
}

/// Every action, interface, auth method and outcome kind is written and
/// read back unchanged, by range and by query.
pub(crate) fn audit_events_round_trip_every_name(store: &Store) {
    let events = append(store, &audit_chain(), Action::ALL.len());
    let records: Vec<&AuditRecord> = events.iter().map(|e| &e.record).collect();
    let actions: BTreeSet<&str> = records.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions.len(), Action::ALL.len());
    for auth in AuthMethod::ALL {
        assert!(records.iter().any(|r| r.auth == auth), "{auth:?}");
    }
    for interface in Interface::ALL {
        assert!(records.iter().any(|r| r.interface == interface));
    }
    for kind in OutcomeKind::ALL {
        assert!(records.iter().any(|r| r.outcome.kind() == kind));
    }
    assert!(
        records
            .iter()
            .any(|r| r.tenant.is_none() && r.key.is_none())
    );
    assert_eq!(all_events(store), events);
    let queried = read(store, |tx| tx.audit_events(&AuditQuery::after(0, 1000))).unwrap();
    assert_eq!(queried, events);
}

/// The head is genesis on an empty trail, then the last event appended.
pub(crate) fn audit_head_tracks_the_last_event(store: &Store) {
    assert_eq!(
        read(store, |tx| tx.audit_head()).unwrap(),
        ChainHead::GENESIS
    );
    let chain = audit_chain();
    let first = append(store, &chain, 1).pop().unwrap();
    assert_eq!(first.seq, 1);
    assert_eq!(read(store, |tx| tx.audit_head()).unwrap(), head_of(&first));
    let more = write(store, |tx| {
        let mut last = None;
        for i in 1..4 {
            let e = next_event(&chain, tx.audit_head()?, audit_record(i));
            tx.audit_append(&e)?;
            assert_eq!(tx.audit_head()?, head_of(&e), "seen inside the write");
            last = Some(e);
        }
        Ok(last)
    })
    .unwrap()
    .unwrap();
    assert_eq!(more.seq, 4);
    assert_eq!(read(store, |tx| tx.audit_head()).unwrap(), head_of(&more));
}

/// A gap, a repeat or a fork is refused, and the write it was part of
/// leaves nothing behind.
pub(crate) fn audit_append_refuses_gaps_repeats_and_forks(store: &Store) {
    let chain = audit_chain();
    let genesis = ChainHead::GENESIS;
    let second = next_event(&chain, ChainHead { seq: 1, ..genesis }, audit_record(1));
    let err = write(store, |tx| tx.audit_append(&second)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::AuditSequence {
                expected: 1,
                got: 2
            }
        ),
        "{err:?}"
    );
    let first = append(store, &chain, 1).pop().unwrap();
    let t = tenant("bystander");
    let err = write(store, |tx| {
        tx.tenant_insert(&t)?;
        tx.audit_append(&first)
    })
    .unwrap_err();
    assert!(matches!(
        err,
        StoreError::AuditSequence {
            expected: 2,
            got: 1
        }
    ));
    let gap = next_event(
        &chain,
        ChainHead {
            seq: 2,
            ..head_of(&first)
        },
        audit_record(3),
    );
    let err = write(store, |tx| tx.audit_append(&gap)).unwrap_err();
    assert!(matches!(
        err,
        StoreError::AuditSequence {
            expected: 2,
            got: 3
        }
    ));
    let fork = next_event(&chain, ChainHead { seq: 1, ..genesis }, audit_record(2));
    let err = write(store, |tx| tx.audit_append(&fork)).unwrap_err();
    assert!(matches!(err, StoreError::AuditPrev { seq: 2 }), "{err:?}");
    assert!(err.to_string().contains("does not follow"));
    assert_eq!(all_events(store), vec![first.clone()]);
    assert_eq!(read(store, |tx| tx.audit_head()).unwrap(), head_of(&first));
    assert!(read(store, |tx| tx.tenants()).unwrap().is_empty());
}

/// `Store::write` from many threads at once (concurrent writes may share
/// one transaction, each body between a savepoint and its release): every
/// body that returns `Ok` lands with its audit event, in one gap-free
/// chain; a body that aborts, hits a store error or panics leaves nothing,
/// and the others of its transaction are unharmed.
pub(crate) fn direct_writes_from_many_threads_form_one_chain(store: &Store) {
    let chain = Arc::new(audit_chain());
    let taken = super::fixtures::tenant("dw-taken");
    write(store, |tx| tx.tenant_insert(&taken)).unwrap();
    let committed: Vec<(u64, String)> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|thread| {
                let chain = Arc::clone(&chain);
                s.spawn(move || {
                    (0..25)
                        .filter_map(|i| direct_write(store, &chain, thread * 25 + i))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    });
    // n % 10 == 3 aborts, == 5 conflicts, == 7 panics: 140 of 200 land.
    assert_eq!(committed.len(), 140);
    let distinct: BTreeSet<u64> = committed.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(distinct, (1..=140).collect());
    let events = all_events(store);
    assert_eq!(events.len(), 140);
    verify_chain(&events, chain.as_ref(), ChainHead::GENESIS).unwrap();
    let tenants = read(store, |tx| tx.tenants()).unwrap();
    let mut names: Vec<String> = tenants.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    let mut expected: Vec<String> = committed.into_iter().map(|(_, n)| n).collect();
    expected.push("dw-taken".to_owned());
    expected.sort();
    assert_eq!(names, expected);
}

/// One direct write of [`direct_writes_from_many_threads_form_one_chain`]:
/// a tenant and an audit event; `Some((seq, tenant name))` if it landed.
fn direct_write(store: &Store, chain: &AuditChain, n: usize) -> Option<(u64, String)> {
    let name = format!("dw-{n:03}");
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.write(|tx| {
            let e = next_event(chain, tx.audit_head()?, audit_record(n));
            tx.audit_append(&e)?;
            let t = super::fixtures::tenant(if n % 10 == 5 { "dw-taken" } else { &name });
            tx.tenant_insert(&t)?;
            match n % 10 {
                3 => Err(TxError::Abort("request failed after all")),
                7 => panic!("body {n} panics"),
                _ => Ok(e.seq),
            }
        })
    }));
    match (n % 10, attempt) {
        (3, Ok(Err(TxError::Abort(_)))) | (7, Err(_)) => None,
        (5, Ok(Err(TxError::Store(StoreError::Conflict { .. })))) => None,
        (_, Ok(Ok(seq))) => Some((seq, name)),
        (_, Ok(Err(e))) => panic!("write {n} failed: {e}"),
        (_, Err(_)) => panic!("write {n} panicked"),
    }
}

/// Bodies submitted from many threads, each reading the head and appending
/// its successor, form one chain without gaps, even when some of them roll
/// back after appending.
pub(crate) fn concurrent_audit_appends_form_one_chain(store: &Store) {
    let chain = Arc::new(audit_chain());
    let committed: Vec<u64> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|thread| {
                let chain = Arc::clone(&chain);
                s.spawn(move || {
                    let pending: Vec<_> = (0..25)
                        .map(|i| {
                            let chain = Arc::clone(&chain);
                            let n = thread * 25 + i;
                            store.submit(move |tx| {
                                let e = next_event(&chain, tx.audit_head()?, audit_record(n));
                                tx.audit_append(&e)?;
                                if n % 10 == 3 {
                                    return Err(TxError::Abort("request failed after all"));
                                }
                                Ok(e.seq)
                            })
                        })
                        .collect();
                    pending
                        .into_iter()
                        .filter_map(|p| match p.wait() {
                            Ok(seq) => Some(seq),
                            Err(TxError::Abort(_)) => None,
                            Err(e) => panic!("append failed: {e}"),
                        })
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    });
    assert_eq!(committed.len(), 180);
    let distinct: BTreeSet<u64> = committed.iter().copied().collect();
    assert_eq!(distinct, (1..=180).collect());
    let events = all_events(store);
    assert_eq!(events.len(), 180);
    let head = verify_chain(&events, chain.as_ref(), ChainHead::GENESIS).unwrap();
    assert_eq!(head.seq, 180);
    assert_eq!(read(store, |tx| tx.audit_head()).unwrap(), head);
}

/// Appends through `submit_audit` from many threads form one chain without
/// gaps; a build that fails leaves no trace; an event whose checkpoint
/// cannot be stored is rolled back with it.
pub(crate) fn submitted_audit_appends_form_one_chain(store: &Store) {
    let chain = Arc::new(audit_chain());
    let committed: Vec<u64> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let chain = Arc::clone(&chain);
                s.spawn(move || {
                    let pending: Vec<_> = (0..25)
                        .map(|i| {
                            let chain = Arc::clone(&chain);
                            let n = thread * 25 + i;
                            store.submit_audit(move |head| {
                                if n % 10 == 3 {
                                    return Err("no record after all");
                                }
                                let e = next_event(&chain, head, audit_record(n));
                                let due = (e.seq % 10 == 0).then(|| checkpoint(&e));
                                Ok((e, due))
                            })
                        })
                        .collect();
                    pending
                        .into_iter()
                        .filter_map(|p| match p.wait() {
                            Ok(seq) => Some(seq),
                            Err(TxError::Abort(_)) => None,
                            Err(e) => panic!("append failed: {e}"),
                        })
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    });
    let distinct: BTreeSet<u64> = committed.iter().copied().collect();
    assert_eq!(distinct, (1..=90).collect());
    let events = all_events(store);
    let head = verify_chain(&events, chain.as_ref(), ChainHead::GENESIS).unwrap();
    assert_eq!(head.seq, 90);
    let checkpoints = read(store, |tx| tx.audit_checkpoints(0, 100)).unwrap();
    let seqs: Vec<u64> = checkpoints.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (1..=9).map(|n| n * 10).collect::<Vec<u64>>());

    // A checkpoint that cannot be stored (one for seq 10 exists already):
    // the event goes too, and the head does not move.
    let chain2 = Arc::clone(&chain);
    let err = store
        .submit_audit(move |head| {
            let e = next_event(&chain2, head, audit_record(7));
            let clash = checkpoints.first().cloned();
            Ok::<_, &str>((e, clash))
        })
        .wait()
        .unwrap_err();
    assert!(matches!(err, TxError::Store(_)), "{err:?}");
    assert_eq!(read(store, |tx| tx.audit_head()).unwrap(), head);
    assert_eq!(all_events(store).len(), 90);
}

/// Whether `e` matches `q`'s filters (the cursor and limit aside).
fn matches(q: &AuditQuery, e: &AuditEvent) -> bool {
    let r = &e.record;
    q.time_from.is_none_or(|t| r.time >= t)
        && q.time_to.is_none_or(|t| r.time < t)
        && q.tenant.is_none_or(|t| r.tenant == Some(t))
        && q.principal.is_none_or(|p| r.principal == Some(p))
        && q.key.is_none_or(|k| r.key == Some(k))
        && q.action.is_none_or(|a| r.action == a)
        && q.outcome.is_none_or(|o| r.outcome.kind() == o)
}

/// Queries exercising every filter alone and a few together.
fn filter_queries() -> Vec<AuditQuery> {
    let all = AuditQuery::after(0, 1000);
    let mut qs = vec![
        AuditQuery {
            time_from: Some(at(1_800_000_010)),
            ..all.clone()
        },
        AuditQuery {
            time_to: Some(at(1_800_000_010)),
            ..all.clone()
        },
        AuditQuery {
            time_from: Some(at(1_800_000_020)),
            time_to: Some(at(1_800_000_030)),
            ..all.clone()
        },
        AuditQuery {
            tenant: Some(audit_tenant(1)),
            ..all.clone()
        },
        AuditQuery {
            principal: Some(audit_principal(2)),
            ..all.clone()
        },
        AuditQuery {
            key: Some(audit_key(3)),
            ..all.clone()
        },
        AuditQuery {
            action: Some(Action::ALL[5]),
            ..all.clone()
        },
        AuditQuery {
            tenant: Some(audit_tenant(0)),
            outcome: Some(OutcomeKind::Denied),
            ..all.clone()
        },
        AuditQuery {
            key: Some(audit_key(1)),
            principal: Some(audit_principal(0)),
            time_to: Some(at(1_800_000_050)),
            ..all.clone()
        },
        AuditQuery {
            action: Some(Action::ALL[2]),
            outcome: Some(OutcomeKind::Error),
            ..all.clone()
        },
    ];
    for kind in OutcomeKind::ALL {
        qs.push(AuditQuery {
            outcome: Some(kind),
            ..all.clone()
        });
    }
    qs.push(all);
    qs
}

/// Every filter returns exactly the matching events, in sequence order.
pub(crate) fn audit_queries_filter_by_every_field(store: &Store) {
    let events = append(store, &audit_chain(), 80);
    for q in filter_queries() {
        let want: Vec<AuditEvent> = events.iter().filter(|e| matches(&q, e)).cloned().collect();
        assert!(!want.is_empty(), "the fixture must match {q:?}");
        assert!(want.len() < events.len() || q == AuditQuery::after(0, 1000));
        let got = read(store, |tx| tx.audit_events(&q)).unwrap();
        assert_eq!(got, want, "{q:?}");
    }
    let none = AuditQuery {
        key: Some(audit_key(9)),
        ..AuditQuery::after(0, 1000)
    };
    assert!(read(store, |tx| tx.audit_events(&none)).unwrap().is_empty());
}

/// Pages of a filtered query, each continuing after the last event of the
/// one before, cover the matching events once each; the limit holds.
pub(crate) fn audit_queries_page_without_gaps_or_duplicates(store: &Store) {
    let events = append(store, &audit_chain(), 60);
    for mut q in filter_queries() {
        q.limit = 4;
        let want: Vec<&AuditEvent> = events.iter().filter(|e| matches(&q, e)).collect();
        let mut got = Vec::new();
        loop {
            let page = read(store, |tx| tx.audit_events(&q)).unwrap();
            assert!(page.len() <= 4);
            let Some(last) = page.last() else { break };
            q.after = last.seq;
            got.extend(page);
        }
        assert_eq!(got.iter().collect::<Vec<_>>(), want, "{q:?}");
    }
    let zero = AuditQuery::after(0, 0);
    assert!(read(store, |tx| tx.audit_events(&zero)).unwrap().is_empty());
    let past = AuditQuery::after(u64::MAX, 10);
    assert!(read(store, |tx| tx.audit_events(&past)).unwrap().is_empty());
}

/// A range reads in chunks and stops at its end, its limit, or the head.
pub(crate) fn audit_range_reads_in_chunks(store: &Store) {
    let events = append(store, &audit_chain(), 30);
    let mut got = Vec::new();
    let mut from = 1;
    loop {
        let chunk = read(store, |tx| tx.audit_range(from, 30, 7)).unwrap();
        let Some(last) = chunk.last() else { break };
        from = last.seq + 1;
        got.extend(chunk);
    }
    assert_eq!(got, events);
    let middle = read(store, |tx| tx.audit_range(10, 12, 100)).unwrap();
    assert_eq!(middle, events[9..12].to_vec());
    assert!(
        read(store, |tx| tx.audit_range(12, 10, 100))
            .unwrap()
            .is_empty()
    );
    assert!(
        read(store, |tx| tx.audit_range(31, u64::MAX, 100))
            .unwrap()
            .is_empty()
    );
}

fn checkpoint(e: &AuditEvent) -> Checkpoint {
    Checkpoint {
        seq: e.seq,
        hash: e.hash,
        time: at(1_900_000_000 + e.seq as i64),
        signer: vec![0xf1, 0x9e],
        signature: vec![e.seq as u8; 64],
    }
}

/// Checkpoints are kept in order, one per event, only for stored events.
pub(crate) fn audit_checkpoints_round_trip(store: &Store) {
    assert_eq!(read(store, |tx| tx.audit_last_checkpoint()).unwrap(), None);
    let events = append(store, &audit_chain(), 10);
    let cps: Vec<Checkpoint> = [2, 5, 8].iter().map(|&i| checkpoint(&events[i])).collect();
    write(store, |tx| {
        for cp in &cps {
            tx.audit_checkpoint_put(cp)?;
        }
        Ok(())
    })
    .unwrap();
    read(store, |tx| {
        assert_eq!(tx.audit_checkpoints(0, 10)?, cps);
        assert_eq!(tx.audit_checkpoints(3, 10)?, cps[1..].to_vec());
        assert_eq!(tx.audit_checkpoints(0, 2)?, cps[..2].to_vec());
        assert!(tx.audit_checkpoints(9, 10)?.is_empty());
        assert_eq!(tx.audit_last_checkpoint()?, Some(cps[2].clone()));
        Ok(())
    })
    .unwrap();
    let mut again = cps[1].clone();
    again.signature = vec![0; 64];
    let err = write(store, |tx| tx.audit_checkpoint_put(&again)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                entity: "audit checkpoint"
            }
        ),
        "{err:?}"
    );
    let mut beyond = checkpoint(&events[9]);
    beyond.seq = 11;
    let err = write(store, |tx| tx.audit_checkpoint_put(&beyond)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::MissingParent {
                entity: "audit checkpoint",
                parent: "audit event"
            }
        ),
        "{err:?}"
    );
    let kept = read(store, |tx| tx.audit_checkpoints(0, 10)).unwrap();
    assert_eq!(kept, cps);
}

/// The chain read back from the store verifies with its MACs and offline,
/// to the stored head; an edit of the copy read back is caught.
pub(crate) fn audit_chain_verifies_after_a_round_trip(store: &Store) {
    let chain = audit_chain();
    append(store, &chain, 25);
    let events = all_events(store);
    let head = read(store, |tx| tx.audit_head()).unwrap();
    assert_eq!(verify_chain(&events, &chain, ChainHead::GENESIS), Ok(head));
    let offline = AuditChain::offline();
    assert_eq!(
        verify_chain(&events, &offline, ChainHead::GENESIS),
        Ok(head)
    );
    // In chunks, each continuing from the head of the one before.
    let mut at_head = ChainHead::GENESIS;
    loop {
        let chunk = read(store, |tx| tx.audit_range(at_head.seq + 1, u64::MAX, 6)).unwrap();
        if chunk.is_empty() {
            break;
        }
        at_head = verify_chain(&chunk, &chain, at_head).unwrap();
    }
    assert_eq!(at_head, head);
    let mut edited = events;
    edited[11]
        .record
        .context
        .insert("n".into(), "edited".into());
    let broken = verify_chain(&edited, &chain, ChainHead::GENESIS).unwrap_err();
    assert_eq!((broken.seq, broken.kind), (12, BreakKind::Hash));
}
