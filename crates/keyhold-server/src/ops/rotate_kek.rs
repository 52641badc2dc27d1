//! `POST /v1/tenants/{name}/rotate-kek`: a tenant's KEK rotation, online
//! (DESIGN.md section 4: "rotating a KEK re-seals the layer below").
//!
//! 1. **Begin** (one transaction, with the request's audit event and its
//!    quorum approval): a new KEK of the next generation becomes the
//!    tenant's current KEK; the previous one stays sealed under the root key
//!    as the tenant's *retiring* KEK; the tenant's TOTP secrets are
//!    re-sealed under the new KEK. From here on new material is sealed
//!    under the new KEK.
//! 2. **Batches** (one transaction each, [`BATCH`] versions): each version
//!    still under the retiring KEK (`kek_generation` older than the
//!    tenant's) is opened with it and re-sealed under the new one, its row
//!    updated only if it is still under the old generation.
//! 3. **Finish** (one transaction): any version sealed under the retiring
//!    KEK meanwhile is re-sealed, then the retiring KEK is deleted and
//!    dropped from memory: from then on the old KEK opens nothing stored.
//!
//! Every version names the KEK generation it is under, so at every moment
//! every version opens (with the current or the retiring KEK): a failed
//! batch rolls back alone and leaves the rotation pending; calling
//! rotate-kek again resumes it (no new KEK) and finishes.

use std::sync::Arc;

use keyhold_api::access::RotateKekResponse;
use keyhold_core::{Tenant, TenantId, TenantName};
use keyhold_crypto::hierarchy::{Kek, KekGenerations, MaterialAad};
use keyhold_store::{TxError, WriteTx};
use serde_json::json;

use super::access::tenants::find_tenant;
use super::{Caller, Operations};
use crate::error::ServerError;
use crate::vault::{Unlocked, tx_error};

/// Versions re-sealed per transaction.
pub(crate) const BATCH: u32 = 256;
/// What TOTP secrets are sealed for (as `ops::access::mfa` seals them).
const MFA_PURPOSE: &str = super::access::MFA_PURPOSE;
/// Principals read per page when re-sealing TOTP secrets.
const PRINCIPAL_PAGE: u32 = 500;

/// The two KEKs of a rotation in progress.
struct KekPair {
    tenant: Tenant,
    retiring: Arc<Kek>,
    current: Arc<Kek>,
}

impl Operations {
    /// Rotates the tenant's KEK, or finishes a rotation left pending.
    pub fn rotate_kek(
        &self,
        caller: &Caller,
        name: &TenantName,
    ) -> Result<RotateKekResponse, ServerError> {
        caller.require_global()?;
        caller.note("tenant_name", name.as_str());
        let unlocked = self.vault.unlocked()?;
        let tenant = self
            .store
            .read(|tx| find_tenant(tx, name))
            .map_err(tx_error)?;
        let resumed = tenant.retiring_kek.is_some();
        let (pair, mfa) = if resumed {
            (self.resume_kek_rotation(caller, &unlocked, tenant)?, 0)
        } else {
            self.begin_kek_rotation(caller, &unlocked, tenant)?
        };
        self.forget_tenants();
        let mut versions = 0;
        loop {
            let n = self.reseal_batch(&pair, BATCH)?;
            versions += n;
            if n < u64::from(BATCH) {
                break;
            }
        }
        versions += self.finish_kek_rotation(&unlocked, &pair)?;
        self.forget_tenants();
        Ok(RotateKekResponse {
            tenant: name.clone(),
            kek_generation: pair.tenant.kek_generation,
            resumed,
            versions_resealed: versions,
            mfa_secrets_resealed: mfa,
        })
    }

