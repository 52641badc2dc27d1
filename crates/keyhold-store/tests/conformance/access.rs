//! Access control, identities: principals, tokens, certificate bindings and
//! TOTP enrollments. Round trips, tenant scoping, conflicts, missing rows and
//! parents, cursors, and the cascade of a principal's deletion.

use keyhold_core::{
    CertBinding, CertMatcher, PrincipalId, PrincipalName, RoleName, Tenant, TenantId, TokenId,
    TokenRefusal,
};
use keyhold_store::{Store, StoreError};

use super::fixtures::{at, full_principal, full_token, mfa, principal, tenant, token, uuid};
use super::{read, write};

/// Two tenants, stored.
fn two_tenants(store: &Store) -> (Tenant, Tenant) {
    let a = tenant("a");
    let b = tenant("b");
    write(store, |tx| {
        tx.tenant_insert(&a)?;
        tx.tenant_insert(&b)
    })
    .unwrap();
    (a, b)
}

fn role(name: &str) -> RoleName {
    name.parse().unwrap()
}

fn conflict(err: &StoreError) -> Option<&'static str> {
    match err {
        StoreError::Conflict { entity } => Some(entity),
        _ => None,
    }
}

fn not_found(err: &StoreError) -> Option<&'static str> {
    match err {
        StoreError::NotFound { entity } => Some(entity),
        _ => None,
    }
}

fn missing_parent(err: &StoreError) -> Option<(&'static str, &'static str)> {
    match err {
        StoreError::MissingParent { entity, parent } => Some((entity, parent)),
        _ => None,
    }
}

pub(crate) fn principals_round_trip_scoped_to_their_tenant(store: &Store) {
    let (a, b) = two_tenants(store);
    let min = principal(&a, "zed");
    let full = full_principal(&a, "alice", &["admin", "payments-ops"]);
    write(store, |tx| {
        tx.principal_insert(&min)?;
        tx.principal_insert(&full)
    })
    .unwrap();
    read(store, |tx| {
        for p in [&min, &full] {
            assert_eq!(tx.principal_get(a.id, p.id)?.as_ref(), Some(p));
            assert_eq!(tx.principal_by_name(a.id, &p.name)?.as_ref(), Some(p));
            assert_eq!(tx.principal_get(b.id, p.id)?, None);
            assert_eq!(tx.principal_by_name(b.id, &p.name)?, None);
        }
        assert_eq!(
            tx.principal_get(a.id, PrincipalId::from_uuid(uuid()))?,
            None
        );
        assert_eq!(
            tx.principals(a.id, None, 10)?,
            vec![full.clone(), min.clone()]
        );
        assert_eq!(tx.principals(b.id, None, 10)?, vec![]);
        Ok(())
    })
    .unwrap();
}

pub(crate) fn principal_conflicts_parents_and_missing_rows(store: &Store) {
    let (a, b) = two_tenants(store);
    let alice = principal(&a, "alice");
    let bob = principal(&a, "bob");
    write(store, |tx| {
        tx.principal_insert(&alice)?;
        tx.principal_insert(&bob)?;
        tx.principal_insert(&principal(&b, "alice"))
    })
    .unwrap();
    let mut same_id = principal(&a, "carol");
    same_id.id = alice.id;
    for dup in [principal(&a, "alice"), same_id] {
        let err = write(store, |tx| tx.principal_insert(&dup)).unwrap_err();
        assert_eq!(conflict(&err), Some("principal"), "{err:?}");
    }
    let mut renamed = bob.clone();
    renamed.name = alice.name.clone();
    let err = write(store, |tx| tx.principal_update(&renamed)).unwrap_err();
    assert_eq!(conflict(&err), Some("principal"), "{err:?}");
    let ghost = principal(&tenant("ghost"), "x");
    let err = write(store, |tx| tx.principal_insert(&ghost)).unwrap_err();
    assert_eq!(
        missing_parent(&err),
        Some(("principal", "tenant")),
        "{err:?}"
    );
    let mut elsewhere = bob.clone();
    elsewhere.tenant = b.id;
    for missing in [principal(&a, "nobody"), elsewhere] {
        let err = write(store, |tx| tx.principal_update(&missing)).unwrap_err();
        assert_eq!(not_found(&err), Some("principal"), "{err:?}");
    }
    let mut changed = full_principal(&a, "bobby", &["auditor"]);
    changed.id = bob.id;
    write(store, |tx| tx.principal_update(&changed)).unwrap();
    read(store, |tx| {
        assert_eq!(tx.principal_get(a.id, bob.id)?.as_ref(), Some(&changed));
        assert_eq!(tx.principal_by_name(a.id, &bob.name)?, None);
        Ok(())
    })
    .unwrap();
}

