//! The KMIP listener (issue 7): TLS with a required client certificate,
//! TTLV-framed request messages, and a dispatcher that runs each batch item
//! through the same [`Operations`] service as REST.
//!
//! Identity: a client whose certificate chains to the configured client CA
//! acts as the principal that certificate's SHA-256 fingerprint is bound to
//! (`POST /v1/principals/{name}/certificates`); an unbound certificate is
//! refused (Permission Denied). Every batch item is authorized and audited
//! like a REST request, with interface `kmip`.
//!
//! Operations served today: Discover Versions, Query, RNG Retrieve, Create
//! and Register (AES-128/192/256, ChaCha20, HMAC-SHA-2 symmetric keys;
//! Register of Secret Data and Opaque Objects too), Create Key
//! Pair (RSA, ECDSA, Ed25519), Get (Raw, Transparent Symmetric Key, PKCS#8,
//! X.509 SubjectPublicKeyInfo, Opaque), Activate, Revoke, Destroy (scheduled after
//! the minimum waiting period), Archive, Recover, Re-key, Get Attributes,
//! Get Attribute List, Locate (by name), Encrypt and Decrypt (AES ECB, CBC,
//! CTR, GCM; ChaCha20-Poly1305; RSA OAEP and PKCS#1 v1.5), with a key's
//! own Cryptographic Parameters as defaults, Sign, Signature Verify, MAC,
//! MAC Verify, Hash and Check. Every other operation answers
//! Operation Not Supported for its batch item; the connection stays open.
//! docs/kmip.md is the user's view.

mod app_attrs;
mod asym_formats;
mod asym_register;
mod attribute_ops;
mod attributes;
mod certificates;
mod check_ops;
mod cipher_params;
mod crypto_ops;
mod custom_attrs;
mod data_objects;
pub mod dispatch;
mod errors;
mod hash_ops;
mod instance_ops;
mod key_wrapping;
mod keypair_ops;
mod keypairs;
pub mod listener;
mod locate;
mod mac_ops;
mod material_ops;
mod object_ops;
mod objects;
mod rsa_params;
mod server_attributes;
mod server_ops;
mod state_ops;
mod stored_params;
mod usage_limits;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::config::{KmipSettings, TlsFiles};
use crate::error::StartError;
use crate::ops::Operations;
use crate::tls::ClientCerts;

pub use self::dispatch::Dispatcher;
pub use self::listener::ConnectionSettings;

/// A bound KMIP listener, not yet serving.
pub struct Bound {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    /// The address bound (the real port when 0 was asked for).
    pub addr: SocketAddr,
}

impl std::fmt::Debug for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound").field("addr", &self.addr).finish()
    }
}

impl Bound {
    /// Loads the TLS configuration (the server's `[tls]` certificate and key,
    /// `settings.client_ca` for client certificates) and binds `settings.listen`.
    pub async fn bind(settings: &KmipSettings, tls: Option<&TlsFiles>) -> Result<Self, StartError> {
        let files = tls.ok_or(StartError::InvalidSetting {
            setting: "kmip",
            reason: "the KMIP listener needs the [tls] certificate and key",
        })?;
        let config = crate::tls::server_config(files, ClientCerts::Required(&settings.client_ca))?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = crate::serve::bind(settings.listen).await?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            listen: settings.listen,
            source,
        })?;
        Ok(Self {
            listener,
            acceptor,
            addr,
        })
    }

    /// Serves KMIP on a task of its own; abort the handle to stop.
    pub fn spawn(self, ops: Arc<Operations>, settings: ConnectionSettings) -> JoinHandle<()> {
        let dispatcher = Arc::new(Dispatcher::new(ops, settings.limits));
        tokio::spawn(listener::serve(
            self.listener,
            self.acceptor,
            dispatcher,
            settings,
        ))
    }
}
