//! The backup header: magic, format version, chunk size, the per-file salt,
//! which layer protects the file (the root-derived backup key with its
//! epoch and id, or a passphrase with its Argon2id parameters) and a key
//! check. The whole header is the associated data of every chunk.
//!
//! ```text
//! magic "KEYHOLDB" (8) | version u8 | layer u8 | chunk size u32 | salt (32)
//! layer 1 (root):       epoch u32 | key id (16)
//! layer 2 (passphrase): m_cost u32 (KiB) | t_cost u32 | p_cost u32 | argon2 salt (16)
//! key check (16)
//! ```
//!
//! Integers are big-endian.

use std::fmt;

use super::error::BackupError;

/// The first bytes of every backup file.
pub(super) const MAGIC: &[u8; 8] = b"KEYHOLDB";
/// The format version this build writes and reads.
pub const VERSION: u8 = 1;
/// Plaintext bytes per chunk written by this build.
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;
/// Smallest and largest chunk size accepted when reading.
const CHUNK_SIZE_RANGE: std::ops::RangeInclusive<u32> = 16..=(1 << 24);
/// Length of the per-file salt.
pub(super) const SALT_LEN: usize = 32;
/// Length of a backup key id.
pub(super) const KEY_ID_LEN: usize = 16;
/// Length of the key check.
pub(super) const CHECK_LEN: usize = 16;
/// Length of the Argon2id salt.
pub(super) const ARGON_SALT_LEN: usize = 16;

const ROOT_LAYER: u8 = 1;
const PASSPHRASE_LAYER: u8 = 2;
const FIXED_LEN: usize = 8 + 1 + 1 + 4 + SALT_LEN;

/// The non-secret identifier of a backup key: the first 16 bytes of
/// SHA-256 over a label and the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BackupKeyId(pub [u8; KEY_ID_LEN]);

impl fmt::Display for BackupKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Argon2id cost parameters (RFC 9106).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory, in KiB.
    pub m_cost: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl Argon2Params {
    /// What this build writes: 64 MiB, 3 passes, 1 lane (RFC 9106 section
    /// 4, second recommended option, at 64 MiB).
    pub const DEFAULT: Self = Self {
        m_cost: 64 * 1024,
        t_cost: 3,
        p_cost: 1,
    };

    /// Whether a reader accepts these costs: bounded, so a crafted header
    /// cannot make it allocate gigabytes or spin for minutes.
    fn acceptable(self) -> bool {
        (1..=8).contains(&self.p_cost)
            && (1..=16).contains(&self.t_cost)
            && self.m_cost >= 8 * self.p_cost
            && self.m_cost <= 1024 * 1024
    }
}

/// What protects a backup file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerHeader {
    /// The backup key derived from the server's root key.
    Root {
        /// The backup key's epoch (the root key generation it comes from).
        epoch: u32,
        /// Which backup key.
        key_id: BackupKeyId,
    },
    /// A passphrase, through Argon2id.
    Passphrase {
        /// The Argon2id costs.
        params: Argon2Params,
        /// The Argon2id salt.
        salt: [u8; ARGON_SALT_LEN],
    },
}

/// The kind of a layer, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layer {
    /// Under the root-derived backup key.
    Root,
    /// Under a passphrase.
    Passphrase,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Root => "root-key",
            Self::Passphrase => "passphrase",
        })
    }
}

impl LayerHeader {
    /// The kind of layer.
    pub fn layer(&self) -> Layer {
        match self {
            Self::Root { .. } => Layer::Root,
            Self::Passphrase { .. } => Layer::Passphrase,
        }
    }
}

/// A parsed backup header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Plaintext bytes per chunk.
    pub chunk_size: u32,
    /// The per-file salt of the file key.
    pub salt: [u8; SALT_LEN],
    /// What protects the file.
    pub layer: LayerHeader,
    /// Proves the file key: an HMAC of a fixed label under it.
    pub check: [u8; CHECK_LEN],
}