    /// Step 1: the new KEK becomes current, the old one retiring, the TOTP
    /// secrets move to the new one; audited, quorum-checked.
    fn begin_kek_rotation(
        &self,
        caller: &Caller,
        unlocked: &Unlocked,
        tenant: Tenant,
    ) -> Result<(KekPair, u64), ServerError> {
        let retiring = unlocked.kek(&tenant)?;
        let generation = tenant
            .kek_generation
            .checked_add(1)
            .ok_or(ServerError::Internal {
                what: "KEK generation exhausted",
            })?;
        let current = Arc::new(Kek::generate(&self.crypto).map_err(ServerError::Crypto)?);
        let generations = KekGenerations {
            root: tenant.root_generation,
            kek: generation,
        };
        let sealed = unlocked
            .root()
            .seal_kek(&self.crypto, tenant.id, generations, &current)
            .map_err(ServerError::Crypto)?;
        let rotated = Tenant {
            retiring_kek: Some(tenant.sealed_kek.clone()),
            sealed_kek: sealed,
            kek_generation: generation,
            ..tenant.clone()
        };
        caller.note("kek.generation", generation.to_string());
        let pair = KekPair {
            tenant: rotated,
            retiring,
            current,
        };
        let mfa = self.write_audited(caller, |tx| {
            self.spend_approval(tx, caller, None, &json!({ "tenant": tenant.name }))?;
            check_unchanged(tx, &tenant)?;
            let mfa = reseal_mfa(tx, &self.crypto, &pair)?;
            tx.tenant_update(&pair.tenant)?;
            Ok(mfa)
        })?;
        unlocked.remember_kek(tenant.id, generation, Arc::clone(&pair.current));
        Ok((pair, mfa))
    }

    /// A rotation left pending: audited and quorum-checked like a new one,
    /// then carried on with the stored KEKs.
    fn resume_kek_rotation(
        &self,
        caller: &Caller,
        unlocked: &Unlocked,
        tenant: Tenant,
    ) -> Result<KekPair, ServerError> {
        let old = tenant
            .kek_generation
            .checked_sub(1)
            .ok_or(ServerError::Internal {
                what: "retiring KEK of generation 0",
            })?;
        let pair = KekPair {
            retiring: unlocked.kek_for(&tenant, old)?,
            current: unlocked.kek(&tenant)?,
            tenant,
        };
        caller.note("kek.generation", pair.tenant.kek_generation.to_string());
        caller.note("kek.resumed", "true");
        self.write_audited(caller, |tx| {
            self.spend_approval(tx, caller, None, &json!({ "tenant": pair.tenant.name }))?;
            check_unchanged(tx, &pair.tenant)
        })?;
        Ok(pair)
    }

    /// Step 2: at most `limit` versions re-sealed, in one transaction.
    /// The key cache is emptied after it: cached versions still name the
    /// retiring KEK's generation and sealed bytes.
    fn reseal_batch(&self, pair: &KekPair, limit: u32) -> Result<u64, ServerError> {
        let resealed = self
            .store
            .write(|tx| reseal_versions(tx, &self.crypto, pair, limit))
            .map_err(tx_error);
        self.key_cache.clear();
        resealed
    }

    /// Step 3: the stragglers re-sealed and the retiring KEK deleted, in
    /// one transaction; then dropped from memory.
    fn finish_kek_rotation(&self, unlocked: &Unlocked, pair: &KekPair) -> Result<u64, ServerError> {
        let resealed = self
            .store
            .write(|tx| {
                check_unchanged(tx, &pair.tenant)?;
                let mut total = 0;
                loop {
                    let n = reseal_versions(tx, &self.crypto, pair, BATCH)?;
                    total += n;
                    if n == 0 {
                        break;
                    }
                }
                let done = Tenant {
                    retiring_kek: None,
                    ..pair.tenant.clone()
                };
                tx.tenant_update(&done)?;
                Ok(total)
            })
            .map_err(tx_error);
        // Before the retiring KEK goes: no cached version may still need it.
        self.key_cache.clear();
        let resealed = resealed?;
        if let Some(old) = pair.tenant.kek_generation.checked_sub(1) {
            unlocked.forget_kek(pair.tenant.id, old);
        }
        Ok(resealed)
    }
}

