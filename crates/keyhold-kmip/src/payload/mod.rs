//! Request and response payloads, one typed payload per supported operation (KMIP 1.4
//! section 4, KMIP 2.1 section 6). Operations without a model keep their payload as a TTLV
//! tree (`Other`), so the server can answer Operation Not Supported for that batch item.

mod attribute_ops;
mod crypto;
mod lifecycle;
mod macros;
mod objects;
mod server;

use keyhold_ttlv::{Tag, Ttlv};

pub use attribute_ops::{
    AttributeChangeRequest, AttributeChangeResponse, DeleteAttributeRequest,
    GetAttributeListResponse, GetAttributesRequest, GetAttributesResponse,
};
pub use crypto::{
    DecryptRequest, DecryptResponse, DigestRequest, DigestResponse, EncryptRequest,
    EncryptResponse, MultiPart, RngRetrieveRequest, RngRetrieveResponse, RngSeedRequest,
    RngSeedResponse, VerifyRequest, VerifyResponse,
};
pub use lifecycle::{
    CheckPayload, IdentifierRequest, IdentifierResponse, LocateRequest, LocateResponse,
    RevocationReason, RevokeRequest,
};
pub use objects::{
    CreateKeyPairRequest, CreateRequest, CreateResponse, GetRequest, GetResponse,
    IdentifierWithAttributesResponse, KeyPairResponse, ReKeyKeyPairRequest, ReKeyRequest,
    RegisterRequest,
};
pub use server::{
    DiscoverVersionsPayload, EmptyPayload, InteropRequest, LogRequest, QueryRequest, QueryResponse,
};

use crate::error::Result;
use crate::fields::Reader;
use crate::{Operation, ProtocolVersion};