impl Header {
    /// The header's bytes, as written (and as bound to every chunk).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FIXED_LEN + 44 + CHECK_LEN);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        match self.layer {
            LayerHeader::Root { .. } => out.push(ROOT_LAYER),
            LayerHeader::Passphrase { .. } => out.push(PASSPHRASE_LAYER),
        }
        out.extend_from_slice(&self.chunk_size.to_be_bytes());
        out.extend_from_slice(&self.salt);
        match self.layer {
            LayerHeader::Root { epoch, key_id } => {
                out.extend_from_slice(&epoch.to_be_bytes());
                out.extend_from_slice(&key_id.0);
            }
            LayerHeader::Passphrase { params, salt } => {
                for n in [params.m_cost, params.t_cost, params.p_cost] {
                    out.extend_from_slice(&n.to_be_bytes());
                }
                out.extend_from_slice(&salt);
            }
        }
        out.extend_from_slice(&self.check);
        out
    }

    /// Parses a header from the start of `bytes`: the header and its length,
    /// or `Ok(None)` if more bytes are needed.
    pub fn parse(bytes: &[u8]) -> Result<Option<(Self, usize)>, BackupError> {
        let mut r = Reader { bytes, at: 0 };
        let Some(magic) = r.take(MAGIC.len()) else {
            return prefix_ok(bytes);
        };
        if magic != MAGIC {
            return Err(BackupError::NotABackup);
        }
        let (Some(version), Some(layer)) = (r.u8(), r.u8()) else {
            return Ok(None);
        };
        if version != VERSION {
            return Err(BackupError::UnsupportedVersion {
                found: version,
                supported: VERSION,
            });
        }
        let (Some(chunk_size), Some(salt)) = (r.u32(), r.array::<SALT_LEN>()) else {
            return Ok(None);
        };
        if !CHUNK_SIZE_RANGE.contains(&chunk_size) {
            return Err(BackupError::MalformedHeader {
                field: "chunk size",
            });
        }
        let Some(layer) = parse_layer(&mut r, layer)? else {
            return Ok(None);
        };
        let Some(check) = r.array::<CHECK_LEN>() else {
            return Ok(None);
        };
        let header = Self {
            chunk_size,
            salt,
            layer,
            check,
        };
        Ok(Some((header, r.at)))
    }
}

/// A short prefix of the magic is not an error yet.
fn prefix_ok(bytes: &[u8]) -> Result<Option<(Header, usize)>, BackupError> {
    if MAGIC.starts_with(bytes) {
        Ok(None)
    } else {
        Err(BackupError::NotABackup)
    }
}

fn parse_layer(r: &mut Reader<'_>, layer: u8) -> Result<Option<LayerHeader>, BackupError> {
    match layer {
        ROOT_LAYER => {
            Ok(r.u32()
                .zip(r.array::<KEY_ID_LEN>())
                .map(|(epoch, id)| LayerHeader::Root {
                    epoch,
                    key_id: BackupKeyId(id),
                }))
        }
        PASSPHRASE_LAYER => {
            let (Some(m_cost), Some(t_cost), Some(p_cost)) = (r.u32(), r.u32(), r.u32()) else {
                return Ok(None);
            };
            let params = Argon2Params {
                m_cost,
                t_cost,
                p_cost,
            };
            if !params.acceptable() {
                return Err(BackupError::MalformedHeader {
                    field: "argon2 parameters",
                });
            }
            Ok(r.array::<ARGON_SALT_LEN>()
                .map(|salt| LayerHeader::Passphrase { params, salt }))
        }
        _ => Err(BackupError::MalformedHeader { field: "layer" }),
    }
}

/// A cursor over the header bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).and_then(|s| s.try_into().ok())
    }

    fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    fn u32(&mut self) -> Option<u32> {
        self.array::<4>().map(u32::from_be_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers() -> [Header; 2] {
        [
            Header {
                chunk_size: 4096,
                salt: [1; SALT_LEN],
                layer: LayerHeader::Root {
                    epoch: 1,
                    key_id: BackupKeyId([2; KEY_ID_LEN]),
                },
                check: [3; CHECK_LEN],
            },
            Header {
                chunk_size: DEFAULT_CHUNK_SIZE,
                salt: [4; SALT_LEN],
                layer: LayerHeader::Passphrase {
                    params: Argon2Params::DEFAULT,
                    salt: [5; ARGON_SALT_LEN],
                },
                check: [6; CHECK_LEN],
            },
        ]
    }

    #[test]
    fn headers_round_trip_and_every_prefix_asks_for_more() {
        for h in headers() {
            let bytes = h.encode();
            let (parsed, len) = Header::parse(&bytes).unwrap().unwrap();
            assert_eq!((parsed, len), (h, bytes.len()));
            for cut in 0..bytes.len() {
                assert!(Header::parse(&bytes[..cut]).unwrap().is_none(), "{cut}");
            }
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let bytes = headers()[1].encode();
        let mut bad = bytes.clone();
        bad[0] = b'X';
        assert!(matches!(Header::parse(&bad), Err(BackupError::NotABackup)));
        let mut bad = bytes.clone();
        bad[8] = 2;
        assert!(matches!(
            Header::parse(&bad),
            Err(BackupError::UnsupportedVersion { found: 2, .. })
        ));
        let mut bad = bytes.clone();
        bad[9] = 9;
        assert!(matches!(
            Header::parse(&bad),
            Err(BackupError::MalformedHeader { field: "layer" })
        ));
        let mut bad = bytes.clone();
        bad[10..14].copy_from_slice(&0u32.to_be_bytes());
        assert!(matches!(
            Header::parse(&bad),
            Err(BackupError::MalformedHeader { .. })
        ));
        let mut bad = bytes;
        bad[46..50].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            Header::parse(&bad),
            Err(BackupError::MalformedHeader {
                field: "argon2 parameters"
            })
        ));
    }
}
