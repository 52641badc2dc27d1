//! Cryptographic operation payloads: Encrypt, Decrypt, Sign, Signature Verify, MAC,
//! MAC Verify, RNG Retrieve, Hash (KMIP 1.4 sections 4.29–4.35, 4.37; KMIP 2.1 sections
//! 6.1.11, 6.1.17, 6.1.24, 6.1.32, 6.1.33, 6.1.49, 6.1.55, 6.1.56).

use super::macros::payload;
use crate::crypto_params::CryptographicParameters;
use crate::identifier::UniqueIdentifier;
use crate::secret::SecretBytes;
use crate::{ValidityIndicator, tags};

payload! {
    /// Encrypt request.
    EncryptRequest {
        /// The key; the ID placeholder when absent.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Cryptographic Parameters.
        cryptographic_parameters: opt CryptographicParameters = tags::CRYPTOGRAPHIC_PARAMETERS,
        /// Plaintext.
        data: opt SecretBytes = tags::DATA,
        /// IV/Counter/Nonce.
        iv_counter_nonce: opt Vec<u8> = tags::IV_COUNTER_NONCE,
        /// Correlation Value (streaming).
        correlation_value: opt Vec<u8> = tags::CORRELATION_VALUE,
        /// Init Indicator.
        init_indicator: opt bool = tags::INIT_INDICATOR,
        /// Final Indicator.
        final_indicator: opt bool = tags::FINAL_INDICATOR,
        /// Authenticated Encryption Additional Data.
        aad: opt Vec<u8> = tags::AUTHENTICATED_ENCRYPTION_ADDITIONAL_DATA,
    }
}

payload! {
    /// Encrypt response.
    EncryptResponse {
        /// The key used.
        unique_identifier: req UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Ciphertext.
        data: opt Vec<u8> = tags::DATA,
        /// IV/Counter/Nonce the server generated.
        iv_counter_nonce: opt Vec<u8> = tags::IV_COUNTER_NONCE,
        /// Correlation Value.
        correlation_value: opt Vec<u8> = tags::CORRELATION_VALUE,
        /// Authenticated Encryption Tag.
        tag: opt Vec<u8> = tags::AUTHENTICATED_ENCRYPTION_TAG,
    }
}

payload! {
    /// Decrypt request.
    DecryptRequest {
        /// The key.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Cryptographic Parameters.
        cryptographic_parameters: opt CryptographicParameters = tags::CRYPTOGRAPHIC_PARAMETERS,
        /// Ciphertext.
        data: opt Vec<u8> = tags::DATA,
        /// IV/Counter/Nonce.
        iv_counter_nonce: opt Vec<u8> = tags::IV_COUNTER_NONCE,
        /// Correlation Value.
        correlation_value: opt Vec<u8> = tags::CORRELATION_VALUE,
        /// Init Indicator.
        init_indicator: opt bool = tags::INIT_INDICATOR,
        /// Final Indicator.
        final_indicator: opt bool = tags::FINAL_INDICATOR,
        /// Authenticated Encryption Additional Data.
        aad: opt Vec<u8> = tags::AUTHENTICATED_ENCRYPTION_ADDITIONAL_DATA,
        /// Authenticated Encryption Tag.
        tag: opt Vec<u8> = tags::AUTHENTICATED_ENCRYPTION_TAG,
    }
}

payload! {
    /// Decrypt response.
    DecryptResponse {
        /// The key used.
        unique_identifier: req UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Plaintext.
        data: opt SecretBytes = tags::DATA,
        /// Correlation Value.
        correlation_value: opt Vec<u8> = tags::CORRELATION_VALUE,
    }
}

payload! {
    /// Sign, MAC and Hash requests (Hash has no Unique Identifier; Sign may carry
    /// Digested Data).
    DigestRequest {
        /// The key.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Cryptographic Parameters.
        cryptographic_parameters: opt CryptographicParameters = tags::CRYPTOGRAPHIC_PARAMETERS,
        /// Data.
        data: opt SecretBytes = tags::DATA,
        /// Digested Data (Sign, 1.3 and later).
        digested_data: opt Vec<u8> = tags::DIGESTED_DATA,
        /// Correlation Value.
        correlation_value: opt Vec<u8> = tags::CORRELATION_VALUE,
        /// Init Indicator.
        init_indicator: opt bool = tags::INIT_INDICATOR,
        /// Final Indicator.
        final_indicator: opt bool = tags::FINAL_INDICATOR,
    }
}

