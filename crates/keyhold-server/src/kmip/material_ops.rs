//! Get and Register (KMIP 1.4 sections 4.11 and 4.3, KMIP 2.1 sections
//! 6.1.19 and 6.1.43): symmetric key material leaves as a Key Block in Raw
//! or Transparent Symmetric Key format and arrives in either; a private key
//! leaves as PKCS#8, a public key as X.509 SubjectPublicKeyInfo or, for
//! RSA, PKCS#1; Secret Data and Opaque Objects leave as they arrived
//! ([`data_objects`]).

use keyhold_core::{Action, Algorithm, DataObject, Key, RequestId, SymmetricFormat, VersionId};
use keyhold_crypto::SecretBytes as CryptoSecret;
use keyhold_kmip::payload::{
    GetRequest, GetResponse, IdentifierWithAttributesResponse, RegisterRequest,
};
use keyhold_kmip::{
    Attributes, KeyBlock, KeyFormatType, KeyMaterial, KeyValue, ManagedObject, ObjectType,
    ProtocolVersion, ResponsePayload, ResultReason, SecretBytes, TransparentKey, UniqueIdentifier,
};

use super::asym_formats::{self, Half};
use super::errors::ItemFailure;
use super::{
    Dispatcher, asym_register, data_objects, key_wrapping, keypairs, objects, server_attributes,
};
use crate::error::ServerError;
use crate::ops::KmipKeySpec;

type Answer = Result<ResponsePayload, ItemFailure>;

fn failure(reason: ResultReason, message: &str) -> ItemFailure {
    ItemFailure::new(reason, message)
}

/// Refuses a Key Format Type keyhold never returns: symmetric keys are
/// Raw or Transparent Symmetric Key, private keys PKCS#8, PKCS#1 or
/// Transparent RSA / EC ([`asym_formats`]), Secret Data Raw or Opaque.
pub(super) fn check_format(format: Option<KeyFormatType>) -> Result<(), ItemFailure> {
    match format {
        None
        | Some(
            KeyFormatType::Raw
            | KeyFormatType::TransparentSymmetricKey
            | KeyFormatType::PKCS8
            | KeyFormatType::PKCS1
            | KeyFormatType::TransparentRSAPrivateKey
            | KeyFormatType::TransparentDSAPrivateKey
            | KeyFormatType::TransparentECPrivateKey
            | KeyFormatType::Opaque,
        ) => Ok(()),
        Some(_) => Err(failure(
            ResultReason::KeyFormatTypeNotSupported,
            "keys are returned as Raw or Transparent Symmetric Key, private keys as PKCS#8, \
             PKCS#1 or Transparent RSA / DSA / EC, Secret Data as Raw or Opaque",
        )),
    }
}

/// Checks, before any material is opened, that a format the client asks
/// for fits the key: those of [`asym_formats`] for a private key, Raw and
/// Transparent Symmetric Key for a symmetric key; keys KMIP has no object
/// for (ML-KEM, ML-DSA) are refused.
pub(super) fn check_format_fits(
    algorithm: Algorithm,
    format: Option<KeyFormatType>,
) -> Result<(), ServerError> {
    if algorithm.is_data() {
        return data_objects::check_format(algorithm, format).map_err(|f| f.into_server_error());
    }
    let private = keypairs::kmip_algorithm(algorithm).is_some();
    let symmetric = objects::kmip_algorithm(algorithm).is_some();
    let fits = match format {
        None => private || symmetric,
        Some(f) if private => asym_formats::fits(algorithm, Half::Private, f),
        Some(KeyFormatType::Raw | KeyFormatType::TransparentSymmetricKey) => symmetric,
        Some(_) => false,
    };
    if fits {
        return Ok(());
    }
    Err(ServerError::InvalidRequest {
        detail: format!("a {algorithm} key cannot be returned in that Key Format Type"),
    })
}