pub(crate) fn principals_page_by_name(store: &Store) {
    let (a, b) = two_tenants(store);
    let names = ["m", "a.b", "a", "z/1", "a_b", "b", "B"];
    write(store, |tx| {
        for n in names {
            tx.principal_insert(&principal(&a, n))?;
            tx.principal_insert(&principal(&b, n))?;
        }
        Ok(())
    })
    .unwrap();
    let mut sorted: Vec<&str> = names.to_vec();
    sorted.sort_unstable();
    let mut seen = Vec::new();
    let mut cursor: Option<PrincipalName> = None;
    loop {
        let page = read(store, |tx| tx.principals(a.id, cursor.as_ref(), 3)).unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        cursor = Some(last.name.clone());
        assert!(page.iter().all(|p| p.tenant == a.id));
        seen.extend(page.iter().map(|p| p.name.to_string()));
    }
    assert_eq!(seen, sorted);
    assert_eq!(
        read(store, |tx| tx.principals(a.id, None, 0)).unwrap(),
        vec![]
    );
}

pub(crate) fn principals_with_role_follow_updates(store: &Store) {
    let (a, b) = two_tenants(store);
    let p1 = full_principal(&a, "p1", &["approver", "auditor"]);
    let p2 = full_principal(&a, "p2", &["approver"]);
    let p3 = full_principal(&a, "p3", &["key-user"]);
    let other = full_principal(&b, "p0", &["approver"]);
    write(store, |tx| {
        for p in [&p2, &p1, &p3, &other] {
            tx.principal_insert(p)?;
        }
        Ok(())
    })
    .unwrap();
    let holders = |t: TenantId, r: &str| -> Vec<PrincipalId> {
        let found = read(store, |tx| tx.principals_with_role(t, &role(r))).unwrap();
        found.into_iter().map(|p| p.id).collect()
    };
    assert_eq!(holders(a.id, "approver"), [p1.id, p2.id]);
    assert_eq!(holders(a.id, "auditor"), [p1.id]);
    assert_eq!(holders(b.id, "approver"), [other.id]);
    assert!(holders(a.id, "admin").is_empty());

    let mut demoted = p1.clone();
    demoted.roles = [role("admin")].into();
    write(store, |tx| tx.principal_update(&demoted)).unwrap();
    assert_eq!(holders(a.id, "approver"), [p2.id]);
    assert_eq!(holders(a.id, "admin"), [p1.id]);
    assert!(holders(a.id, "auditor").is_empty());
    write(store, |tx| tx.principal_delete(a.id, p2.id)).unwrap();
    assert!(holders(a.id, "approver").is_empty());
}

pub(crate) fn principal_delete_takes_its_tokens_certs_and_mfa(store: &Store) {
    let (a, b) = two_tenants(store);
    let gone = full_principal(&a, "gone", &["admin"]);
    let kept = principal(&a, "kept");
    let (t1, t2, t_kept) = (token(&gone), full_token(&gone), token(&kept));
    let cert = CertBinding {
        tenant: a.id,
        principal: gone.id,
        matcher: CertMatcher::Fingerprint([1; 32]),
    };
    let cert_kept = CertBinding {
        principal: kept.id,
        matcher: CertMatcher::subject("CN=kept").unwrap(),
        ..cert.clone()
    };
    write(store, |tx| {
        tx.principal_insert(&gone)?;
        tx.principal_insert(&kept)?;
        [&t1, &t2, &t_kept]
            .into_iter()
            .try_for_each(|t| tx.token_insert(t))?;
        tx.cert_bind(&cert)?;
        tx.cert_bind(&cert_kept)?;
        tx.mfa_put(&mfa(&gone))?;
        tx.mfa_put(&mfa(&kept))
    })
    .unwrap();
    let err = write(store, |tx| tx.principal_delete(b.id, gone.id)).unwrap_err();
    assert_eq!(not_found(&err), Some("principal"), "{err:?}");
    assert!(read(store, |tx| tx.mfa_get(gone.id)).unwrap().is_some());

    write(store, |tx| tx.principal_delete(a.id, gone.id)).unwrap();
    read(store, |tx| {
        assert_eq!(tx.principal_get(a.id, gone.id)?, None);
        assert_eq!(tx.token_by_hash(&t1.hash)?, None);
        assert_eq!(tx.token_get(a.id, t2.id)?, None);
        assert_eq!(tx.cert_binding(&cert.matcher)?, None);
        assert_eq!(tx.mfa_get(gone.id)?, None);
        assert_eq!(tx.tokens(a.id, None, None, 10)?, vec![t_kept.clone()]);
        assert_eq!(
            tx.cert_binding(&cert_kept.matcher)?,
            Some(cert_kept.clone())
        );
        assert!(tx.mfa_get(kept.id)?.is_some());
        Ok(())
    })
    .unwrap();
    let err = write(store, |tx| tx.principal_delete(a.id, gone.id)).unwrap_err();
    assert_eq!(not_found(&err), Some("principal"), "{err:?}");
}

