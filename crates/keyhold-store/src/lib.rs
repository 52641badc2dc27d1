//! keyhold-store (being built).