/// The Key Block of a symmetric key in `format` (Raw when the client asks
/// for none).
fn key_block(
    algorithm: Algorithm,
    secret: &[u8],
    format: Option<KeyFormatType>,
) -> Result<KeyBlock, ItemFailure> {
    let (kmip_algorithm, _) = objects::kmip_algorithm(algorithm).ok_or_else(|| {
        failure(
            ResultReason::KeyFormatTypeNotSupported,
            "Get returns symmetric keys only",
        )
    })?;
    if !matches!(
        format,
        None | Some(KeyFormatType::Raw | KeyFormatType::TransparentSymmetricKey)
    ) {
        let m = "symmetric keys are returned as Raw or Transparent Symmetric Key";
        return Err(failure(ResultReason::KeyFormatTypeNotSupported, m));
    }
    let key = SecretBytes::new(secret.to_vec());
    let (format, material) = if format == Some(KeyFormatType::TransparentSymmetricKey) {
        (
            KeyFormatType::TransparentSymmetricKey,
            KeyMaterial::Transparent(TransparentKey::Symmetric { key }),
        )
    } else {
        (KeyFormatType::Raw, KeyMaterial::Bytes(key))
    };
    let bits = objects::material_bits(Some(kmip_algorithm), secret.len());
    Ok(KeyBlock {
        key_format_type: format,
        key_compression_type: None,
        key_value: Some(KeyValue::Plain {
            material,
            attributes: Attributes::default(),
        }),
        cryptographic_algorithm: Some(kmip_algorithm),
        cryptographic_length: Some(bits),
        key_wrapping_data: None,
    })
}

/// The object Get returns for `key`'s secret material, unwrapped: a data
/// object as it was registered ([`data_objects`]), a private key in the
/// format asked for or its default ([`asym_formats`]), a symmetric key in
/// the format asked for or the one it was registered in.
pub(super) fn plain_object(
    key: &Key,
    secret: &[u8],
    format: Option<KeyFormatType>,
    version: ProtocolVersion,
) -> Result<(ObjectType, ManagedObject), ItemFailure> {
    if let Some(data) = &key.kmip.data {
        return Ok(data_objects::object(data, secret, format));
    }
    let object = match keypairs::kmip_algorithm(key.algorithm) {
        Some(_) => {
            let half = Half::Private;
            let format =
                format.unwrap_or(asym_formats::default_format(key.algorithm, half, version));
            let block = asym_formats::private_block(key.algorithm, format, secret)?;
            (ObjectType::PrivateKey, ManagedObject::PrivateKey(block))
        }
        None => (
            ObjectType::SymmetricKey,
            ManagedObject::SymmetricKey(key_block(
                key.algorithm,
                secret,
                Some(symmetric_format(format, key.kmip.symmetric_format)),
            )?),
        ),
    };
    Ok(object)
}

/// The raw key bytes of a Register's symmetric Key Block.
fn registered_secret(object: &ManagedObject) -> Result<(&KeyBlock, CryptoSecret), ItemFailure> {
    let ManagedObject::SymmetricKey(block) = object else {
        return Err(failure(
            ResultReason::InvalidField,
            "keyhold registers Symmetric Key, Private Key, Public Key, Secret Data and Opaque objects",
        ));
    };
    let secret = match &block.key_value {
        Some(KeyValue::Plain {
            material: KeyMaterial::Bytes(b),
            ..
        }) if block.key_format_type == KeyFormatType::Raw => b.expose(),
        Some(KeyValue::Plain {
            material: KeyMaterial::Transparent(TransparentKey::Symmetric { key }),
            ..
        }) => key.expose(),
        Some(KeyValue::Wrapped(_)) => {
            let m = "wrapped key values cannot be registered yet";
            return Err(failure(ResultReason::FeatureNotSupported, m));
        }
        _ => {
            let m = "Key Format Type must be Raw or Transparent Symmetric Key";
            return Err(failure(ResultReason::KeyFormatTypeNotSupported, m));
        }
    };
    Ok((block, CryptoSecret::new(secret.to_vec())))
}

