//! Protocol Version (KMIP 1.4 section 6.1, KMIP 2.1 section 9.16): the version a message
//! speaks, which decides the attribute form (1.x Template-Attribute, 2.x Attributes).

use std::fmt;

use keyhold_ttlv::Ttlv;

use crate::error::{KmipError, Result};
use crate::fields::{self, Reader};
use crate::tags;

/// A KMIP protocol version, major and minor.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ProtocolVersion {
    /// Protocol Version Major.
    pub major: i32,
    /// Protocol Version Minor.
    pub minor: i32,
}

impl ProtocolVersion {
    /// KMIP 1.0.
    pub const V1_0: ProtocolVersion = ProtocolVersion::new(1, 0);
    /// KMIP 1.4, the last 1.x version.
    pub const V1_4: ProtocolVersion = ProtocolVersion::new(1, 4);
    /// KMIP 2.0.
    pub const V2_0: ProtocolVersion = ProtocolVersion::new(2, 0);
    /// KMIP 2.1.
    pub const V2_1: ProtocolVersion = ProtocolVersion::new(2, 1);
    /// Every version this crate reads and writes, newest first (the order of a Discover
    /// Versions response, KMIP 1.4 section 4.26).
    pub const SUPPORTED: [ProtocolVersion; 7] = [
        ProtocolVersion::V2_1,
        ProtocolVersion::V2_0,
        ProtocolVersion::V1_4,
        ProtocolVersion::new(1, 3),
        ProtocolVersion::new(1, 2),
        ProtocolVersion::new(1, 1),
        ProtocolVersion::V1_0,
    ];

    /// The version `major.minor`.
    pub const fn new(major: i32, minor: i32) -> ProtocolVersion {
        ProtocolVersion { major, minor }
    }

    /// Whether the 2.x message forms apply (Attributes structures, 2.x tags).
    pub fn is_v2(self) -> bool {
        self.major >= 2
    }

    /// Whether this crate speaks the version.
    pub fn is_supported(self) -> bool {
        ProtocolVersion::SUPPORTED.contains(&self)
    }

    pub(crate) fn parse(item: &Ttlv) -> Result<ProtocolVersion> {
        let mut r = Reader::new(item)?;
        let major = fields::int(r.req(tags::PROTOCOL_VERSION_MAJOR)?)?;
        let minor = fields::int(r.req(tags::PROTOCOL_VERSION_MINOR)?)?;
        r.finish()?;
        if major < 0 || minor < 0 {
            return Err(KmipError::InvalidValue {
                field: tags::PROTOCOL_VERSION,
                problem: "negative version number",
            });
        }
        Ok(ProtocolVersion { major, minor })
    }

    pub(crate) fn to_ttlv(self) -> Ttlv {
        Ttlv::structure(
            tags::PROTOCOL_VERSION,
            vec![
                fields::integer(tags::PROTOCOL_VERSION_MAJOR, self.major),
                fields::integer(tags::PROTOCOL_VERSION_MINOR, self.minor),
            ],
        )
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}
