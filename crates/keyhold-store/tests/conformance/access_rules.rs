//! Access control, rules: policies, custom roles, approvals and tenant
//! settings; and deleting a system value (the root token's hash).

use keyhold_core::approval::ApprovalState;
use keyhold_core::{ApprovalId, PolicyName, PrincipalId, Tenant, TenantSettings};
use keyhold_store::{Store, StoreError, SystemKey};

use super::fixtures::{approval, at, policy, role, tenant, uuid};
use super::{read, write};

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

fn is_conflict(err: &StoreError, what: &str) -> bool {
    matches!(err, StoreError::Conflict { entity } if *entity == what)
}

fn is_not_found(err: &StoreError, what: &str) -> bool {
    matches!(err, StoreError::NotFound { entity } if *entity == what)
}

fn is_orphan(err: &StoreError, what: &str) -> bool {
    matches!(err, StoreError::MissingParent { entity, parent: "tenant" } if *entity == what)
}

pub(crate) fn policies_round_trip_conflict_and_delete(store: &Store) {
    let (a, b) = two_tenants(store);
    let p = policy(&a, "payments");
    write(store, |tx| tx.policy_insert(&p)).unwrap();
    read(store, |tx| {
        assert_eq!(tx.policy_get(a.id, &p.name)?.as_ref(), Some(&p));
        assert_eq!(tx.policy_get(b.id, &p.name)?, None);
        Ok(())
    })
    .unwrap();
    assert_eq!(p.compile().unwrap().len(), 2);
    let mut same_id = policy(&a, "other");
    same_id.id = p.id;
    for dup in [policy(&a, "payments"), same_id] {
        let err = write(store, |tx| tx.policy_insert(&dup)).unwrap_err();
        assert!(is_conflict(&err, "policy"), "{err:?}");
    }
    write(store, |tx| tx.policy_insert(&policy(&b, "payments"))).unwrap();
    let err = write(store, |tx| tx.policy_insert(&policy(&tenant("ghost"), "x"))).unwrap_err();
    assert!(is_orphan(&err, "policy"), "{err:?}");

    let mut renamed = p.clone();
    renamed.name = "payments-v2".parse().unwrap();
    renamed.statements.truncate(1);
    renamed.updated_at = at(1_800_000_000);
    write(store, |tx| tx.policy_update(&renamed)).unwrap();
    assert_eq!(
        read(store, |tx| tx.policy_get(a.id, &renamed.name)).unwrap(),
        Some(renamed.clone())
    );
    let mut elsewhere = renamed.clone();
    elsewhere.tenant = b.id;
    let err = write(store, |tx| tx.policy_update(&elsewhere)).unwrap_err();
    assert!(is_not_found(&err, "policy"), "{err:?}");
    let err = write(store, |tx| tx.policy_delete(a.id, &p.name)).unwrap_err();
    assert!(is_not_found(&err, "policy"), "{err:?}");
    write(store, |tx| tx.policy_delete(a.id, &renamed.name)).unwrap();
    assert_eq!(
        read(store, |tx| tx.policies(a.id, None, 10)).unwrap(),
        vec![]
    );
    assert_eq!(
        read(store, |tx| tx.policies(b.id, None, 10)).unwrap().len(),
        1
    );
}

pub(crate) fn policies_page_by_name(store: &Store) {
    let (a, b) = two_tenants(store);
    let names = ["p4", "p1", "p3", "p0", "p2"];
    write(store, |tx| {
        for n in names {
            tx.policy_insert(&policy(&a, n))?;
            tx.policy_insert(&policy(&b, n))?;
        }
        Ok(())
    })
    .unwrap();
    let mut seen = Vec::new();
    let mut cursor: Option<PolicyName> = None;
    loop {
        let page = read(store, |tx| tx.policies(a.id, cursor.as_ref(), 2)).unwrap();
        let Some(last) = page.last() else { break };
        cursor = Some(last.name.clone());
        assert!(page.iter().all(|p| p.tenant == a.id));
        seen.extend(page.into_iter().map(|p| p.name.to_string()));
    }
    assert_eq!(seen, ["p0", "p1", "p2", "p3", "p4"]);
}

