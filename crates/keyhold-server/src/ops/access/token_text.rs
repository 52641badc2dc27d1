//! The text of a principal's access token: 32 random bytes shown once as
//! `kht_<base64url>`. The server stores only its SHA-256
//! ([`TokenHash`]); the text exists in memory just long enough to be
//! answered, is wiped when dropped, and never shows in `Debug`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyhold_crypto::CryptoProvider;
use zeroize::Zeroizing;

use crate::auth::TokenHash;
use crate::error::ServerError;

/// The prefix of a principal's token (a root token starts `khr_`).
pub(crate) const PREFIX: &str = "kht_";

/// A principal's token in the clear.
pub(crate) struct TokenText(Zeroizing<String>);

impl std::fmt::Debug for TokenText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenText(<redacted>)")
    }
}

impl TokenText {
    /// A fresh random token.
    pub(crate) fn generate(crypto: &CryptoProvider) -> Result<Self, ServerError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        crypto
            .random
            .fill(bytes.as_mut())
            .map_err(ServerError::Crypto)?;
        let text = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes.as_ref()));
        Ok(Self(Zeroizing::new(text)))
    }

    /// Its hash, the only form that is stored.
    pub(crate) fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }

    /// Gives the text away, to be shown once.
    pub(crate) fn reveal(self) -> keyhold_api::access::SecretText {
        keyhold_api::access::SecretText::new(self.0.as_str().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_redacted() {
        let crypto = keyhold_crypto::software();
        let a = TokenText::generate(&crypto).unwrap();
        let b = TokenText::generate(&crypto).unwrap();
        assert_ne!(a.hash(), b.hash());
        assert!(!format!("{a:?}").contains(PREFIX));
        let hash = a.hash();
        let text = a.reveal();
        assert!(text.expose().starts_with(PREFIX));
        // 32 bytes are 43 base64url characters without padding.
        assert_eq!(text.expose().len(), PREFIX.len() + 43);
        assert!(hash.matches(text.expose()));
    }
}