pub(crate) fn tokens_round_trip_and_are_found_by_hash(store: &Store) {
    let (a, b) = two_tenants(store);
    let p = principal(&a, "p");
    let (min, full) = (token(&p), full_token(&p));
    write(store, |tx| {
        tx.principal_insert(&p)?;
        tx.token_insert(&min)?;
        tx.token_insert(&full)
    })
    .unwrap();
    read(store, |tx| {
        for t in [&min, &full] {
            assert_eq!(tx.token_by_hash(&t.hash)?.as_ref(), Some(t));
            assert_eq!(tx.token_get(a.id, t.id)?.as_ref(), Some(t));
            assert_eq!(tx.token_get(b.id, t.id)?, None);
        }
        assert_eq!(tx.token_by_hash(&[0; 32])?, None);
        Ok(())
    })
    .unwrap();
    let mut same_hash = token(&p);
    same_hash.hash = min.hash;
    let mut same_id = token(&p);
    same_id.id = min.id;
    for dup in [same_hash, same_id] {
        let err = write(store, |tx| tx.token_insert(&dup)).unwrap_err();
        assert_eq!(conflict(&err), Some("token"), "{err:?}");
    }
    let mut wrong_tenant = token(&p);
    wrong_tenant.tenant = b.id;
    let mut no_principal = token(&p);
    no_principal.principal = PrincipalId::from_uuid(uuid());
    for orphan in [wrong_tenant, no_principal] {
        let err = write(store, |tx| tx.token_insert(&orphan)).unwrap_err();
        assert_eq!(
            missing_parent(&err),
            Some(("token", "principal")),
            "{err:?}"
        );
    }
}

pub(crate) fn token_revocation_keeps_the_first_time(store: &Store) {
    let (a, _) = two_tenants(store);
    let p = principal(&a, "p");
    let t = token(&p);
    write(store, |tx| {
        tx.principal_insert(&p)?;
        tx.token_insert(&t)
    })
    .unwrap();
    let found = read(store, |tx| tx.token_by_hash(&t.hash))
        .unwrap()
        .unwrap();
    assert_eq!(found.usable(at(1_800_000_000)), Ok(()));
    write(store, |tx| tx.token_revoke(t.id, at(1_700_010_000))).unwrap();
    write(store, |tx| tx.token_revoke(t.id, at(1_700_020_000))).unwrap();
    let found = read(store, |tx| tx.token_by_hash(&t.hash))
        .unwrap()
        .unwrap();
    assert_eq!(found.revoked_at, Some(at(1_700_010_000)));
    assert_eq!(found.usable(at(1_700_009_000)), Err(TokenRefusal::Revoked));
    let err = write(store, |tx| {
        tx.token_revoke(TokenId::from_uuid(uuid()), at(1))
    })
    .unwrap_err();
    assert_eq!(not_found(&err), Some("token"), "{err:?}");
}

pub(crate) fn tokens_page_by_id_for_a_tenant_or_a_principal(store: &Store) {
    let (a, b) = two_tenants(store);
    let (p, q, r) = (principal(&a, "p"), principal(&a, "q"), principal(&b, "r"));
    let mut mine: Vec<_> = (0..5).map(|_| token(&p)).collect();
    let theirs: Vec<_> = (0..4).map(|_| token(&q)).collect();
    write(store, |tx| {
        for x in [&p, &q, &r] {
            tx.principal_insert(x)?;
        }
        tx.token_insert(&token(&r))?;
        mine.iter()
            .chain(&theirs)
            .try_for_each(|t| tx.token_insert(t))
    })
    .unwrap();
    let walk = |principal: Option<PrincipalId>| {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = read(store, |tx| tx.tokens(a.id, principal, after, 2)).unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            seen.extend(page);
        }
        seen
    };
    mine.sort_by_key(|t| t.id);
    assert_eq!(walk(Some(p.id)), mine);
    let all = walk(None);
    assert_eq!(all.len(), 9);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    assert!(all.iter().all(|t| t.tenant == a.id));
}