pub(crate) fn roles_round_trip_update_and_delete(store: &Store) {
    let (a, b) = two_tenants(store);
    let ops = role(&a, "ops", &["p1", "p2"]);
    let empty = role(&a, "empty", &[]);
    write(store, |tx| {
        tx.role_insert(&ops)?;
        tx.role_insert(&empty)?;
        tx.role_insert(&role(&b, "ops", &[]))
    })
    .unwrap();
    read(store, |tx| {
        assert_eq!(tx.role_get(a.id, &ops.name)?.as_ref(), Some(&ops));
        assert_eq!(tx.roles(a.id)?, vec![empty.clone(), ops.clone()]);
        assert_eq!(tx.roles(b.id)?.len(), 1);
        Ok(())
    })
    .unwrap();
    let err = write(store, |tx| tx.role_insert(&role(&a, "ops", &[]))).unwrap_err();
    assert!(is_conflict(&err, "role"), "{err:?}");
    let err = write(store, |tx| {
        tx.role_insert(&role(&tenant("ghost"), "r", &[]))
    })
    .unwrap_err();
    assert!(is_orphan(&err, "role"), "{err:?}");

    let mut changed = ops.clone();
    changed.description = "operations".into();
    changed.policies = ["p3".parse().unwrap()].into();
    write(store, |tx| tx.role_update(&changed)).unwrap();
    assert_eq!(
        read(store, |tx| tx.role_get(a.id, &ops.name)).unwrap(),
        Some(changed)
    );
    let err = write(store, |tx| tx.role_update(&role(&a, "nobody", &[]))).unwrap_err();
    assert!(is_not_found(&err, "role"), "{err:?}");
    write(store, |tx| tx.role_delete(a.id, &ops.name)).unwrap();
    let err = write(store, |tx| tx.role_delete(a.id, &ops.name)).unwrap_err();
    assert!(is_not_found(&err, "role"), "{err:?}");
    assert_eq!(read(store, |tx| tx.roles(a.id)).unwrap(), vec![empty]);
    assert_eq!(read(store, |tx| tx.roles(b.id)).unwrap().len(), 1);
}

pub(crate) fn approvals_round_trip_and_update(store: &Store) {
    let (a, b) = two_tenants(store);
    let requester = PrincipalId::from_uuid(uuid());
    let mut ap = approval(&a, requester, 1_800_000_000, 3600);
    write(store, |tx| tx.approval_insert(&ap)).unwrap();
    read(store, |tx| {
        assert_eq!(tx.approval_get(a.id, ap.id)?.as_ref(), Some(&ap));
        assert_eq!(tx.approval_get(b.id, ap.id)?, None);
        assert_eq!(tx.approval_get(a.id, ApprovalId::from_uuid(uuid()))?, None);
        Ok(())
    })
    .unwrap();
    let err = write(store, |tx| tx.approval_insert(&ap)).unwrap_err();
    assert!(is_conflict(&err, "approval"), "{err:?}");
    let orphan = approval(&tenant("ghost"), requester, 1, 1);
    let err = write(store, |tx| tx.approval_insert(&orphan)).unwrap_err();
    assert!(is_orphan(&err, "approval"), "{err:?}");

    let (p2, p3) = (
        PrincipalId::from_uuid(uuid()),
        PrincipalId::from_uuid(uuid()),
    );
    ap.approval.vote(p2, true, at(1_800_000_010)).unwrap();
    ap.approval.vote(p3, true, at(1_800_000_020)).unwrap();
    ap.approval.execute(at(1_800_000_030)).unwrap();
    ap.executed_result = Some(serde_json::json!({"destroy_at": "2027-01-01T00:00:00Z"}));
    write(store, |tx| tx.approval_update(&ap)).unwrap();
    let back = read(store, |tx| tx.approval_get(a.id, ap.id))
        .unwrap()
        .unwrap();
    assert_eq!(back, ap);
    assert_eq!(back.approval.state, ApprovalState::Executed);

    let mut denied = approval(&a, requester, 1_800_000_000, 60);
    write(store, |tx| tx.approval_insert(&denied)).unwrap();
    denied.approval.vote(p2, false, at(1_800_000_001)).unwrap();
    write(store, |tx| tx.approval_update(&denied)).unwrap();
    assert_eq!(
        read(store, |tx| tx.approval_get(a.id, denied.id)).unwrap(),
        Some(denied.clone())
    );
    let mut elsewhere = denied;
    elsewhere.tenant = b.id;
    let err = write(store, |tx| tx.approval_update(&elsewhere)).unwrap_err();
    assert!(is_not_found(&err, "approval"), "{err:?}");
}

