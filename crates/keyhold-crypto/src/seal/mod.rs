//! Seals protect the root key while the server is sealed (DESIGN.md
//! section 4). This crate has the Shamir seal; the dev seal (a key file) and
//! the HSM seal live with the server, which uses [`RootKey::expose_for_seal`]
//! and [`RootKey::from_secret`](crate::hierarchy::RootKey::from_secret).
//!
//! [`RootKey::expose_for_seal`]: crate::hierarchy::RootKey::expose_for_seal

mod rng;
pub mod shamir;
