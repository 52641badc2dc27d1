//! Every cryptographic use of a managed key, run against a set of keys (one
//! per kind of operation), with what each use answered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use keyhold_api::ErrorCode;
use keyhold_api::b64::{Base64, SecretBase64};
use keyhold_api::crypto::{
    DecapsulateRequest, EncapsulateRequest, GenerateDataKeyRequest, MacRequest, MacVerifyRequest,
    ReencryptRequest, SignRequest, VerifyRequest,
};
use keyhold_api::keys::{CreateKeyRequest, DecryptRequest, EncryptRequest, KeyInfo};
use keyhold_core::{Action, Algorithm, KeyRef};
use keyhold_server::error::ServerError;

use super::World;

/// One key per kind of use, and what each made while it was usable.
pub struct KeySet {
    pub aes: KeyInfo,
    pub hmac: KeyInfo,
    pub ed25519: KeyInfo,
    pub kem: KeyInfo,
    ciphertext: Vec<u8>,
    mac: Vec<u8>,
    signature: Vec<u8>,
    encapsulated: Vec<u8>,
}

const DATA: &[u8] = b"data protected while the key was in service";

fn key(w: &World, prefix: &str, name: &str, algorithm: Algorithm) -> KeyInfo {
    let name = format!("{prefix}-{name}").parse().unwrap();
    w.create(CreateKeyRequest::new(name, algorithm))
}

impl KeySet {
    /// Four active keys named `PREFIX-aes` and so on, each used once.
    pub fn new(w: &World, prefix: &str) -> Self {
        let mut set = Self {
            aes: key(w, prefix, "aes", Algorithm::Aes256Gcm),
            hmac: key(w, prefix, "hmac", Algorithm::HmacSha256),
            ed25519: key(w, prefix, "ed25519", Algorithm::Ed25519),
            kem: key(w, prefix, "kem", Algorithm::MlKem768),
            ciphertext: Vec::new(),
            mac: Vec::new(),
            signature: Vec::new(),
            encapsulated: Vec::new(),
        };
        let aes = KeyRef::Id(set.aes.id);
        let req = EncryptRequest {
            plaintext: SecretBase64(DATA.to_vec()),
            context: BTreeMap::new(),
        };
        set.ciphertext = w
            .root(Action::KeyEncrypt, |ops, c| ops.encrypt(c, &aes, req))
            .unwrap()
            .ciphertext
            .0;
        let hmac = KeyRef::Id(set.hmac.id);
        let req = MacRequest {
            data: Base64(DATA.to_vec()),
        };
        set.mac = w
            .root(Action::KeyMac, |ops, c| ops.mac(c, &hmac, req))
            .unwrap()
            .mac
            .0;
        set.signature = set.sign(w).unwrap();
        set.encapsulated = set.encapsulate(w).unwrap();
        let all = set.uses(w);
        assert!(all.iter().all(|(_, r)| r.is_ok()), "{all:?}");
        set
    }

    /// The ids of the four keys.
    pub fn keys(&self) -> [KeyRef; 4] {
        [&self.aes, &self.hmac, &self.ed25519, &self.kem].map(|k| KeyRef::Id(k.id))
    }

    fn sign(&self, w: &World) -> Result<Vec<u8>, ServerError> {
        let k = KeyRef::Id(self.ed25519.id);
        let req = SignRequest {
            message: Some(Base64(DATA.to_vec())),
            digest: None,
            scheme: None,
        };
        w.root(Action::KeySign, |ops, c| ops.sign(c, &k, req))
            .map(|r| r.signature.0)
    }

    fn encapsulate(&self, w: &World) -> Result<Vec<u8>, ServerError> {
        let k = KeyRef::Id(self.kem.id);
        w.root(Action::KeyEncapsulate, |ops, c| {
            ops.encapsulate(c, &k, EncapsulateRequest {})
        })
        .map(|r| r.ciphertext.0.clone())
    }