pub(crate) fn approvals_list_by_state_oldest_first(store: &Store) {
    let (a, b) = two_tenants(store);
    let requester = PrincipalId::from_uuid(uuid());
    // Two share a creation time: ties are ordered by id.
    let created = [50, 10, 30, 30, 20, 40];
    let mut all: Vec<_> = created
        .iter()
        .map(|c| approval(&a, requester, 1_800_000_000 + c, 600))
        .collect();
    for (i, ap) in all.iter_mut().enumerate() {
        if i % 2 == 1 {
            ap.approval
                .vote(PrincipalId::from_uuid(uuid()), false, at(1_800_000_060))
                .unwrap();
        }
    }
    write(store, |tx| {
        tx.approval_insert(&approval(&b, requester, 1_800_000_000, 600))?;
        all.iter().try_for_each(|ap| tx.approval_insert(ap))
    })
    .unwrap();
    all.sort_by_key(|ap| (ap.approval.created_at, ap.id));
    let walk = |state: Option<ApprovalState>, page: u32| {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let got = read(store, |tx| tx.approvals(a.id, state, after, page)).unwrap();
            let Some(last) = got.last() else { break };
            after = Some(last.id);
            seen.extend(got);
        }
        seen
    };
    assert_eq!(walk(None, 2), all);
    assert_eq!(walk(None, 100), all);
    for state in [ApprovalState::Pending, ApprovalState::Denied] {
        let want: Vec<_> = all
            .iter()
            .filter(|ap| ap.approval.state == state)
            .cloned()
            .collect();
        assert_eq!(want.len(), 3);
        assert_eq!(walk(Some(state), 2), want);
    }
    assert!(walk(Some(ApprovalState::Executed), 2).is_empty());
    let foreign = Some(ApprovalId::from_uuid(uuid()));
    assert_eq!(
        read(store, |tx| tx.approvals(a.id, None, foreign, 10)).unwrap(),
        vec![]
    );
}

pub(crate) fn approvals_expiring_before_are_pending_ones_across_tenants(store: &Store) {
    let (a, b) = two_tenants(store);
    let requester = PrincipalId::from_uuid(uuid());
    let t0 = 1_800_000_000;
    let soon_a = approval(&a, requester, t0, 100);
    let soon_b = approval(&b, requester, t0, 50);
    let later = approval(&a, requester, t0, 1000);
    let mut decided = approval(&a, requester, t0, 10);
    decided
        .approval
        .vote(PrincipalId::from_uuid(uuid()), false, at(t0 + 1))
        .unwrap();
    let exact = approval(&b, requester, t0, 200);
    write(store, |tx| {
        [&soon_a, &soon_b, &later, &decided, &exact]
            .into_iter()
            .try_for_each(|ap| tx.approval_insert(ap))
    })
    .unwrap();
    let due = |now: i64, limit: u32| {
        let found = read(store, |tx| tx.approvals_expiring_before(at(now), limit)).unwrap();
        found.into_iter().map(|ap| ap.id).collect::<Vec<_>>()
    };
    assert_eq!(due(t0 + 200, 10), [soon_b.id, soon_a.id, exact.id]);
    assert_eq!(due(t0 + 200, 1), [soon_b.id]);
    assert_eq!(due(t0 + 49, 10), Vec::<ApprovalId>::new());
    let mut expired = soon_b.clone();
    assert!(expired.approval.expire(at(t0 + 60)));
    write(store, |tx| tx.approval_update(&expired)).unwrap();
    assert_eq!(due(t0 + 5000, 10), [soon_a.id, exact.id, later.id]);
}

pub(crate) fn tenant_settings_are_stored_whole(store: &Store) {
    let (a, b) = two_tenants(store);
    assert_eq!(read(store, |tx| tx.tenant_settings(a.id)).unwrap(), None);
    let defaults = TenantSettings::default();
    write(store, |tx| tx.tenant_settings_put(a.id, &defaults)).unwrap();
    let custom: TenantSettings = serde_json::from_str(
        r#"{"sod_rules": [], "mfa_actions": ["key:export", "sys:restore"],
            "quorum_rules": [{"actions": ["key:schedule-destroy"], "required": 2, "ttl_secs": 600}],
            "default_rotation_period_secs": 7776000, "unused_key_days": 90,
            "unused_key_warning_days": 80}"#,
    )
    .unwrap();
    write(store, |tx| tx.tenant_settings_put(b.id, &custom)).unwrap();
    assert_eq!(
        read(store, |tx| tx.tenant_settings(a.id)).unwrap(),
        Some(defaults)
    );
    write(store, |tx| tx.tenant_settings_put(a.id, &custom)).unwrap();
    assert_eq!(
        read(store, |tx| tx.tenant_settings(a.id)).unwrap(),
        Some(custom.clone())
    );
    let ghost = tenant("ghost");
    let err = write(store, |tx| tx.tenant_settings_put(ghost.id, &custom)).unwrap_err();
    assert!(is_orphan(&err, "tenant settings"), "{err:?}");
}

pub(crate) fn system_values_can_be_deleted(store: &Store) {
    write(store, |tx| {
        tx.system_put(SystemKey::RootTokenHash, &[9; 32])?;
        tx.system_put(SystemKey::SealConfig, b"dev")
    })
    .unwrap();
    write(store, |tx| tx.system_delete(SystemKey::RootTokenHash)).unwrap();
    read(store, |tx| {
        assert_eq!(tx.system_get(SystemKey::RootTokenHash)?, None);
        assert_eq!(tx.system_get(SystemKey::SealConfig)?.unwrap(), b"dev");
        Ok(())
    })
    .unwrap();
    let err = write(store, |tx| tx.system_delete(SystemKey::RootTokenHash)).unwrap_err();
    assert!(is_not_found(&err, "system value"), "{err:?}");
}