/// The format a symmetric key registered as `format` is kept in, for Get
/// to return it so (KMIP 1.4 section 4.11); [`registered_secret`] has
/// refused every format but these two.
fn registered_format(format: KeyFormatType) -> SymmetricFormat {
    match format {
        KeyFormatType::TransparentSymmetricKey => SymmetricFormat::TransparentSymmetricKey,
        _ => SymmetricFormat::Raw,
    }
}

/// The Key Format Type Get returns a symmetric key in: the one asked for,
/// else the one it was registered in (KMIP 1.4 section 4.11, KMIP 2.1
/// section 6.1.19).
fn symmetric_format(asked: Option<KeyFormatType>, kept: SymmetricFormat) -> KeyFormatType {
    asked.unwrap_or(match kept {
        SymmetricFormat::Raw => KeyFormatType::Raw,
        SymmetricFormat::TransparentSymmetricKey => KeyFormatType::TransparentSymmetricKey,
    })
}

/// What a Register makes: the algorithm from the Key Block (or the
/// attributes), the name, usage and Extractable from the attributes.
fn register_spec(
    req: &RegisterRequest,
    block: &KeyBlock,
    secret_len: usize,
) -> Result<KmipKeySpec, ItemFailure> {
    if req.object_type != ObjectType::SymmetricKey {
        let m = "the Object Type does not match the object";
        return Err(failure(ResultReason::InvalidField, m));
    }
    let attrs = &req.attributes;
    let usage = objects::usage_of(attrs)?;
    let named = block
        .cryptographic_algorithm
        .or(attrs.cryptographic_algorithm());
    // An AES key's length picks its algorithm: the Key Block's Cryptographic
    // Length, else the material's. The material is checked when parsed.
    let bits = block
        .cryptographic_length
        .or_else(|| Some(objects::material_bits(named, secret_len)));
    let algorithm = objects::symmetric_algorithm(named, bits, usage)?;
    let format = registered_format(block.key_format_type);
    objects::key_spec(attrs, algorithm, usage, format)
}

impl Dispatcher {
    /// Get: the version's material, for an exportable key (audited as an
    /// export), in the clear or wrapped as a Key Wrapping Specification
    /// asks ([`key_wrapping`]).
    pub(super) async fn get(
        &self,
        req: &GetRequest,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let id = objects::version_id(req.unique_identifier.as_ref(), placeholder)?;
        if req.key_wrap_type.is_some() {
            let m = "Key Wrap Type is not supported: keyhold keeps no key wrapped";
            return Err(failure(ResultReason::FeatureNotSupported, m));
        }
        let format = req.key_format_type;
        let public = objects::is_public(req.unique_identifier.as_ref());
        if let Some(spec) = &req.key_wrapping_specification {
            if public {
                let m = "a Public Key is not secret: Get it without a Key Wrapping Specification";
                return Err(failure(ResultReason::FeatureNotSupported, m));
            }
            check_format(format)?;
            let plan = key_wrapping::plan(spec)?;
            return self
                .get_wrapped(id, plan, format, version, request_id)
                .await;
        }
        if public {
            return self.get_public(id, format, version, request_id).await;
        }
        check_format(format)?;
        let got = self.blocking(request_id, Action::KeyExport, move |ops, caller| {
            // Refused before the material is opened (and the export audited).
            let (key, _) = ops.secret_by_version_id(caller, id)?;
            check_format_fits(key.algorithm, format)?;
            ops.version_material(caller, id)
        });
        let (key, _, material) = got.await?;
        let (object_type, object) =
            plain_object(&key, material.secret().expose(), format, version)?;
        Ok(ResponsePayload::Get(GetResponse {
            object_type,
            unique_identifier: objects::version_uid(id),
            object,
        }))
    }

