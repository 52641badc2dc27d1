//! Key management operations: create, list, show.

use keyhold_api::keys::{CreateKeyRequest, KeyInfo, KeyList, ListKeysQuery};
use keyhold_core::{
    CoreError, Cryptoperiod, Key, KeyId, KeyName, KeyRef, KeyState, KeyVersion, Origin, Protection,
    PublicHalf, SealedBlob, Timestamp, UsageMask, VersionId, VersionNumber,
};
use keyhold_crypto::KeyMaterial;
use keyhold_crypto::hierarchy::{Kek, MaterialAad};
use keyhold_crypto::key_import::PublicKeyInfo;
use keyhold_store::{KeyQuery, StoreError, StoredVersion, TxError};

use super::kmip_support::KmipAttrs;
use super::lifecycle::recipient_usage_end;
use super::lifecycle::validate::{FirstVersion, check_create, check_rotation_period};
use super::rotate_kek::check_kek_current;
use super::{Caller, Operations};
use crate::error::ServerError;
use crate::vault::tx_error;

/// Page size when the caller names none, and the largest allowed.
const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

impl Operations {
    /// Creates a key with a first version, Active or PreActive as the
    /// request's dates and initial state say (docs/api.md, "Keys and their
    /// lifecycle").
    pub fn create_key(
        &self,
        caller: &Caller,
        req: CreateKeyRequest,
    ) -> Result<KeyInfo, ServerError> {
        self.generate_key(caller, req, KmipAttrs::default())
    }

    /// [`create_key`](Self::create_key) of a key with KMIP attributes
    /// (KMIP Create: default Cryptographic Parameters, KMIP 1.4 section
    /// 3.6; Object Groups).
    pub(super) fn generate_key(
        &self,
        caller: &Caller,
        req: CreateKeyRequest,
        kmip: KmipAttrs,
    ) -> Result<KeyInfo, ServerError> {
        if req.algorithm.is_data() {
            return Err(ServerError::NotAKey {
                algorithm: req.algorithm,
            });
        }
        if req.algorithm.is_legacy() {
            return Err(ServerError::LegacyKey {
                algorithm: req.algorithm,
            });
        }
        let usage = req.usage.unwrap_or(req.algorithm.default_usage());
        req.algorithm.check_usage(usage)?;
        // Refuse bad metadata before the (possibly slow) key generation.
        check_create(&req, self.now())?;
        self.vault.unlocked()?;
        let material = self
            .crypto
            .keygen
            .generate(req.algorithm)
            .map_err(ServerError::Crypto)?;
        let content = NewContent::Secret {
            origin: Origin::Generated,
            material: &material,
        };
        self.insert_key(caller, req, content, kmip)
    }

    /// Stores a new key described by `req` whose first version holds
    /// `material` (generated or imported), sealed under the tenant KEK, in
    /// one transaction. A key that sets no rotation period takes its
    /// tenant's default, if the tenant has one.
    pub(super) fn insert_new_key(
        &self,
        caller: &Caller,
        req: CreateKeyRequest,
        origin: Origin,
        material: &KeyMaterial,
    ) -> Result<KeyInfo, ServerError> {
        let content = NewContent::Secret { origin, material };
        self.insert_key(caller, req, content, KmipAttrs::default())
    }

    /// Stores a new key whose first version holds `content`: material
    /// sealed under the tenant KEK, or a public key alone (origin
    /// [`Origin::ImportedPublic`], no sealed material, never rotated), and
    /// `kmip` as what it keeps for KMIP (a data object, which never
    /// rotates, must say what it is: [`keyhold_core::KmipMeta::check`]).
    pub(super) fn insert_key(
        &self,
        caller: &Caller,
        req: CreateKeyRequest,
        content: NewContent<'_>,
        kmip: KmipAttrs,
    ) -> Result<KeyInfo, ServerError> {
        let usage = req.usage.unwrap_or(req.algorithm.default_usage());
        req.algorithm.check_usage(usage)?;
        if content.algorithm() != req.algorithm {
            return Err(ServerError::Internal {
                what: "key material of another algorithm",
            });
        }
        kmip.meta.check(req.algorithm)?;
        let mut req = self.with_tenant_defaults(caller, req)?;
        // Nothing rotates a public key alone, a data object or a legacy key.
        let never_rotates = req.algorithm.is_data() || req.algorithm.is_legacy();
        if matches!(content, NewContent::PublicOnly(_)) || never_rotates {
            req.rotation_period_secs = None;
        }
        let now = self.now();
        let first = check_create(&req, now)?;
        let kek = self.vault.unlocked()?.kek(&caller.tenant)?;
        let mut key = new_key(caller, req, usage, &first, now);
        key.crypto_params = kmip.crypto_params;
        key.kmip = kmip.meta;
        let (public_key, sealed) = self.first_content(&kek, &mut key, content)?;
        let mut meta = first_version(&key, &first, public_key);
        meta.process_start_date = kmip.dates.process_start;
        meta.protect_stop_date = kmip.dates.protect_stop;
        if kmip.split_pair && meta.public_key.is_some() {
            let mut half = PublicHalf::of_new(&meta);
            half.name = kmip.public_name;
            meta.public_half = Some(half);
        }
        let version = StoredVersion {
            meta,
            sealed_material: sealed,
            kek_generation: caller.tenant.kek_generation,
        };
        key.recipient_usage_end = recipient_usage_end(&key, &version.meta);
        caller.admit_key(&key, Some(VersionNumber::FIRST))?;
        let info = key_info(key.clone(), &version.meta);
        let tenant = caller.tenant.id;
        // Creations are many and independent: group-committed, so a burst
        // of them shares fsyncs.
        self.write_audited_grouped(caller, move |tx| {
            check_kek_current(tx, tenant, version.kek_generation)?;
            tx.key_insert(&key).map_err(conflict_is_taken)?;
            tx.version_insert(&version)?;
            Ok(())
        })?;
        Ok(info)
    }

