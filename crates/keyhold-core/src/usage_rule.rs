//! The usage rule: which operations a key version may perform, given its
//! lifecycle state, whether it is its key's primary version, whether it is
//! archived, and whether the caller holds the `use-compromised` permission.
//!
//! NIST SP 800-57 Part 1 section 5.3 splits use into applying protection
//! (originator usage) and processing protected data (recipient usage); the
//! states' meanings are those of KMIP 1.4 section 3.22 / KMIP 2.1 section 4.57:
//!
//! | state | protect | process |
//! |---|---|---|
//! | PreActive | no | no |
//! | Active | primary version only | yes |
//! | Suspended | no | no |
//! | Deactivated | no | yes |
//! | Compromised | no | with `use-compromised` only, and raise an alert |
//! | Destroyed, DestroyedCompromised | no | no |
//!
//! A version past its protect stop date (the end of its originator-usage
//! period, see [`crate::cryptoperiod`], or the KMIP Protect Stop Date a
//! client set, KMIP 1.4 section 3.26) protects nothing whatever its state:
//! [`CoreError::CryptoperiodEnded`]. A version before its process start
//! date (KMIP 1.4 section 3.25) processes nothing:
//! [`CoreError::ProcessNotStarted`].
//!
//! An archived version performs nothing (KMIP 2.1 section 6.1.42: it is
//! recovered before it is used). The algorithm and usage-mask check is
//! separate: [`KeyOperation::check`].

use crate::error::CoreError;
use crate::lifecycle::KeyState;
use crate::operation::{Direction, KeyOperation};
use crate::time::Timestamp;

/// What the usage rule needs to know about one key version and the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UseContext {
    /// The version's lifecycle state.
    pub state: KeyState,
    /// Whether it is its key's primary version (the one that protects new data).
    pub is_primary: bool,
    /// Whether it is archived (KMIP Archive).
    pub archived: bool,
    /// Whether the caller holds the `use-compromised` permission.
    pub may_use_compromised: bool,
    /// When the version stops protecting, if it does:
    /// [`KeyVersion::protect_stop`](crate::KeyVersion::protect_stop).
    pub protect_stop: Option<Timestamp>,
    /// When the version may start processing, if it was given a date.
    pub process_start: Option<Timestamp>,
    /// The time of the use.
    pub now: Timestamp,
}

/// The usage rule's consent to an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use = "a CompromisedUse permit requires an alert"]
pub enum Permit {
    /// Allowed.
    Normal,
    /// Allowed because the caller may use compromised keys, but the use of a
    /// Compromised version must raise an alert.
    CompromisedUse,
}

/// Decides whether `version` may perform `op`.
///
/// Errors: [`CoreError::Archived`] for an archived version, whatever its
/// state; [`CoreError::NotPrimary`] for a protect operation on an Active
/// version that is not the primary; [`CoreError::StateForbids`] for every
/// other refusal (including a Compromised version processing without
/// `use-compromised`); and, for a protect operation the state allows,
/// [`CoreError::CryptoperiodEnded`] once `now` has reached the protect stop
/// date; for a process operation the state allows,
/// [`CoreError::ProcessNotStarted`] while `now` is before the process start
/// date.
pub fn check_use(version: &UseContext, op: KeyOperation) -> Result<Permit, CoreError> {
    let permit = check_state(version, op)?;
    let now = version.now;
    match (op.direction(), version.protect_stop, version.process_start) {
        (Direction::Protect, Some(at), _) if at <= now => {
            Err(CoreError::CryptoperiodEnded { operation: op, at })
        }
        (Direction::Process, _, Some(at)) if now < at => {
            Err(CoreError::ProcessNotStarted { operation: op, at })
        }
        _ => Ok(permit),
    }
}

