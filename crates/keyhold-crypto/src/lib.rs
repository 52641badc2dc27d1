//! keyhold-crypto (being built).
