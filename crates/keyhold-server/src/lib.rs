//! keyhold-server (being built).
