//! What one tick did.

/// What one tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TickReport {
    /// Keys whose material was destroyed.
    pub destroyed: usize,
    /// Keys deactivated on their date.
    pub deactivated: usize,
    /// Keys deactivated at the end of their recipient-usage period.
    pub cryptoperiods_ended: usize,
    /// Keys activated on their date.
    pub activated: usize,
    /// Keys rotated.
    pub rotated: usize,
    /// Unused keys warned that they will be suspended.
    pub unused_warned: usize,
    /// Unused keys suspended.
    pub unused_suspended: usize,
    /// Pending approvals marked expired.
    pub approvals_expired: usize,
    /// Key uses written to the store.
    pub uses_recorded: usize,
    /// Actions that failed or were refused (each logged and audited).
    pub failed: usize,
    /// The tick did nothing: the server is sealed.
    pub sealed: bool,
    /// The tick stopped at [`MAX_ROUNDS`](super::MAX_ROUNDS) with work
    /// perhaps left; the next tick resumes after the last key it read.
    pub truncated: bool,
}

impl TickReport {
    /// Actions that succeeded (key uses written are bookkeeping, not
    /// counted).
    pub fn done(&self) -> usize {
        self.destroyed
            + self.deactivated
            + self.cryptoperiods_ended
            + self.activated
            + self.rotated
            + self.unused_warned
            + self.unused_suspended
            + self.approvals_expired
    }

    /// Logs the report: at info level when something was done, at warn
    /// level when something failed.
    pub fn log(&self) {
        if self.failed > 0 || self.truncated {
            tracing::warn!(report = ?self, "scheduler tick left work undone");
        } else if self.done() > 0 {
            tracing::info!(report = ?self, "scheduler tick");
        }
    }
}
