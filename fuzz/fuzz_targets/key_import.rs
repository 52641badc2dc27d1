//! Fuzzes the key-material readers a KMIP Register feeds from the network
//! (`keyhold_crypto::key_import`): PKCS#8, PKCS#1 and SubjectPublicKeyInfo
//! DER, RSA and DSA components, the legacy RSA-1024 and DSA checks among
//! them. The first byte picks the reader, the rest is its input (split in
//! parts for components). Arbitrary bytes must never panic; a key that is
//! accepted must read back through the same reader.
#![no_main]

use keyhold_crypto::key_import::{
    DsaPrivateComponents, DsaPublicComponents, PrivateKeyInput, PublicKeyInput,
    RsaPrivateComponents, import_private, import_public,
};
use libfuzzer_sys::fuzz_target;

/// `data` cut in `N` parts at the lengths its first `N - 1` bytes give.
fn parts<const N: usize>(data: &[u8]) -> Option<[&[u8]; N]> {
    let (lens, mut rest) = data.split_at_checked(N - 1)?;
    let mut out = [&[][..]; N];
    for (slot, &len) in out.iter_mut().zip(lens) {
        let (head, tail) = rest.split_at_checked(usize::from(len).min(rest.len()))?;
        *slot = head;
        rest = tail;
    }
    *out.last_mut()? = rest;
    Some(out)
}

fn private(kind: u8, data: &[u8]) {
    let input = match kind % 4 {
        0 => PrivateKeyInput::Pkcs8(data),
        1 => PrivateKeyInput::RsaPkcs1(data),
        2 => {
            let Some([n, e, d, p, q, dp, dq, qi]) = parts::<8>(data) else {
                return;
            };
            PrivateKeyInput::RsaComponents(RsaPrivateComponents {
                modulus: n,
                public_exponent: e,
                private_exponent: d,
                p,
                q,
                prime_exponent_p: dp,
                prime_exponent_q: dq,
                crt_coefficient: qi,
            })
        }
        _ => {
            let Some([p, q, g, x]) = parts::<4>(data) else {
                return;
            };
            PrivateKeyInput::DsaComponents(DsaPrivateComponents { p, q, g, x })
        }
    };
    let _ = import_private(&input);
}

fn public(kind: u8, data: &[u8]) {
    let input = match kind % 4 {
        0 => PublicKeyInput::Spki(data),
        1 => PublicKeyInput::RsaPkcs1(data),
        2 => {
            let Some([modulus, public_exponent]) = parts::<2>(data) else {
                return;
            };
            PublicKeyInput::RsaComponents {
                modulus,
                public_exponent,
            }
        }
        _ => {
            let Some([p, q, g, y]) = parts::<4>(data) else {
                return;
            };
            PublicKeyInput::DsaComponents(DsaPublicComponents { p, q, g, y })
        }
    };
    if let Ok(info) = import_public(&input) {
        // What was accepted is a SubjectPublicKeyInfo that reads again.
        let again = import_public(&PublicKeyInput::Spki(info.spki()));
        assert!(again.is_ok(), "an accepted public key does not read back");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    if kind & 0x80 == 0 {
        private(kind, rest);
    } else {
        public(kind, rest);
    }
});
