//! Secret bytes: zeroized when dropped, never printed, never copied by
//! accident.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Bytes that must stay secret: key material, plaintext, shared secrets.
///
/// The bytes are overwritten with zeros when the value is dropped. `Debug`
/// prints only the length; there is no `Display` and no `Clone` (use
/// [`SecretBytes::duplicate`] when a second copy is really needed, so every
/// copy is visible in the code). It has no `==` either: comparing secrets
/// must be done in constant time, on purpose.
#[derive(Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of `bytes`; they are zeroized when this value drops.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies `bytes` into a new secret (the caller zeroizes its own copy).
    pub fn copy_from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// Makes a second, independent copy of the secret.
    pub fn duplicate(&self) -> Self {
        Self::copy_from(&self.0)
    }

    /// The secret bytes. Every call site is a place where the secret is used.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// How many bytes the secret has (not secret itself).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted>; {} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_bytes() {
        let s = SecretBytes::new(vec![0xAB; 32]);
        let shown = format!("{s:?}");
        assert_eq!(shown, "SecretBytes(<redacted>; 32 bytes)");
        assert!(!shown.to_lowercase().contains("ab"));
    }

    #[test]
    fn duplicate_is_an_independent_equal_copy() {
        let s = SecretBytes::new(vec![1, 2, 3]);
        let d = s.duplicate();
        assert_eq!(d.expose(), &[1, 2, 3]);
        assert_eq!(s.expose(), d.expose());
        drop(s);
        assert_eq!(d.len(), 3);
        assert!(!d.is_empty());
        assert!(SecretBytes::default().is_empty());
    }

    #[test]
    fn zeroize_clears_the_bytes() {
        let mut s = SecretBytes::new(vec![7; 16]);
        s.zeroize();
        assert!(s.is_empty(), "zeroize empties the vector after wiping it");
    }
}
