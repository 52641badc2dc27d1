//! Bytes that may be key material or plaintext: zeroized on drop, never printed.

use std::fmt;

use zeroize::Zeroizing;

/// Secret bytes (key material, plaintext, shared secrets). `Debug` prints the length only.
#[derive(Clone, Default)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes`.
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(Zeroizing::new(bytes))
    }

    /// The bytes, for the code that must use them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<{} bytes>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_only_the_length() {
        let s = SecretBytes::new(vec![0xAB; 4]);
        assert_eq!(format!("{s:?}"), "SecretBytes(<4 bytes>)");
        assert_eq!(s.expose(), [0xAB; 4]);
    }
}
