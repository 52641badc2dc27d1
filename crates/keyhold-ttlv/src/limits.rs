//! Hard limits on what a decoder accepts from an untrusted peer.

/// Limits on one message. Exceeding any of them is an error of its own kind, reported
/// before the decoder does the work the limit protects against.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Limits {
    /// The largest message, header included, in bytes. Default 1 MiB.
    pub max_message_bytes: usize,
    /// The deepest nesting: the top item is at depth 1, an item inside a top Structure at
    /// depth 2, and so on. Default 16; the deepest OASIS test vector uses 9. The decoders
    /// recurse once per level, so this also bounds their stack use.
    pub max_depth: usize,
    /// The most items in one message, structures included. Default 10,000.
    pub max_items: usize,
}

impl Limits {
    /// 1 MiB, depth 16, 10,000 items.
    pub const DEFAULT: Limits = Limits {
        max_message_bytes: 1024 * 1024,
        max_depth: 16,
        max_items: 10_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
