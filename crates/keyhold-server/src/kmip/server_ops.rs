//! The operations about the server itself: Discover Versions and Query
//! (KMIP 1.4 sections 4.25 and 4.26, KMIP 2.1 sections 6.1.16 and 6.1.40),
//! Interop and Log (KMIP 2.1 sections 6.1.26 and 6.1.29), RNG Seed (KMIP
//! 1.4 section 4.36, KMIP 2.1 section 6.1.50).

use keyhold_core::{Action, RequestId};
use keyhold_kmip::payload::{
    DiscoverVersionsPayload, EmptyPayload, LogRequest, QueryRequest, QueryResponse, RngSeedRequest,
    RngSeedResponse,
};
use keyhold_kmip::{ObjectType, Operation, ProtocolVersion, QueryFunction, ResponsePayload, tags};
use keyhold_ttlv::{Ttlv, Value};

use super::Dispatcher;
use super::errors::ItemFailure;
use crate::ops::LogMessage;

/// The operations the KMIP listener serves, in the order Query lists them.
pub(crate) const SERVED: [Operation; 32] = [
    Operation::DiscoverVersions,
    Operation::Query,
    Operation::Create,
    Operation::CreateKeyPair,
    Operation::Register,
    Operation::ReKey,
    Operation::ReKeyKeyPair,
    Operation::Get,
    Operation::GetAttributes,
    Operation::GetAttributeList,
    Operation::AddAttribute,
    Operation::ModifyAttribute,
    Operation::SetAttribute,
    Operation::DeleteAttribute,
    Operation::Locate,
    Operation::Check,
    Operation::Activate,
    Operation::Revoke,
    Operation::Destroy,
    Operation::Archive,
    Operation::Recover,
    Operation::Encrypt,
    Operation::Decrypt,
    Operation::Sign,
    Operation::SignatureVerify,
    Operation::MAC,
    Operation::MACVerify,
    Operation::RNGRetrieve,
    Operation::RNGSeed,
    Operation::Hash,
    Operation::Interop,
    Operation::Log,
];

/// Interop (KMIP 2.1 section 6.1.26): the test harness's Begin, End and
/// Reset of a test case. keyhold keeps no per-test state, so each is a
/// Success that changes nothing.
pub(crate) fn interop() -> EmptyPayload {
    EmptyPayload {}
}

impl Dispatcher {
    /// Log: the message goes into the request's audit event (`audit:append`,
    /// [`LogMessage`] says which messages are refused, as Invalid Field).
    pub(super) async fn log(
        &self,
        req: &LogRequest,
        request_id: RequestId,
    ) -> Result<ResponsePayload, ItemFailure> {
        let text = req.message.clone();
        self.blocking(request_id, Action::AuditAppend, move |ops, caller| {
            ops.log_message(caller, &LogMessage::parse(&text)?)
        })
        .await?;
        Ok(ResponsePayload::Log(EmptyPayload {}))
    }

    /// RNG Seed (KMIP 1.4 section 4.36, KMIP 2.1 section 6.1.50): taken
    /// by a caller who may draw random numbers, and ignored
    /// (`Operations::rng_seed`): Data Length 0.
    pub(super) async fn rng_seed(
        &self,
        req: &RngSeedRequest,
        request_id: RequestId,
    ) -> Result<ResponsePayload, ItemFailure> {
        let offered = req.data.len();
        let used = self.blocking(request_id, Action::RandomGenerate, move |ops, caller| {
            Ok(ops.rng_seed(caller, offered))
        });
        let data_length = used.await?;
        Ok(ResponsePayload::RNGSeed(RngSeedResponse { data_length }))
    }
}

/// The Vendor Identification answered to Query Server Information.
pub(crate) const VENDOR: &str = "keyhold";

/// Discover Versions: the versions the server speaks, newest first; when the
/// client lists versions, only those among them (KMIP 1.4 section 4.26).
pub(crate) fn discover_versions(req: &DiscoverVersionsPayload) -> DiscoverVersionsPayload {
    let versions = ProtocolVersion::SUPPORTED
        .into_iter()
        .filter(|v| req.versions.is_empty() || req.versions.contains(v))
        .collect();
    DiscoverVersionsPayload { versions }
}

