//! Test helpers: one generated key per algorithm, made once per test binary
//! (RSA-4096 generation is slow), handed out as independent copies.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use keyhold_core::Algorithm;

use crate::legacy::fixtures;
use crate::material::KeyMaterial;
use crate::secret::SecretBytes;
use crate::software::SOFTWARE;

/// A copy of the cached test key of `algorithm` (the same key every call).
pub(crate) fn material(algorithm: Algorithm) -> KeyMaterial {
    static CACHE: OnceLock<Mutex<HashMap<Algorithm, KeyMaterial>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap();
    map.entry(algorithm)
        .or_insert_with(|| {
            // Data objects and legacy keys are registered, never generated.
            let registered = match algorithm {
                Algorithm::Rsa1024Legacy => fixtures::bytes(fixtures::RSA1024_PKCS8),
                Algorithm::DsaLegacy => fixtures::bytes(fixtures::DSA2048_PKCS8),
                a if a.is_data() => b"hunter2".to_vec(),
                _ => return SOFTWARE.keygen.generate(algorithm).unwrap(),
            };
            KeyMaterial::from_parts(algorithm, SecretBytes::new(registered)).unwrap()
        })
        .duplicate()
}

/// The public key of the cached test key of `algorithm`.
pub(crate) fn public_key(algorithm: Algorithm) -> Vec<u8> {
    SOFTWARE
        .keygen
        .public_key(&material(algorithm))
        .unwrap()
        .unwrap()
}