/// Refuses to go on if the tenant's KEK state changed since it was read
/// (a concurrent KEK or root rotation).
fn check_unchanged(tx: &mut dyn WriteTx, tenant: &Tenant) -> Result<(), TxError<ServerError>> {
    let stored = tx
        .tenant_get(tenant.id)?
        .ok_or(TxError::Abort(ServerError::TenantNotFound))?;
    let same = stored.kek_generation == tenant.kek_generation
        && stored.root_generation == tenant.root_generation
        && stored.sealed_kek == tenant.sealed_kek;
    if same {
        return Ok(());
    }
    Err(TxError::Abort(ServerError::RotationConflict {
        what: "the tenant's KEK changed while this rotation ran",
    }))
}

/// Refuses new material sealed under a KEK generation that is no longer
/// the tenant's current one (the tenant was read before a KEK rotation
/// began), inside the transaction that would store it.
pub(crate) fn check_kek_current(
    tx: &mut dyn WriteTx,
    tenant: TenantId,
    generation: u32,
) -> Result<(), TxError<ServerError>> {
    let current = tx
        .tenant_get(tenant)?
        .map(|t| t.kek_generation)
        .ok_or(TxError::Abort(ServerError::TenantNotFound))?;
    if current == generation {
        return Ok(());
    }
    Err(TxError::Abort(ServerError::RotationConflict {
        what: "the tenant's KEK was rotated while this request ran",
    }))
}

/// Re-seals up to `limit` of the tenant's versions still under the
/// retiring KEK; how many.
fn reseal_versions(
    tx: &mut dyn WriteTx,
    crypto: &keyhold_crypto::CryptoProvider,
    pair: &KekPair,
    limit: u32,
) -> Result<u64, TxError<ServerError>> {
    let crypt = |e| TxError::Abort(ServerError::Crypto(e));
    let to = pair.tenant.kek_generation;
    let rows = tx.versions_sealed_before(pair.tenant.id, to, limit)?;
    for row in &rows {
        let aad = MaterialAad {
            tenant: pair.tenant.id,
            key: row.key,
            version: row.version,
            algorithm: row.algorithm,
        };
        let material = pair
            .retiring
            .open_material(&aad, &row.sealed_material)
            .map_err(crypt)?;
        let sealed = pair
            .current
            .seal_material(crypto, &aad, &material)
            .map_err(crypt)?;
        tx.version_reseal(row.key, row.version, row.kek_generation, to, &sealed)?;
    }
    Ok(rows.len() as u64)
}

/// Re-seals every TOTP secret of the tenant's principals still under the
/// retiring KEK; how many.
fn reseal_mfa(
    tx: &mut dyn WriteTx,
    crypto: &keyhold_crypto::CryptoProvider,
    pair: &KekPair,
) -> Result<u64, TxError<ServerError>> {
    let crypt = |e| TxError::Abort(ServerError::Crypto(e));
    let tenant = pair.tenant.id;
    let mut after = None;
    let mut count = 0;
    loop {
        let page = tx.principals(tenant, after.as_ref(), PRINCIPAL_PAGE)?;
        for p in &page {
            let Some(mut m) = tx.mfa_get(p.id)? else {
                continue;
            };
            let secret = pair
                .retiring
                .open_principal_secret(tenant, p.id, MFA_PURPOSE, &m.sealed_secret)
                .map_err(crypt)?;
            m.sealed_secret = pair
                .current
                .seal_principal_secret(crypto, tenant, p.id, MFA_PURPOSE, &secret)
                .map_err(crypt)?;
            tx.mfa_put(&m)?;
            count += 1;
        }
        match page.last() {
            Some(last) if page.len() == PRINCIPAL_PAGE as usize => after = Some(last.name.clone()),
            _ => return Ok(count),
        }
    }
}

#[cfg(test)]
mod tests;