    /// Every use that protects new data (encrypt, data keys, reencrypt
    /// (which also processes), sign, MAC, encapsulate).
    pub fn protect_uses(&self, w: &World) -> Vec<(&'static str, Result<(), ServerError>)> {
        let aes = KeyRef::Id(self.aes.id);
        let hmac = KeyRef::Id(self.hmac.id);
        let encrypt = EncryptRequest {
            plaintext: SecretBase64(DATA.to_vec()),
            context: BTreeMap::new(),
        };
        let reencrypt = ReencryptRequest {
            ciphertext: Base64(self.ciphertext.clone()),
            context: BTreeMap::new(),
            destination_key: None,
            destination_context: None,
        };
        let data_key = GenerateDataKeyRequest {
            bytes: 32,
            context: BTreeMap::new(),
            include_plaintext: true,
        };
        vec![
            (
                "encrypt",
                w.root(Action::KeyEncrypt, |ops, c| ops.encrypt(c, &aes, encrypt))
                    .map(drop),
            ),
            (
                "generate-data-key",
                w.root(Action::KeyGenerateDataKey, |ops, c| {
                    ops.generate_data_key(c, &aes, data_key)
                })
                .map(drop),
            ),
            (
                "reencrypt",
                w.root(Action::KeyReencrypt, |ops, c| {
                    ops.reencrypt(c, &aes, reencrypt)
                })
                .map(drop),
            ),
            ("sign", self.sign(w).map(drop)),
            (
                "mac",
                w.root(Action::KeyMac, |ops, c| {
                    ops.mac(
                        c,
                        &hmac,
                        MacRequest {
                            data: Base64(DATA.to_vec()),
                        },
                    )
                })
                .map(drop),
            ),
            ("encapsulate", self.encapsulate(w).map(drop)),
        ]
    }

    /// Every use that processes protected data (decrypt, verify, MAC
    /// verify, decapsulate) of what the keys made while usable.
    pub fn process_uses(&self, w: &World) -> Vec<(&'static str, Result<(), ServerError>)> {
        let aes = KeyRef::Id(self.aes.id);
        let hmac = KeyRef::Id(self.hmac.id);
        let ed = KeyRef::Id(self.ed25519.id);
        let kem = KeyRef::Id(self.kem.id);
        let decrypt = DecryptRequest {
            ciphertext: Base64(self.ciphertext.clone()),
            context: BTreeMap::new(),
        };
        let verify = VerifyRequest {
            message: Some(Base64(DATA.to_vec())),
            digest: None,
            signature: Base64(self.signature.clone()),
            scheme: None,
            version: None,
        };
        let mac_verify = MacVerifyRequest {
            data: Base64(DATA.to_vec()),
            mac: Base64(self.mac.clone()),
            version: None,
        };
        let decapsulate = DecapsulateRequest {
            ciphertext: Base64(self.encapsulated.clone()),
            version: None,
        };
        vec![
            (
                "decrypt",
                w.root(Action::KeyDecrypt, |ops, c| ops.decrypt(c, &aes, decrypt))
                    .map(drop),
            ),
            (
                "verify",
                w.root(Action::KeyVerify, |ops, c| ops.verify(c, &ed, verify))
                    .map(drop),
            ),
            (
                "mac-verify",
                w.root(Action::KeyMacVerify, |ops, c| {
                    ops.mac_verify(c, &hmac, mac_verify)
                })
                .map(drop),
            ),
            (
                "decapsulate",
                w.root(Action::KeyDecapsulate, |ops, c| {
                    ops.decapsulate(c, &kem, decapsulate)
                })
                .map(drop),
            ),
        ]
    }

    /// Every use, protecting and processing.
    pub fn uses(&self, w: &World) -> Vec<(&'static str, Result<(), ServerError>)> {
        let mut all = self.protect_uses(w);
        all.extend(self.process_uses(w));
        all
    }
}

/// Asserts that every use answered `code`, and that its message holds
/// `says`.
pub fn all_refused(
    uses: Vec<(&'static str, Result<(), ServerError>)>,
    code: ErrorCode,
    says: &str,
) {
    assert!(!uses.is_empty());
    for (name, result) in uses {
        let Err(e) = result else {
            panic!("{name} was allowed");
        };
        let (got, message) = e.public();
        assert_eq!(got, code, "{name}: {e}");
        assert!(message.contains(says), "{name}: {message}");
    }
}