    /// The first version's public key and sealed material from `content`
    /// (none for a public key alone), and the key's origin.
    fn first_content(
        &self,
        kek: &Kek,
        key: &mut Key,
        content: NewContent<'_>,
    ) -> Result<(Option<Vec<u8>>, Option<SealedBlob>), ServerError> {
        match content {
            NewContent::Secret { origin, material } => {
                key.origin = origin;
                let public_key = self
                    .crypto
                    .keygen
                    .public_key(material)
                    .map_err(ServerError::Crypto)?;
                let aad = MaterialAad {
                    tenant: key.tenant,
                    key: key.id,
                    version: VersionNumber::FIRST,
                    algorithm: key.algorithm,
                };
                let sealed = kek
                    .seal_material(&self.crypto, &aad, material)
                    .map_err(ServerError::Crypto)?;
                Ok((public_key, Some(sealed)))
            }
            NewContent::PublicOnly(public) => {
                key.origin = Origin::ImportedPublic;
                Ok((Some(public.spki().to_vec()), None))
            }
        }
    }

    /// `req` with its tenant's defaults
    /// (`TenantSettings::default_rotation_period_secs`, and the default
    /// cryptoperiod when it sets neither period); a default rotation period
    /// outside the bounds of a key's period is refused, naming the setting.
    fn with_tenant_defaults(
        &self,
        caller: &Caller,
        mut req: CreateKeyRequest,
    ) -> Result<CreateKeyRequest, ServerError> {
        let sets_cryptoperiod =
            req.originator_usage_period_secs.is_some() || req.recipient_usage_period_secs.is_some();
        if req.rotation_period_secs.is_some() && sets_cryptoperiod {
            return Ok(req);
        }
        let tenant = caller.tenant.id;
        let Some(settings) = self
            .store
            .read(|tx| Ok::<_, TxError<ServerError>>(tx.tenant_settings(tenant)?))
            .map_err(tx_error)?
        else {
            return Ok(req);
        };
        if req.rotation_period_secs.is_none() {
            if let Some(period) = settings.default_rotation_period_secs {
                check_rotation_period(period).map_err(|_| CoreError::InvalidValue {
                    field: "default_rotation_period_secs",
                    reason: "the tenant's default rotation period must be 3600 to 315360000 seconds",
                })?;
            }
            req.rotation_period_secs = settings.default_rotation_period_secs;
        }
        if !sets_cryptoperiod {
            req.originator_usage_period_secs = settings.default_cryptoperiod.originator_usage_secs;
            req.recipient_usage_period_secs = settings.default_cryptoperiod.recipient_usage_secs;
        }
        Ok(req)
    }

    /// One page of the caller's keys, by name.
    pub fn list_keys(&self, caller: &Caller, q: ListKeysQuery) -> Result<KeyList, ServerError> {
        self.vault.unlocked()?;
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(ServerError::InvalidRequest {
                detail: "limit must be 1 to 1000".into(),
            });
        }
        let after = q
            .cursor
            .map(|c| c.parse::<KeyName>())
            .transpose()
            .map_err(|_| ServerError::InvalidRequest {
                detail: "invalid cursor".into(),
            })?;
        // One more than the page: its presence says whether a next page exists.
        let query = KeyQuery {
            name_prefix: q.prefix,
            algorithm: q.algorithm,
            state: q.state,
            tag: q.tag.map(|t| (t.name, t.value)),
            after,
            limit: limit + 1,
        };
        let tenant = caller.tenant.id;
        let rows = self
            .store
            .read(|tx| {
                let keys = tx.keys(tenant, &query)?;
                let mut out = Vec::with_capacity(keys.len());
                for key in keys {
                    let primary =
                        tx.version_get(key.id, key.primary_version)?
                            .ok_or(TxError::Abort(ServerError::Internal {
                                what: "primary version missing",
                            }))?;
                    out.push(key_info(key, &primary.meta));
                }
                Ok(out)
            })
            .map_err(tx_error)?;
        let mut rows = rows;
        let page = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > page {
            rows.truncate(page);
            rows.last().map(|k| k.name.to_string())
        } else {
            None
        };
        Ok(KeyList {
            keys: rows,
            next_cursor,
        })
    }

    /// One key.
    pub fn key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyInfo, ServerError> {
        self.vault.unlocked()?;
        let (key, primary) = self.key_with_version(caller, key, None)?;
        Ok(key_info(key, &primary.meta))
    }

    /// Finds a key of the caller's tenant and one of its versions (the
    /// primary when `version` is `None`), from the key cache if it has them.
    pub(super) fn key_with_version(
        &self,
        caller: &Caller,
        key: &KeyRef,
        version: Option<VersionNumber>,
    ) -> Result<(Key, StoredVersion), ServerError> {
        let wanted = super::key_cache::Wanted::Key(key, version);
        let (entry, found) = self.cached_key(caller.tenant.id, wanted)?;
        let v = found.ok_or(ServerError::DecryptionFailed)?;
        caller.admit_key(&entry.key, Some(v.stored.meta.version))?;
        Ok((entry.key.clone(), v.stored.clone()))
    }
}

