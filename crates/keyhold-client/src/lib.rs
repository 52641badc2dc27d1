//! keyhold-client (being built).
