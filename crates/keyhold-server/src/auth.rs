//! Bearer tokens. A token is 32 random bytes shown once as
//! `khr_<base64url>`; the server keeps only its SHA-256 hash and compares
//! hashes in constant time. (Principals, scoped tokens and policies come with
//! the access-control issue; today the root token is the only identity.)

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyhold_crypto::CryptoProvider;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::error::ServerError;

const ROOT_PREFIX: &str = "khr_";

/// A root token in the clear: exists only to be shown once, then dropped.
pub struct RootToken(Zeroizing<String>);

impl std::fmt::Debug for RootToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootToken(<redacted>)")
    }
}

impl RootToken {
    /// A fresh random token.
    pub fn generate(crypto: &CryptoProvider) -> Result<Self, ServerError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        crypto
            .random
            .fill(bytes.as_mut())
            .map_err(ServerError::Crypto)?;
        let text = format!("{ROOT_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes.as_ref()));
        Ok(Self(Zeroizing::new(text)))
    }

    /// A token chosen by the operator (`--dev-root-token`).
    pub fn from_text(text: &str) -> Self {
        Self(Zeroizing::new(text.to_owned()))
    }

    /// The token text, to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its hash, the only form that is stored.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

/// SHA-256 of a token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

impl TokenHash {
    /// The hash of `token`.
    pub fn of(token: &str) -> Self {
        let d = digest::digest(&digest::SHA256, token.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        Self(out)
    }

    /// From stored bytes; `None` unless exactly 32.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    /// The stored bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether `token` hashes to this, compared in constant time.
    pub fn matches(&self, token: &str) -> bool {
        bool::from(Self::of(token).0.ct_eq(&self.0))
    }
}

/// Extracts the token of an `Authorization: Bearer <token>` header value.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_themselves() {
        let t = RootToken::from_text("khr_abc");
        let h = t.hash();
        assert!(h.matches("khr_abc"));
        assert!(!h.matches("khr_abd"));
        assert!(!h.matches(""));
        assert!(!format!("{t:?}{h:?}").contains("abc"));
    }

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(Some("Bearer")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn stored_hash_must_be_32_bytes() {
        assert!(TokenHash::from_bytes(&[0; 31]).is_none());
        assert!(TokenHash::from_bytes(&[0; 32]).is_some());
    }
}