pub(crate) fn cert_bindings_name_one_principal_across_tenants(store: &Store) {
    let (a, b) = two_tenants(store);
    let (p, q) = (principal(&a, "p"), principal(&b, "q"));
    let by_fp = CertBinding {
        tenant: a.id,
        principal: p.id,
        matcher: CertMatcher::Fingerprint([0xa5; 32]),
    };
    let by_dn = CertBinding {
        matcher: CertMatcher::subject("CN=app1,O=Acme\\, Inc.").unwrap(),
        ..by_fp.clone()
    };
    write(store, |tx| {
        tx.principal_insert(&p)?;
        tx.principal_insert(&q)?;
        tx.cert_bind(&by_fp)?;
        tx.cert_bind(&by_dn)
    })
    .unwrap();
    read(store, |tx| {
        assert_eq!(tx.cert_binding(&by_fp.matcher)?.as_ref(), Some(&by_fp));
        assert_eq!(tx.cert_binding(&by_dn.matcher)?.as_ref(), Some(&by_dn));
        assert_eq!(
            tx.cert_binding(&CertMatcher::Fingerprint([0xa6; 32]))?,
            None
        );
        assert_eq!(
            tx.cert_binding(&CertMatcher::subject("CN=app1").unwrap())?,
            None
        );
        assert_eq!(
            tx.cert_bindings(a.id, p.id)?,
            vec![by_fp.clone(), by_dn.clone()]
        );
        assert_eq!(tx.cert_bindings(b.id, p.id)?, vec![]);
        Ok(())
    })
    .unwrap();
    let stolen = CertBinding {
        tenant: b.id,
        principal: q.id,
        matcher: by_fp.matcher.clone(),
    };
    let err = write(store, |tx| tx.cert_bind(&stolen)).unwrap_err();
    assert_eq!(conflict(&err), Some("certificate binding"), "{err:?}");
    let orphan = CertBinding {
        tenant: b.id,
        ..by_fp.clone()
    };
    let orphan = CertBinding {
        matcher: CertMatcher::Fingerprint([3; 32]),
        ..orphan
    };
    let err = write(store, |tx| tx.cert_bind(&orphan)).unwrap_err();
    assert_eq!(
        missing_parent(&err),
        Some(("certificate binding", "principal"))
    );
    let err = write(store, |tx| tx.cert_unbind(b.id, &by_fp.matcher)).unwrap_err();
    assert_eq!(not_found(&err), Some("certificate binding"), "{err:?}");
    write(store, |tx| tx.cert_unbind(a.id, &by_fp.matcher)).unwrap();
    assert_eq!(
        read(store, |tx| tx.cert_binding(&by_fp.matcher)).unwrap(),
        None
    );
    write(store, |tx| tx.cert_bind(&stolen)).unwrap();
}

pub(crate) fn mfa_enrollments_are_replaced_and_deleted(store: &Store) {
    let (a, _) = two_tenants(store);
    let p = principal(&a, "p");
    let first = mfa(&p);
    write(store, |tx| {
        tx.principal_insert(&p)?;
        tx.mfa_put(&first)
    })
    .unwrap();
    assert_eq!(read(store, |tx| tx.mfa_get(p.id)).unwrap(), Some(first));
    let mut used = mfa(&p);
    used.confirmed = true;
    used.last_used_step = Some(59_000_123);
    write(store, |tx| tx.mfa_put(&used)).unwrap();
    assert_eq!(read(store, |tx| tx.mfa_get(p.id)).unwrap(), Some(used));
    let mut orphan = mfa(&p);
    orphan.principal = PrincipalId::from_uuid(uuid());
    let err = write(store, |tx| tx.mfa_put(&orphan)).unwrap_err();
    assert_eq!(missing_parent(&err), Some(("mfa enrollment", "principal")));
    write(store, |tx| tx.mfa_delete(p.id)).unwrap();
    assert_eq!(read(store, |tx| tx.mfa_get(p.id)).unwrap(), None);
    let err = write(store, |tx| tx.mfa_delete(p.id)).unwrap_err();
    assert_eq!(not_found(&err), Some("mfa enrollment"), "{err:?}");
}
