//! The KMIP conformance runner's parts: where the OASIS vectors are
//! ([`vectors`]), their placeholders ([`bindings`]), the comparison of answers
//! ([`compare`]) and which values in them are random ([`random`]), the replay of
//! one file ([`replay`]) and the results ([`report`]).
// Items are `pub` to say what each module offers the runner; the test binary
// exports nothing.
#![allow(unreachable_pub)]

pub mod bindings;
pub mod compare;
pub mod random;
pub mod replay;
pub mod report;
pub mod vectors;
