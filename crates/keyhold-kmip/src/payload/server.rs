//! Payloads about the server and the conversation: Discover Versions, Query, Interop, Log
//! (KMIP 1.4 sections 4.25, 4.26; KMIP 2.1 sections 6.1.16, 6.1.26, 6.1.29, 6.1.40).

use keyhold_ttlv::Ttlv;

use super::macros::payload;
use crate::{InteropFunction, ObjectType, Operation, ProtocolVersion, QueryFunction, tags};

payload! {
    /// Discover Versions request and response: protocol versions, preferred first.
    DiscoverVersionsPayload {
        /// Protocol Version*.
        versions: many ProtocolVersion = tags::PROTOCOL_VERSION,
    }
}

payload! {
    /// Query request.
    QueryRequest {
        /// Query Function*.
        functions: many QueryFunction = tags::QUERY_FUNCTION,
    }
}

payload! {
    /// Query response. Informational structures are kept as TTLV trees.
    QueryResponse {
        /// Operations supported.
        operations: many Operation = tags::OPERATION,
        /// Object types supported.
        object_types: many ObjectType = tags::OBJECT_TYPE,
        /// Vendor Identification.
        vendor_identification: opt String = tags::VENDOR_IDENTIFICATION,
        /// Server Information.
        server_information: opt Ttlv = tags::SERVER_INFORMATION,
        /// Application Namespace*.
        application_namespaces: many String = tags::APPLICATION_NAMESPACE,
        /// Extension Information*.
        extension_information: many Ttlv = tags::EXTENSION_INFORMATION,
        /// Attestation Type*.
        attestation_types: many Ttlv = tags::ATTESTATION_TYPE,
        /// RNG Parameters*.
        rng_parameters: many Ttlv = tags::RNG_PARAMETERS,
        /// Profile Information*.
        profile_information: many Ttlv = tags::PROFILE_INFORMATION,
        /// Validation Information*.
        validation_information: many Ttlv = tags::VALIDATION_INFORMATION,
        /// Capability Information*.
        capability_information: many Ttlv = tags::CAPABILITY_INFORMATION,
        /// Client Registration Method*.
        client_registration_methods: many Ttlv = tags::CLIENT_REGISTRATION_METHOD,
        /// Defaults Information (2.x).
        defaults_information: opt2 Ttlv = tags::DEFAULTS_INFORMATION,
        /// Protection Storage Masks (2.x).
        protection_storage_masks: opt2 Ttlv = tags::PROTECTION_STORAGE_MASKS,
    }
}

payload! {
    /// Interop request (KMIP 2.1 section 6.1.26): test-harness control.
    InteropRequest {
        /// Interop Function.
        function: req InteropFunction = tags::INTEROP_FUNCTION,
        /// Interop Identifier.
        identifier: opt String = tags::INTEROP_IDENTIFIER,
    }
}

payload! {
    /// Log request (KMIP 2.1 section 6.1.29).
    LogRequest {
        /// Log Message.
        message: req String = tags::LOG_MESSAGE,
    }
}

payload! {
    /// A payload with no fields (Interop and Log responses).
    EmptyPayload {}
}