    /// Get of a Public Key object: the version's SubjectPublicKeyInfo, in
    /// X.509 format (KMIP's name for it), or an RSA key's PKCS#1
    /// RSAPublicKey ([`public_material`]). Public, so audited as a read.
    async fn get_public(
        &self,
        id: VersionId,
        format: Option<KeyFormatType>,
        version: ProtocolVersion,
        request_id: RequestId,
    ) -> Answer {
        let public_formats = [
            KeyFormatType::X509,
            KeyFormatType::PKCS1,
            KeyFormatType::TransparentRSAPublicKey,
            KeyFormatType::TransparentDSAPublicKey,
            KeyFormatType::TransparentECPublicKey,
        ];
        if format.is_some_and(|f| !public_formats.contains(&f)) {
            let m = "public keys are returned in X.509 (SubjectPublicKeyInfo), PKCS#1 (RSA) or \
                     Transparent RSA / DSA / EC";
            return Err(failure(ResultReason::KeyFormatTypeNotSupported, m));
        }
        let found = self.blocking(request_id, Action::KeyRead, move |ops, caller| {
            let (key, meta) = ops.key_by_version_id(caller, id)?;
            // A Public Key object with its own state answers by it alone.
            let meta = meta.public_view();
            // A destroyed KMIP object (`attributes::kmip_state`) serves
            // nothing, its public half included.
            match key.destroy_scheduled_at {
                Some(at) if meta.public_half.is_none() => {
                    return Err(ServerError::ExportDestroyScheduled { at });
                }
                _ => {}
            }
            if meta.state.is_destroyed() {
                return Err(ServerError::MaterialGone { state: meta.state });
            }
            // A Sensitive public key leaves only wrapped, and keyhold
            // wraps no public key: it does not leave.
            if server_attributes::is_sensitive(&key, true) {
                return Err(ServerError::SensitiveObject);
            }
            Ok((key, meta))
        });
        let (key, meta) = found.await?;
        let spki = meta
            .public_key
            .filter(|_| keypairs::kmip_algorithm(key.algorithm).is_some())
            .ok_or_else(ItemFailure::not_found)?;
        let half = Half::Public;
        asym_formats::check(key.algorithm, half, format)?;
        let format = format.unwrap_or(asym_formats::default_format(key.algorithm, half, version));
        let block = asym_formats::public_block(key.algorithm, format, &spki)?;
        Ok(ResponsePayload::Get(GetResponse {
            object_type: ObjectType::PublicKey,
            unique_identifier: objects::public_uid(id),
            object: ManagedObject::PublicKey(block),
        }))
    }

    /// Register of a Secret Data or an Opaque Object (`found`): a data
    /// object holding the client's bytes, sealed like a key's material.
    async fn register_data(
        &self,
        req: &RegisterRequest,
        found: (DataObject, CryptoSecret),
        request_id: RequestId,
    ) -> Result<(VersionId, UniqueIdentifier), ItemFailure> {
        let (data, bytes) = found;
        let spec = data_objects::spec(req, data)?;
        let made = self.blocking(request_id, Action::KeyImport, move |ops, caller| {
            ops.register_key(caller, spec, bytes)
        });
        let version = made.await?;
        Ok((version.id, objects::version_uid(version.id)))
    }