macro_rules! payloads {
    ($( $(#[$m:meta])* $variant:ident => $req:ty, $resp:ty; )*) => {
        /// A typed request payload.
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        // One payload per batch item, built once and matched in place: boxing every
        // variant would cost an allocation for the small ones to save stack on the large.
        #[allow(clippy::large_enum_variant)]
        pub enum RequestPayload {
            $( $(#[$m])* $variant($req), )*
            /// An operation without a typed model: the payload as sent.
            Other(Ttlv),
        }

        /// A typed response payload.
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        // One payload per batch item, built once and matched in place: boxing every
        // variant would cost an allocation for the small ones to save stack on the large.
        #[allow(clippy::large_enum_variant)]
        pub enum ResponsePayload {
            $( $(#[$m])* $variant($resp), )*
            /// An operation without a typed model: the payload as sent.
            Other(Ttlv),
        }

        impl RequestPayload {
            /// Parses the payload of `operation` in the form of `version`.
            ///
            /// # Errors
            /// A [`KmipError`](crate::KmipError) naming the field.
            pub fn parse(operation: Operation, item: &Ttlv, version: ProtocolVersion) -> Result<Self> {
                Ok(match operation {
                    $( Operation::$variant => RequestPayload::$variant(read(item, version, <$req>::read)?), )*
                    _ => RequestPayload::Other(item.clone()),
                })
            }

            /// The payload in the form of `version`.
            ///
            /// # Errors
            /// When a field cannot be expressed in `version`.
            pub fn to_ttlv(&self, tag: Tag, version: ProtocolVersion) -> Result<Ttlv> {
                let mut out = Vec::new();
                match self {
                    $( RequestPayload::$variant(p) => p.write(&mut out, version)?, )*
                    RequestPayload::Other(t) => return Ok(Ttlv::new(tag, t.value.clone())),
                }
                Ok(Ttlv::structure(tag, out))
            }
        }

        impl ResponsePayload {
            /// Parses the payload of `operation` in the form of `version`.
            ///
            /// # Errors
            /// A [`KmipError`](crate::KmipError) naming the field.
            pub fn parse(operation: Operation, item: &Ttlv, version: ProtocolVersion) -> Result<Self> {
                Ok(match operation {
                    $( Operation::$variant => ResponsePayload::$variant(read(item, version, <$resp>::read)?), )*
                    _ => ResponsePayload::Other(item.clone()),
                })
            }

            /// The payload in the form of `version`.
            ///
            /// # Errors
            /// When a field cannot be expressed in `version`.
            pub fn to_ttlv(&self, tag: Tag, version: ProtocolVersion) -> Result<Ttlv> {
                let mut out = Vec::new();
                match self {
                    $( ResponsePayload::$variant(p) => p.write(&mut out, version)?, )*
                    ResponsePayload::Other(t) => return Ok(Ttlv::new(tag, t.value.clone())),
                }
                Ok(Ttlv::structure(tag, out))
            }
        }
    };
}

payloads! {
    /// Discover Versions.
    DiscoverVersions => DiscoverVersionsPayload, DiscoverVersionsPayload;
    /// Query.
    Query => QueryRequest, QueryResponse;
    /// Create.
    Create => CreateRequest, CreateResponse;
    /// Create Key Pair.
    CreateKeyPair => CreateKeyPairRequest, KeyPairResponse;
    /// Register.
    Register => RegisterRequest, IdentifierWithAttributesResponse;
    /// Re-key.
    ReKey => ReKeyRequest, IdentifierWithAttributesResponse;
    /// Re-key Key Pair.
    ReKeyKeyPair => ReKeyKeyPairRequest, KeyPairResponse;
    /// Get.
    Get => GetRequest, GetResponse;
    /// Get Attributes.
    GetAttributes => GetAttributesRequest, GetAttributesResponse;
    /// Get Attribute List.
    GetAttributeList => IdentifierRequest, GetAttributeListResponse;
    /// Add Attribute.
    AddAttribute => AttributeChangeRequest, AttributeChangeResponse;
    /// Modify Attribute.
    ModifyAttribute => AttributeChangeRequest, AttributeChangeResponse;
    /// Delete Attribute.
    DeleteAttribute => DeleteAttributeRequest, AttributeChangeResponse;
    /// Set Attribute (2.x).
    SetAttribute => AttributeChangeRequest, AttributeChangeResponse;
    /// Locate.
    Locate => LocateRequest, LocateResponse;
    /// Check.
    Check => CheckPayload, CheckPayload;
    /// Activate.
    Activate => IdentifierRequest, IdentifierResponse;
    /// Revoke.
    Revoke => RevokeRequest, IdentifierResponse;
    /// Destroy.
    Destroy => IdentifierRequest, IdentifierResponse;
    /// Archive.
    Archive => IdentifierRequest, IdentifierResponse;
    /// Recover.
    Recover => IdentifierRequest, IdentifierResponse;
    /// Encrypt.
    Encrypt => EncryptRequest, EncryptResponse;
    /// Decrypt.
    Decrypt => DecryptRequest, DecryptResponse;
    /// Sign.
    Sign => DigestRequest, DigestResponse;
    /// Signature Verify.
    SignatureVerify => VerifyRequest, VerifyResponse;
    /// MAC.
    MAC => DigestRequest, DigestResponse;
    /// MAC Verify.
    MACVerify => VerifyRequest, VerifyResponse;
    /// RNG Retrieve.
    RNGRetrieve => RngRetrieveRequest, RngRetrieveResponse;
    /// RNG Seed.
    RNGSeed => RngSeedRequest, RngSeedResponse;
    /// Hash.
    Hash => DigestRequest, DigestResponse;
    /// Interop.
    Interop => InteropRequest, EmptyPayload;
    /// Log.
    Log => LogRequest, EmptyPayload;
}

type ReadFn<T> = fn(&mut Reader<'_>, ProtocolVersion) -> Result<T>;

fn read<T>(item: &Ttlv, version: ProtocolVersion, f: ReadFn<T>) -> Result<T> {
    let mut r = Reader::new(item)?;
    let payload = f(&mut r, version)?;
    r.finish()?;
    Ok(payload)
}

/// Whether this crate has a typed request model for `operation`.
pub fn is_supported(operation: Operation) -> bool {
    let probe = Ttlv::structure(crate::tags::REQUEST_PAYLOAD, Vec::new());
    !matches!(
        RequestPayload::parse(operation, &probe, ProtocolVersion::V2_1),
        Ok(RequestPayload::Other(_))
    )
}
