//! Ports: what the domain needs from the outside world, as traits. The
//! server plugs in the real implementations; tests plug in controllable ones
//! (a clock that jumps years ahead), never through a cfg switch.

use crate::time::Timestamp;

/// The time source. The server uses the system clock; tests move time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> Timestamp;
}