    /// Register of a key: a symmetric key, a private key (a key pair) or a
    /// public key alone.
    async fn register_key(
        &self,
        req: &RegisterRequest,
        request_id: RequestId,
    ) -> Result<(VersionId, UniqueIdentifier), ItemFailure> {
        let (version, uid) = match (&req.object_type, &req.object) {
            (ObjectType::PrivateKey, ManagedObject::PrivateKey(block)) => {
                let material = asym_register::private_key(block)?;
                let spec = asym_register::spec(&req.attributes, material.algorithm())?;
                let made = self.blocking(request_id, Action::KeyImport, move |ops, caller| {
                    ops.register_material(caller, spec, &material)
                });
                let version = made.await?;
                (version.id, objects::version_uid(version.id))
            }
            (ObjectType::PublicKey, ManagedObject::PublicKey(block)) => {
                let public = asym_register::public_key(block)?;
                let spec = asym_register::spec(&req.attributes, public.algorithm())?;
                let made = self.blocking(request_id, Action::KeyImport, move |ops, caller| {
                    ops.register_public_key(caller, spec, &public)
                });
                let version = made.await?;
                (version.id, objects::public_uid(version.id))
            }
            _ => {
                let (block, secret) = registered_secret(&req.object)?;
                let spec = register_spec(req, block, secret.expose().len())?;
                let made = self.blocking(request_id, Action::KeyImport, move |ops, caller| {
                    ops.register_key(caller, spec, secret)
                });
                let version = made.await?;
                (version.id, objects::version_uid(version.id))
            }
        };
        Ok((version, uid))
    }

    /// Register: an object the client supplies (a symmetric key, a private
    /// key, a public key, Secret Data or an Opaque Object), Pre-Active; it
    /// becomes the ID placeholder.
    pub(super) async fn register(
        &self,
        req: &RegisterRequest,
        request_id: RequestId,
        placeholder: &mut Option<VersionId>,
    ) -> Answer {
        let (version, uid) = match data_objects::registered(&req.object)? {
            Some(found) => self.register_data(req, found, request_id).await?,
            None => self.register_key(req, request_id).await?,
        };
        *placeholder = Some(version);
        self.activate_if_due(&req.attributes, version, request_id)
            .await?;
        Ok(ResponsePayload::Register(
            IdentifierWithAttributesResponse {
                unique_identifier: uid,
                attributes: None,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_keys_leave_raw_or_transparent_and_nothing_else() {
        let raw = key_block(Algorithm::Aes256Gcm, &[7; 32], None).unwrap();
        assert_eq!(raw.key_format_type, KeyFormatType::Raw);
        assert_eq!(raw.cryptographic_length, Some(256));
        let t = key_block(
            Algorithm::HmacSha384,
            &[7; 48],
            Some(KeyFormatType::TransparentSymmetricKey),
        )
        .unwrap();
        assert_eq!(t.cryptographic_length, Some(384));
        let pkcs8 = key_block(Algorithm::Aes256Gcm, &[7; 32], Some(KeyFormatType::PKCS8));
        assert_eq!(
            pkcs8.unwrap_err().reason,
            ResultReason::KeyFormatTypeNotSupported
        );
        let rsa = key_block(Algorithm::Rsa2048, &[7; 32], None);
        assert!(rsa.is_err());
    }

    #[test]
    fn get_returns_the_registered_format_unless_asked_another() {
        use KeyFormatType as F;
        let transparent = SymmetricFormat::TransparentSymmetricKey;
        assert_eq!(registered_format(F::TransparentSymmetricKey), transparent);
        assert_eq!(registered_format(F::Raw), SymmetricFormat::Raw);
        assert_eq!(
            symmetric_format(None, transparent),
            F::TransparentSymmetricKey
        );
        assert_eq!(symmetric_format(None, SymmetricFormat::Raw), F::Raw);
        assert_eq!(symmetric_format(Some(F::Raw), transparent), F::Raw);
    }

    #[test]
    fn register_reads_raw_and_transparent_blocks() {
        let block = key_block(Algorithm::Aes256Gcm, &[9; 32], None).unwrap();
        let (_, secret) = registered_secret(&ManagedObject::SymmetricKey(block)).unwrap();
        assert_eq!(secret.expose(), &[9; 32]);
        let opaque = ManagedObject::Certificate {
            certificate_type: keyhold_kmip::CertificateType::X509,
            value: vec![1],
        };
        assert_eq!(
            registered_secret(&opaque).unwrap_err().reason,
            ResultReason::InvalidField
        );
    }
}