payload! {
    /// Sign, MAC and Hash responses: the result under its tag.
    DigestResponse {
        /// The key used (absent for Hash).
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Signature Data (Sign).
        signature_data: opt Vec<u8> = tags::SIGNATURE_DATA,
        /// MAC Data (MAC).
        mac_data: opt Vec<u8> = tags::MAC_DATA,
        /// Data (Hash).
        data: opt Vec<u8> = tags::DATA,
        /// Correlation Value.
        correlation_value: opt Vec<u8> = tags::CORRELATION_VALUE,
    }
}

payload! {
    /// Signature Verify and MAC Verify requests.
    VerifyRequest {
        /// The key.
        unique_identifier: opt UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Cryptographic Parameters.
        cryptographic_parameters: opt CryptographicParameters = tags::CRYPTOGRAPHIC_PARAMETERS,
        /// Data.
        data: opt SecretBytes = tags::DATA,
        /// Digested Data (Signature Verify).
        digested_data: opt Vec<u8> = tags::DIGESTED_DATA,
        /// Signature Data (Signature Verify).
        signature_data: opt Vec<u8> = tags::SIGNATURE_DATA,
        /// MAC Data (MAC Verify).
        mac_data: opt Vec<u8> = tags::MAC_DATA,
        /// Correlation Value.
        correlation_value: opt Vec<u8> = tags::CORRELATION_VALUE,
        /// Init Indicator.
        init_indicator: opt bool = tags::INIT_INDICATOR,
        /// Final Indicator.
        final_indicator: opt bool = tags::FINAL_INDICATOR,
    }
}

payload! {
    /// Signature Verify and MAC Verify responses.
    VerifyResponse {
        /// The key used.
        unique_identifier: req UniqueIdentifier = tags::UNIQUE_IDENTIFIER,
        /// Validity Indicator.
        validity_indicator: opt ValidityIndicator = tags::VALIDITY_INDICATOR,
        /// Data (recovered message, Signature Verify).
        data: opt Vec<u8> = tags::DATA,
        /// Correlation Value.
        correlation_value: opt Vec<u8> = tags::CORRELATION_VALUE,
    }
}

payload! {
    /// RNG Retrieve request.
    RngRetrieveRequest {
        /// Data Length in bytes.
        data_length: req i32 = tags::DATA_LENGTH,
    }
}

payload! {
    /// RNG Retrieve response.
    RngRetrieveResponse {
        /// The random bytes.
        data: req SecretBytes = tags::DATA,
    }
}

payload! {
    /// RNG Seed request (KMIP 1.4 section 4.36, KMIP 2.1 section 6.1.50).
    RngSeedRequest {
        /// The seed material the client offers.
        data: req SecretBytes = tags::DATA,
    }
}

payload! {
    /// RNG Seed response.
    RngSeedResponse {
        /// How many bytes of the seed material the server used.
        data_length: req i32 = tags::DATA_LENGTH,
    }
}

/// The multi-part fields of a cryptographic request (KMIP 1.4 sections
/// 4.29 to 4.34, KMIP 2.1 section 6.1): Correlation Value, Init Indicator
/// and Final Indicator.
pub trait MultiPart {
    /// Whether the request carries any of them, i.e. asks for a step of a
    /// multi-part (streaming) operation.
    fn is_multi_part(&self) -> bool;
}

macro_rules! multi_part {
    ($($request:ty),*) => {$(
        impl MultiPart for $request {
            fn is_multi_part(&self) -> bool {
                self.correlation_value.is_some()
                    || self.init_indicator.is_some()
                    || self.final_indicator.is_some()
            }
        }
    )*};
}

multi_part!(EncryptRequest, DecryptRequest, DigestRequest, VerifyRequest);