/// Query: operations, object types (keys, Secret Data, Opaque Objects,
/// Certificates), the vendor and the server's capabilities, as the
/// request's Query Functions ask; other functions are ignored, as KMIP 1.4
/// section 4.25 allows.
pub(crate) fn query(req: &QueryRequest) -> QueryResponse {
    let asks = |f: QueryFunction| req.functions.contains(&f);
    QueryResponse {
        operations: if asks(QueryFunction::QueryOperations) {
            SERVED.to_vec()
        } else {
            Vec::new()
        },
        object_types: if asks(QueryFunction::QueryObjects) {
            vec![
                ObjectType::SymmetricKey,
                ObjectType::PublicKey,
                ObjectType::PrivateKey,
                ObjectType::SecretData,
                ObjectType::OpaqueObject,
                ObjectType::Certificate,
            ]
        } else {
            Vec::new()
        },
        vendor_identification: asks(QueryFunction::QueryServerInformation)
            .then(|| VENDOR.to_owned()),
        server_information: None,
        application_namespaces: Vec::new(),
        extension_information: Vec::new(),
        attestation_types: Vec::new(),
        rng_parameters: Vec::new(),
        profile_information: Vec::new(),
        validation_information: Vec::new(),
        capability_information: if asks(QueryFunction::QueryCapabilities) {
            vec![capabilities()]
        } else {
            Vec::new()
        },
        client_registration_methods: Vec::new(),
        defaults_information: None,
        protection_storage_masks: None,
    }
}

/// Destroy Action Key Material Shredded (KMIP 1.4 section 9.1.3.2.44).
const KEY_MATERIAL_SHREDDED: u32 = 0x0000_0003;

/// Capability Information (KMIP 1.4 section 2.1.21, KMIP 2.1 section
/// 7.5): no streaming (only AES-GCM Encrypt runs in parts, Decrypt
/// never), no asynchronous operations, no attestation; batches may undo
/// and continue (`dispatch`); Destroy erases the key material, overwritten
/// in the store (SQLite `secure_delete`), and keeps the metadata.
fn capabilities() -> Ttlv {
    let flag = |tag, on: bool| Ttlv::new(tag, Value::Boolean(on));
    Ttlv::structure(
        tags::CAPABILITY_INFORMATION,
        vec![
            flag(tags::STREAMING_CAPABILITY, false),
            flag(tags::ASYNCHRONOUS_CAPABILITY, false),
            flag(tags::ATTESTATION_CAPABILITY, false),
            flag(tags::BATCH_UNDO_CAPABILITY, true),
            flag(tags::BATCH_CONTINUE_CAPABILITY, true),
            Ttlv::new(
                tags::DESTROY_ACTION,
                Value::Enumeration(KEY_MATERIAL_SHREDDED),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_are_given_only_when_asked() {
        let ask = |functions| QueryRequest { functions };
        let none = query(&ask(vec![QueryFunction::QueryOperations]));
        assert!(none.capability_information.is_empty());
        let some = query(&ask(vec![QueryFunction::QueryCapabilities]));
        let [info] = some.capability_information.as_slice() else {
            panic!("{some:?}");
        };
        let Value::Structure(items) = &info.value else {
            panic!("{info:?}");
        };
        let undo = items.iter().find(|i| i.tag == tags::BATCH_UNDO_CAPABILITY);
        assert_eq!(undo.map(|i| &i.value), Some(&Value::Boolean(true)));
    }

    #[test]
    fn discover_versions_intersects_with_the_client_list() {
        let all = discover_versions(&DiscoverVersionsPayload { versions: vec![] });
        assert_eq!(all.versions, ProtocolVersion::SUPPORTED.to_vec());
        let asked = DiscoverVersionsPayload {
            versions: vec![ProtocolVersion::V1_0, ProtocolVersion::new(9, 9)],
        };
        assert_eq!(
            discover_versions(&asked).versions,
            vec![ProtocolVersion::V1_0]
        );
    }

    #[test]
    fn query_answers_what_is_asked() {
        let ops = query(&QueryRequest {
            functions: vec![QueryFunction::QueryOperations],
        });
        assert_eq!(ops.operations, SERVED.to_vec());
        assert!(ops.vendor_identification.is_none());
        let info = query(&QueryRequest {
            functions: vec![QueryFunction::QueryServerInformation],
        });
        assert!(info.operations.is_empty());
        assert!(info.object_types.is_empty());
        let objects = query(&QueryRequest {
            functions: vec![QueryFunction::QueryObjects],
        });
        assert_eq!(objects.object_types.len(), 6);
        assert!(objects.object_types.contains(&ObjectType::SecretData));
        assert!(objects.object_types.contains(&ObjectType::Certificate));
        assert_eq!(objects.object_types[0], ObjectType::SymmetricKey);
        assert_eq!(info.vendor_identification.as_deref(), Some(VENDOR));
    }
}