/// A new key's metadata, its first version primary. An active key with a
/// rotation period next rotates one period from now.
fn new_key(
    caller: &Caller,
    req: CreateKeyRequest,
    usage: UsageMask,
    first: &FirstVersion,
    now: Timestamp,
) -> Key {
    let next_rotation_at = match (req.rotation_period_secs, first.state) {
        (Some(period), KeyState::Active) => {
            Some(now.plus_seconds(i64::try_from(period).unwrap_or(i64::MAX)))
        }
        _ => None,
    };
    Key {
        id: KeyId::from_uuid(uuid::Uuid::now_v7()),
        tenant: caller.tenant.id,
        name: req.name,
        description: req.description,
        tags: req.tags,
        algorithm: req.algorithm,
        usage,
        protection: Protection::Software,
        origin: Origin::Generated,
        exportable: req.exportable,
        owner: None,
        rotation_period_secs: req.rotation_period_secs,
        next_rotation_at,
        primary_version: VersionNumber::FIRST,
        destroy_scheduled_at: None,
        created_at: now,
        updated_at: now,
        cryptoperiod: Cryptoperiod {
            originator_usage_secs: req.originator_usage_period_secs,
            recipient_usage_secs: req.recipient_usage_period_secs,
        },
        recipient_usage_end: None,
        last_used_at: None,
        idle_warned_at: None,
        crypto_params: None,
        kmip: Default::default(),
    }
}

/// What the first version of a new key holds.
pub(super) enum NewContent<'a> {
    /// Secret material (a symmetric key, or a private key with its public
    /// key derived from it), generated or imported (`origin`).
    Secret {
        /// Generated or imported.
        origin: Origin,
        /// The material, sealed before it is stored.
        material: &'a KeyMaterial,
    },
    /// A public key alone.
    PublicOnly(&'a PublicKeyInfo),
}

impl NewContent<'_> {
    fn algorithm(&self) -> keyhold_core::Algorithm {
        match self {
            Self::Secret { material, .. } => material.algorithm(),
            Self::PublicOnly(public) => public.algorithm(),
        }
    }
}

/// Version 1 of a new key, in the state and with the dates decided by
/// `check_create`.
fn first_version(key: &Key, first: &FirstVersion, public_key: Option<Vec<u8>>) -> KeyVersion {
    KeyVersion {
        activation_date: first.activation_date,
        deactivation_date: first.deactivation_date,
        public_key,
        ..KeyVersion::new(
            VersionId::from_uuid(uuid::Uuid::now_v7()),
            key.id,
            VersionNumber::FIRST,
            first.state,
            key.created_at,
        )
    }
}

fn conflict_is_taken(e: StoreError) -> TxError<ServerError> {
    match e {
        StoreError::Conflict { .. } => TxError::Abort(ServerError::KeyAlreadyExists),
        other => TxError::Store(other),
    }
}

/// The public view of a key and its primary version.
pub(crate) fn key_info(key: Key, primary: &KeyVersion) -> KeyInfo {
    KeyInfo {
        id: key.id,
        tenant: key.tenant,
        name: key.name,
        description: key.description,
        tags: key.tags,
        algorithm: key.algorithm,
        usage: key.usage,
        state: primary.state,
        primary_version: key.primary_version,
        protection: key.protection,
        origin: key.origin,
        exportable: key.exportable,
        created_at: key.created_at,
        updated_at: key.updated_at,
        activation_date: primary.activation_date,
        deactivation_date: primary.deactivation_date,
        rotation_period_secs: key.rotation_period_secs,
        originator_usage_period_secs: key.cryptoperiod.originator_usage_secs,
        recipient_usage_period_secs: key.cryptoperiod.recipient_usage_secs,
        protect_stop_date: primary.protect_stop(&key.cryptoperiod),
        process_start_date: primary.process_start_date,
        recipient_usage_end: key.recipient_usage_end,
        last_used_at: key.last_used_at,
        next_rotation_at: key.next_rotation_at,
        destroy_scheduled_at: key.destroy_scheduled_at,
        archived: primary.archived,
    }
}
