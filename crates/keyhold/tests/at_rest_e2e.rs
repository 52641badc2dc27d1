//! Invariant 1 (DESIGN.md): no plaintext key material at rest. After a real
//! server created keys of every algorithm and encrypted data, the raw SQLite
//! files hold none of: any private 16-byte piece of any version's material,
//! the root key, the plaintext, or the root token.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use common::{Server, contains, raw_store_bytes};
use keyhold_api::b64::SecretBase64;
use keyhold_api::keys::{CreateKeyRequest, EncryptRequest};
use keyhold_core::{Algorithm, TenantName};
use keyhold_crypto::SecretBytes;
use keyhold_crypto::hierarchy::{KekGenerations, MaterialAad, RootKey};
use keyhold_store::{KeyQuery, Store, TxError};

const PLAINTEXT: &[u8] = b"PLAINTEXT-MARKER-7f3a9c61-never-at-rest";
const TOKEN: &str = "root-token-marker-5d0b1e";

/// Every non-overlapping 16-byte piece of `secret` (and the tail).
fn pieces(secret: &[u8]) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = secret.chunks_exact(16).collect();
    if secret.len() >= 16 {
        out.push(&secret[secret.len() - 16..]);
    } else {
        out.push(secret);
    }
    out
}

#[tokio::test]
async fn the_raw_database_holds_no_key_material_and_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::dev_in(dir.path(), Some(TOKEN));
    let c = server.client();
    // Data objects and legacy keys are registered over KMIP, never
    // created over REST.
    for alg in Algorithm::ALL.into_iter().filter(made_over_rest) {
        let req = CreateKeyRequest::new(format!("k-{}", alg.as_str()).parse().unwrap(), alg);
        c.create_key(&req).await.unwrap();
    }
    for name in ["k-aes-256-gcm", "k-chacha20-poly1305"] {
        let req = EncryptRequest {
            plaintext: SecretBase64(PLAINTEXT.to_vec()),
            context: BTreeMap::new(),
        };
        c.encrypt(&name.parse().unwrap(), &req).await.unwrap();
    }
    server.kill();

    let raw = raw_store_bytes(dir.path());
    assert!(!contains(&raw, PLAINTEXT), "plaintext found at rest");
    assert!(
        !contains(&raw, TOKEN.as_bytes()),
        "root token found at rest"
    );

    // Open every secret the way the server does, then look for it.
    let root_bytes = std::fs::read(dir.path().join("dev-root.key")).unwrap();
    assert!(!contains(&raw, &root_bytes), "root key found in the store");
    let root = RootKey::from_secret(SecretBytes::new(root_bytes)).unwrap();
    let store = Store::open_sqlite(&dir.path().join("keyhold.db")).unwrap();
    let default: TenantName = "default".parse().unwrap();
    let (tenant, versions) = store
        .read(|tx| {
            let tenant = tx.tenant_by_name(&default)?.unwrap();
            let keys = tx.keys(
                tenant.id,
                &KeyQuery {
                    limit: 100,
                    ..KeyQuery::default()
                },
            )?;
            let mut versions = Vec::new();
            for k in keys {
                versions.push((k.clone(), tx.versions(k.id)?));
            }
            Ok::<_, TxError<()>>((tenant, versions))
        })
        .unwrap();
    assert_eq!(versions.len(), keys_made());
    let kek = root
        .open_kek(
            tenant.id,
            KekGenerations {
                root: tenant.root_generation,
                kek: tenant.kek_generation,
            },
            &tenant.sealed_kek,
        )
        .unwrap();
    let mut checked = 0;
    for (key, vs) in versions {
        for v in vs {
            let aad = MaterialAad {
                tenant: tenant.id,
                key: key.id,
                version: v.meta.version,
                algorithm: key.algorithm,
            };
            let material = kek
                .open_material(&aad, v.sealed_material.as_ref().unwrap())
                .unwrap();
            // PKCS#8 may embed the public key (ECDSA, Ed25519), which is
            // stored in the clear by design: only private pieces count.
            let public = v.meta.public_key.clone().unwrap_or_default();
            let private: Vec<&[u8]> = pieces(material.secret().expose())
                .into_iter()
                .filter(|p| !contains(&public, p))
                .collect();
            assert!(
                !private.is_empty(),
                "{}: nothing private to look for",
                key.algorithm
            );
            for piece in private {
                assert!(
                    !contains(&raw, piece),
                    "{} material found at rest",
                    key.algorithm
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, keys_made());
}

/// How many keys the test makes: one per algorithm but the data objects
/// and the legacy keys.
fn keys_made() -> usize {
    Algorithm::ALL.iter().filter(|a| made_over_rest(a)).count()
}

fn made_over_rest(a: &Algorithm) -> bool {
    !a.is_data() && !a.is_legacy()
}