/// The state half of [`check_use`].
fn check_state(version: &UseContext, op: KeyOperation) -> Result<Permit, CoreError> {
    if version.archived {
        return Err(CoreError::Archived { operation: op });
    }
    let forbidden = CoreError::StateForbids {
        state: version.state,
        operation: op,
    };
    match (version.state, op.direction()) {
        (KeyState::Active, Direction::Protect) if version.is_primary => Ok(Permit::Normal),
        (KeyState::Active, Direction::Protect) => Err(CoreError::NotPrimary { operation: op }),
        (KeyState::Active | KeyState::Deactivated, Direction::Process) => Ok(Permit::Normal),
        (KeyState::Compromised, Direction::Process) if version.may_use_compromised => {
            Ok(Permit::CompromisedUse)
        }
        (KeyState::Compromised, Direction::Process) => Err(forbidden),
        (
            KeyState::PreActive
            | KeyState::Suspended
            | KeyState::Destroyed
            | KeyState::DestroyedCompromised,
            Direction::Protect | Direction::Process,
        )
        | (KeyState::Deactivated | KeyState::Compromised, Direction::Protect) => Err(forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Direction::{Process, Protect};
    use KeyState as S;

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

    /// The expected answer for one combination.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Want {
        /// `Ok(Permit::Normal)`.
        Ok,
        /// `Ok(Permit::CompromisedUse)`.
        Alert,
        /// `Err(StateForbids)`.
        Forbids,
        /// `Err(NotPrimary)`.
        NotPrimary,
        /// `Err(Archived)`.
        Archived,
    }
    use Want::{Alert, Archived as Arch, Forbids as No, NotPrimary as NotPri, Ok as Yes};

    /// Each operation with its direction, written out (not taken from
    /// `direction()`, which the rule itself uses).
    const OPERATIONS: [(KeyOperation, Direction); 11] = [
        (KeyOperation::Encrypt, Protect),
        (KeyOperation::Decrypt, Process),
        (KeyOperation::GenerateDataKey, Protect),
        (KeyOperation::Sign, Protect),
        (KeyOperation::Verify, Process),
        (KeyOperation::MacGenerate, Protect),
        (KeyOperation::MacVerify, Process),
        (KeyOperation::WrapKey, Protect),
        (KeyOperation::UnwrapKey, Process),
        (KeyOperation::Encapsulate, Protect),
        (KeyOperation::Decapsulate, Process),
    ];

    /// Columns, in order: (archived, is_primary, may_use_compromised) =
    /// fff, fft, ftf, ftt, tff, tft, ttf, ttt.
    #[rustfmt::skip]
    const TABLE: [(KeyState, Direction, [Want; 8]); 14] = [
        //                          fff     fft     ftf  ftt  tff   tft   ttf   ttt
        (S::PreActive, Protect,    [No,     No,     No,  No,  Arch, Arch, Arch, Arch]),
        (S::PreActive, Process,    [No,     No,     No,  No,  Arch, Arch, Arch, Arch]),
        (S::Active, Protect,       [NotPri, NotPri, Yes, Yes, Arch, Arch, Arch, Arch]),
        (S::Active, Process,       [Yes,    Yes,    Yes, Yes, Arch, Arch, Arch, Arch]),
        (S::Suspended, Protect,    [No,     No,     No,  No,  Arch, Arch, Arch, Arch]),
        (S::Suspended, Process,    [No,     No,     No,  No,  Arch, Arch, Arch, Arch]),
        (S::Deactivated, Protect,  [No,     No,     No,  No,  Arch, Arch, Arch, Arch]),
        (S::Deactivated, Process,  [Yes,    Yes,    Yes, Yes, Arch, Arch, Arch, Arch]),
        (S::Compromised, Protect,  [No,     No,     No,  No,  Arch, Arch, Arch, Arch]),
        (S::Compromised, Process,  [No,     Alert,  No,  Alert, Arch, Arch, Arch, Arch]),
        (S::Destroyed, Protect,    [No,     No,     No,  No,  Arch, Arch, Arch, Arch]),
        (S::Destroyed, Process,    [No,     No,     No,  No,  Arch, Arch, Arch, Arch]),
        (S::DestroyedCompromised, Protect, [No, No, No,  No,  Arch, Arch, Arch, Arch]),
        (S::DestroyedCompromised, Process, [No, No, No,  No,  Arch, Arch, Arch, Arch]),
    ];

    /// The flag combination of each table column.
    fn column(index: usize) -> (bool, bool, bool) {
        (index & 4 != 0, index & 2 != 0, index & 1 != 0)
    }

    /// What `check_use` must return for `want`.
    fn expected(want: Want, state: KeyState, op: KeyOperation) -> Result<Permit, CoreError> {
        match want {
            Yes => Ok(Permit::Normal),
            Alert => Ok(Permit::CompromisedUse),
            No => Err(CoreError::StateForbids {
                state,
                operation: op,
            }),
            NotPri => Err(CoreError::NotPrimary { operation: op }),
            Arch => Err(CoreError::Archived { operation: op }),
        }
    }

    #[test]
    fn check_use_matches_the_table_for_every_combination() {
        let mut checked = 0;
        for (state, direction, row) in TABLE {
            for (op, _) in OPERATIONS.iter().filter(|(_, d)| *d == direction) {
                for (index, want) in row.into_iter().enumerate() {
                    let (archived, is_primary, may_use_compromised) = column(index);
                    let ctx = UseContext {
                        state,
                        is_primary,
                        archived,
                        may_use_compromised,
                        protect_stop: None,
                        process_start: None,
                        now: NOW,
                    };
                    assert_eq!(
                        check_use(&ctx, *op),
                        expected(want, state, *op),
                        "{state} {op} archived={archived} primary={is_primary} \
                         use-compromised={may_use_compromised}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, KeyState::ALL.len() * OPERATIONS.len() * 8);
    }

    #[test]
    fn table_covers_every_state_and_direction_once() {
        for state in KeyState::ALL {
            for direction in [Protect, Process] {
                let rows = TABLE
                    .iter()
                    .filter(|(s, d, _)| *s == state && *d == direction)
                    .count();
                assert_eq!(rows, 1, "{state} {direction:?}");
            }
        }
    }

    #[test]
    fn operation_list_agrees_with_direction() {
        for (op, direction) in OPERATIONS {
            assert_eq!(op.direction(), direction, "{op}");
        }
    }

    /// A number per operation; stops compiling when one is added, until
    /// [`OPERATIONS`] lists it.
    fn operation_variant(op: KeyOperation) -> usize {
        match op {
            KeyOperation::Encrypt => 0,
            KeyOperation::Decrypt => 1,
            KeyOperation::GenerateDataKey => 2,
            KeyOperation::Sign => 3,
            KeyOperation::Verify => 4,
            KeyOperation::MacGenerate => 5,
            KeyOperation::MacVerify => 6,
            KeyOperation::WrapKey => 7,
            KeyOperation::UnwrapKey => 8,
            KeyOperation::Encapsulate => 9,
            KeyOperation::Decapsulate => 10,
        }
    }

    #[test]
    fn operation_list_is_complete() {
        let mut seen = [false; OPERATIONS.len()];
        for (op, _) in OPERATIONS {
            assert!(!seen[operation_variant(op)], "{op} listed twice");
            seen[operation_variant(op)] = true;
        }
        assert!(seen.iter().all(|s| *s), "an operation is missing: {seen:?}");
    }

    #[test]
    fn refusals_name_state_and_operation() {
        let ctx = UseContext {
            state: S::Deactivated,
            is_primary: true,
            archived: false,
            may_use_compromised: false,
            protect_stop: None,
            process_start: None,
            now: NOW,
        };
        let err = check_use(&ctx, KeyOperation::Encrypt).unwrap_err();
        assert_eq!(
            err.to_string(),
            "key is deactivated; encrypt is not allowed"
        );
        let archived = UseContext {
            archived: true,
            ..ctx
        };
        let err = check_use(&archived, KeyOperation::Decrypt).unwrap_err();
        assert_eq!(
            err.to_string(),
            "key version is archived; recover it before it can decrypt"
        );
    }

    /// Runs `check` on every state and flag combination (column `index`),
    /// with no usage dates, at `NOW`.
    fn for_every_base(mut check: impl FnMut(UseContext, usize)) {
        for state in KeyState::ALL {
            for index in 0..8 {
                let (archived, is_primary, may_use_compromised) = column(index);
                let base = UseContext {
                    state,
                    is_primary,
                    archived,
                    may_use_compromised,
                    protect_stop: None,
                    process_start: None,
                    now: NOW,
                };
                check(base, index);
            }
        }
    }

    /// Every state and flag combination again, with the protect stop date
    /// at, before and after `now`: a protect operation the state allows is
    /// refused from the stop date on, and nothing else changes.
    #[test]
    fn the_end_of_the_originator_usage_period_stops_protect_only() {
        let stops = [
            (NOW.plus_seconds(1), false),
            (NOW, true),
            (NOW.plus_seconds(-1), true),
        ];
        for_every_base(|base, index| {
            for (op, direction) in OPERATIONS {
                let unlimited = check_use(&base, op);
                for (stop, ended) in stops {
                    let ctx = UseContext {
                        protect_stop: Some(stop),
                        ..base
                    };
                    let want = match (direction, &unlimited, ended) {
                        (Protect, Ok(_), true) => Err(CoreError::CryptoperiodEnded {
                            operation: op,
                            at: stop,
                        }),
                        _ => unlimited.clone(),
                    };
                    let state = base.state;
                    let at = format!("{state} {op} col {index} stop {stop}");
                    assert_eq!(check_use(&ctx, op), want, "{at}");
                }
            }
        });
    }

    /// Every state and flag combination again, with the process start
    /// date after, at and before `now`: a process operation the state
    /// allows is refused until the start date, and nothing else changes.
    #[test]
    fn the_process_start_date_holds_back_process_only() {
        let starts = [
            (NOW.plus_seconds(1), true),
            (NOW, false),
            (NOW.plus_seconds(-1), false),
        ];
        for_every_base(|base, index| {
            for (op, direction) in OPERATIONS {
                let unlimited = check_use(&base, op);
                for (start, early) in starts {
                    let ctx = UseContext {
                        process_start: Some(start),
                        ..base
                    };
                    let want = match (direction, &unlimited, early) {
                        (Process, Ok(_), true) => Err(CoreError::ProcessNotStarted {
                            operation: op,
                            at: start,
                        }),
                        _ => unlimited.clone(),
                    };
                    let state = base.state;
                    assert_eq!(check_use(&ctx, op), want, "{state} {op} col {index}");
                }
            }
        });
    }

    #[test]
    fn the_cryptoperiod_refusal_names_the_operation_and_the_date() {
        let ctx = UseContext {
            state: S::Active,
            is_primary: true,
            archived: false,
            may_use_compromised: false,
            protect_stop: Some(NOW),
            process_start: None,
            now: NOW,
        };
        let err = check_use(&ctx, KeyOperation::Sign).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the key version's originator-usage period ended at {NOW}; sign is not \
                 allowed (rotate the key for a new cryptoperiod)"
            )
        );
        assert_eq!(check_use(&ctx, KeyOperation::Verify), Ok(Permit::Normal));
    }
}
