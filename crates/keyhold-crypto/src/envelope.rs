//! The self-describing ciphertext envelope (DESIGN.md section 5): decrypt
//! needs no key id, because the ciphertext names its key and version.
//!
//! ```text
//! offset  size  field
//! 0       2     magic "KH"
//! 2       1     format version (1)
//! 3       1     algorithm code (Algorithm::code): a data AEAD or RSA
//! 4       16    key id (UUID bytes)
//! 20      4     key version, big-endian, never 0
//! 24      1     nonce length n (12 for both AEADs, 0 for RSA)
//! 25      n     nonce
//! 25+n    rest  AEAD: ciphertext ‖ 16-byte tag
//!               RSA: the RSA-OAEP ciphertext, exactly the modulus length
//! ```
//!
//! What follows the header depends on the algorithm ([`Body`]): the data
//! AEADs (AES-256-GCM, ChaCha20-Poly1305) carry a nonce and a tagged
//! ciphertext; RSA keys encrypt small messages with RSA-OAEP-SHA-256 (RFC
//! 8017 section 7.1), which has no nonce and whose ciphertext is as long as
//! the modulus (256, 384 or 512 bytes). RSA envelopes came after the first
//! AEAD ones without a new format version: their algorithm codes were
//! refused before, so no envelope that parsed then means anything else now.
//!
//! [`Envelope::parse`] is strict: every byte is checked and each defect has
//! its own [`EnvelopeError`] saying where it is. Whatever parses encodes back
//! to the same bytes.
//!
//! [`data_aad`] builds the associated data that binds a ciphertext to its
//! tenant, key, version, algorithm and encryption context, so a ciphertext
//! moved to any other of these fails to decrypt. RSA binds it as the OAEP
//! label (RFC 8017 section 7.1: the label is associated data).

use std::collections::BTreeMap;

use keyhold_core::{Algorithm, KeyId, TenantId, VersionNumber};

/// The first two bytes of every envelope.
pub const MAGIC: [u8; 2] = *b"KH";
/// The envelope format this code writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// The AEAD tag length: a ciphertext is never shorter.
pub const TAG_LEN: usize = 16;
/// The nonce length of both data AEADs.
pub const NONCE_LEN: usize = 12;

const OFFSET_VERSION: usize = 2;
const OFFSET_ALGORITHM: usize = 3;
const OFFSET_KEY_VERSION: usize = 20;
const OFFSET_NONCE_LEN: usize = 24;
const OFFSET_NONCE: usize = 25;

/// Domain separation label at the start of every data AAD.
const AAD_LABEL: &[u8] = b"keyhold data v1\0";

/// A parsed ciphertext envelope.
///
/// The fields are public so the server can fill in the nonce and ciphertext
/// after computing the AAD from the others. [`Envelope::encode`] writes what
/// is there; only envelopes that [`Envelope::parse`] would accept (a data
/// AEAD, a 12-byte nonce, a ciphertext of at least 16 bytes) round-trip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The key that encrypted.
    pub key: KeyId,
    /// Its version.
    pub version: VersionNumber,
    /// The key's algorithm: AES-256-GCM, ChaCha20-Poly1305 or RSA.
    pub algorithm: Algorithm,
    /// The AEAD nonce (empty for RSA).
    pub nonce: Vec<u8>,
    /// Ciphertext with the tag appended (AEAD), or the OAEP ciphertext (RSA).
    pub ciphertext: Vec<u8>,
}

/// How an algorithm fills the envelope after the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// A data AEAD: a 12-byte nonce, then ciphertext ‖ 16-byte tag.
    Aead,
    /// RSA-OAEP-SHA-256: no nonce, a ciphertext of exactly `len` bytes.
    RsaOaep {
        /// The modulus length in bytes.
        len: usize,
    },
}

impl Body {
    /// The body of envelopes made by `algorithm`; `None` for an algorithm
    /// that does not encrypt data.
    pub const fn of(algorithm: Algorithm) -> Option<Self> {
        match algorithm {
            Algorithm::Aes256Gcm
            | Algorithm::Aes128Gcm
            | Algorithm::Aes192Gcm
            | Algorithm::ChaCha20Poly1305 => Some(Self::Aead),
            Algorithm::Rsa2048 => Some(Self::RsaOaep { len: 256 }),
            Algorithm::Rsa3072 => Some(Self::RsaOaep { len: 384 }),
            Algorithm::Rsa4096 => Some(Self::RsaOaep { len: 512 }),
            _ => None,
        }
    }

    /// The nonce length.
    pub const fn nonce_len(self) -> usize {
        match self {
            Self::Aead => NONCE_LEN,
            Self::RsaOaep { .. } => 0,
        }
    }
}

/// Why bytes are not a valid envelope. Offsets count from the first byte.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The input ends inside a header field.
    #[error("envelope truncated: {field} at byte {offset} needs {needed} bytes, {available} left")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Where it starts.
        offset: usize,
        /// Its size.
        needed: usize,
        /// How many bytes were left.
        available: usize,
    },
    /// The first two bytes are not "KH".
    #[error("not a keyhold envelope: bad magic at byte 0")]
    BadMagic {
        /// The bytes found.
        found: [u8; 2],
    },
    /// A format version this code does not know.
    #[error("unknown envelope format version {version} at byte {offset}")]
    UnknownFormatVersion {
        /// Always 2.
        offset: usize,
        /// The version found.
        version: u8,
    },
    /// An algorithm code that names no algorithm.
    #[error("unknown algorithm code {code} at byte {offset}")]
    UnknownAlgorithm {
        /// Always 3.
        offset: usize,
        /// The code found.
        code: u8,
    },
    /// A known algorithm that does not encrypt data into envelopes.
    #[error("algorithm {algorithm} at byte {offset} is not a data encryption algorithm")]
    NotDataAlgorithm {
        /// Always 3.
        offset: usize,
        /// The algorithm named.
        algorithm: Algorithm,
    },
    /// Key version 0, which no key has.
    #[error("key version 0 at byte {offset}")]
    ZeroVersion {
        /// Always 20.
        offset: usize,
    },
    /// A nonce length other than the algorithm's (12 or 0).
    #[error("nonce length {found} at byte {offset}; {expected} expected")]
    NonceLength {
        /// Always 24.
        offset: usize,
        /// The length found.
        found: u8,
        /// The algorithm's nonce length.
        expected: u8,
    },
    /// An RSA ciphertext whose length is not the modulus length.
    #[error(
        "ciphertext at byte {offset} has {len} bytes; an RSA ciphertext of this key has {expected}"
    )]
    CiphertextLength {
        /// Where the ciphertext starts.
        offset: usize,
        /// Its length.
        len: usize,
        /// The modulus length.
        expected: usize,
    },
    /// Fewer ciphertext bytes than one tag.
    #[error("ciphertext at byte {offset} has {len} bytes, shorter than the 16-byte tag")]
    CiphertextTooShort {
        /// Where the ciphertext starts.
        offset: usize,
        /// Its length.
        len: usize,
    },
}

impl Envelope {
    /// Writes the envelope in the format above.
    ///
    /// The nonce length is one byte: a hand-built nonce longer than 255
    /// bytes is cut to 255 so the output stays self-consistent (and
    /// [`Envelope::parse`] will refuse it, as it refuses any nonce length
    /// but its algorithm's).
    pub fn encode(&self) -> Vec<u8> {
        let nonce = self
            .nonce
            .get(..usize::from(u8::MAX))
            .unwrap_or(&self.nonce);
        let mut out = Vec::with_capacity(OFFSET_NONCE + nonce.len() + self.ciphertext.len());
        out.extend_from_slice(&MAGIC);
        out.push(FORMAT_VERSION);
        out.push(self.algorithm.code());
        out.extend_from_slice(self.key.as_bytes());
        out.extend_from_slice(&self.version.get().to_be_bytes());
        out.push(u8::try_from(nonce.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses an envelope, refusing anything that [`Envelope::encode`] would
    /// not have written for a valid data ciphertext of its algorithm.
    pub fn parse(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let mut r = Reader { bytes, offset: 0 };
        let magic: [u8; 2] = r.array("magic")?;
        if magic != MAGIC {
            return Err(EnvelopeError::BadMagic { found: magic });
        }
        let [version] = r.array("format version")?;
        if version != FORMAT_VERSION {
            return Err(EnvelopeError::UnknownFormatVersion {
                offset: OFFSET_VERSION,
                version,
            });
        }
        let (algorithm, body) = parse_algorithm(r.array("algorithm")?)?;
        let key = KeyId::from_bytes(r.array("key id")?);
        let version =
            VersionNumber::new(u32::from_be_bytes(r.array("key version")?)).map_err(|_| {
                EnvelopeError::ZeroVersion {
                    offset: OFFSET_KEY_VERSION,
                }
            })?;
        let [nonce_len] = r.array("nonce length")?;
        if usize::from(nonce_len) != body.nonce_len() {
            return Err(EnvelopeError::NonceLength {
                offset: OFFSET_NONCE_LEN,
                found: nonce_len,
                expected: u8::try_from(body.nonce_len()).unwrap_or(u8::MAX),
            });
        }
        let nonce = r.take("nonce", body.nonce_len())?.to_vec();
        let ciphertext = r.rest();
        check_ciphertext(body, OFFSET_NONCE + body.nonce_len(), ciphertext.len())?;
        Ok(Self {
            key,
            version,
            algorithm,
            nonce,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// The algorithm byte must name an algorithm that encrypts data.
fn parse_algorithm([code]: [u8; 1]) -> Result<(Algorithm, Body), EnvelopeError> {
    let algorithm = Algorithm::from_code(code).ok_or(EnvelopeError::UnknownAlgorithm {
        offset: OFFSET_ALGORITHM,
        code,
    })?;
    let body = Body::of(algorithm).ok_or(EnvelopeError::NotDataAlgorithm {
        offset: OFFSET_ALGORITHM,
        algorithm,
    })?;
    Ok((algorithm, body))
}

/// An AEAD ciphertext holds at least its tag; an RSA one is exactly the
/// modulus length.
fn check_ciphertext(body: Body, offset: usize, len: usize) -> Result<(), EnvelopeError> {
    match body {
        Body::Aead if len < TAG_LEN => Err(EnvelopeError::CiphertextTooShort { offset, len }),
        Body::RsaOaep { len: expected } if len != expected => {
            Err(EnvelopeError::CiphertextLength {
                offset,
                len,
                expected,
            })
        }
        Body::Aead | Body::RsaOaep { .. } => Ok(()),
    }
}

/// Whether `algorithm` encrypts data into envelopes.
pub fn is_data_aead(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::Aes256Gcm
            | Algorithm::Aes128Gcm
            | Algorithm::Aes192Gcm
            | Algorithm::ChaCha20Poly1305
    )
}

/// Reads fields in order, remembering the offset for errors.
struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, field: &'static str, n: usize) -> Result<&'a [u8], EnvelopeError> {
        let rest = self.bytes.get(self.offset..).unwrap_or_default();
        let taken = rest.get(..n).ok_or(EnvelopeError::Truncated {
            field,
            offset: self.offset,
            needed: n,
            available: rest.len(),
        })?;
        self.offset += n;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], EnvelopeError> {
        let taken = self.take(field, N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(taken);
        Ok(out)
    }

    fn rest(&mut self) -> &'a [u8] {
        let rest = self.bytes.get(self.offset..).unwrap_or_default();
        self.offset = self.bytes.len();
        rest
    }
}

/// The associated data of a data ciphertext: binds the tenant, the format
/// version, the algorithm, the key id, the key version and the encryption
/// context. The nonce and ciphertext of `envelope` are not used (they do
/// not exist yet when encrypting).
///
/// ```text
/// "keyhold data v1\0" ‖ tenant (16) ‖ format version (1) ‖ algorithm (1)
///   ‖ key id (16) ‖ key version (4, BE) ‖ pair count (8, BE)
///   ‖ for each pair in byte order of keys: len(k) (8, BE) ‖ k ‖ len(v) (8, BE) ‖ v
/// ```
///
/// Length prefixes make the encoding injective: no two contexts share an
/// encoding (`{"a": "bc"}` and `{"ab": "c"}` differ).
pub fn data_aad(
    tenant: TenantId,
    envelope: &Envelope,
    context: &BTreeMap<String, String>,
) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + 46 + context_len(context));
    aad.extend_from_slice(AAD_LABEL);
    aad.extend_from_slice(tenant.as_bytes());
    aad.push(FORMAT_VERSION);
    aad.push(envelope.algorithm.code());
    aad.extend_from_slice(envelope.key.as_bytes());
    aad.extend_from_slice(&envelope.version.get().to_be_bytes());
    aad.extend_from_slice(&(context.len() as u64).to_be_bytes());
    for (k, v) in context {
        for part in [k, v] {
            aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        }
    }
    aad
}

fn context_len(context: &BTreeMap<String, String>) -> usize {
    context.iter().map(|(k, v)| 16 + k.len() + v.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Envelope {
        Envelope {
            key: KeyId::from_bytes([7; 16]),
            version: VersionNumber::new(0x0102_0304).unwrap(),
            algorithm: Algorithm::Aes256Gcm,
            nonce: vec![9; 12],
            ciphertext: vec![5; 21],
        }
    }

    #[test]
    fn encode_has_the_documented_layout() {
        let bytes = sample().encode();
        assert_eq!(&bytes[..2], b"KH");
        assert_eq!(bytes[2], 1);
        assert_eq!(bytes[3], Algorithm::Aes256Gcm.code());
        assert_eq!(&bytes[4..20], &[7; 16]);
        assert_eq!(&bytes[20..24], &[1, 2, 3, 4]);
        assert_eq!(bytes[24], 12);
        assert_eq!(&bytes[25..37], &[9; 12]);
        assert_eq!(&bytes[37..], &[5; 21]);
    }

    fn rsa_sample(algorithm: Algorithm, len: usize) -> Envelope {
        Envelope {
            algorithm,
            nonce: Vec::new(),
            ciphertext: vec![0x42; len],
            ..sample()
        }
    }

    #[test]
    fn rsa_envelopes_have_no_nonce_and_a_modulus_long_ciphertext() {
        for (algorithm, len) in [
            (Algorithm::Rsa2048, 256),
            (Algorithm::Rsa3072, 384),
            (Algorithm::Rsa4096, 512),
        ] {
            let e = rsa_sample(algorithm, len);
            let bytes = e.encode();
            assert_eq!(bytes[24], 0);
            assert_eq!(bytes.len(), 25 + len);
            assert_eq!(Envelope::parse(&bytes).unwrap(), e);
            for bad in [0, 16, len - 1, len + 1] {
                assert_eq!(
                    Envelope::parse(&rsa_sample(algorithm, bad).encode()),
                    Err(EnvelopeError::CiphertextLength {
                        offset: 25,
                        len: bad,
                        expected: len
                    })
                );
            }
            let with_nonce = Envelope {
                nonce: vec![1; 12],
                ..e
            };
            assert_eq!(
                Envelope::parse(&with_nonce.encode()),
                Err(EnvelopeError::NonceLength {
                    offset: 24,
                    found: 12,
                    expected: 0
                })
            );
        }
        // An AEAD envelope without a nonce is refused too.
        let no_nonce = Envelope {
            nonce: Vec::new(),
            ..sample()
        };
        assert!(matches!(
            Envelope::parse(&no_nonce.encode()),
            Err(EnvelopeError::NonceLength { expected: 12, .. })
        ));
    }

    #[test]
    fn body_rules_cover_exactly_the_data_algorithms() {
        for a in Algorithm::ALL {
            // Raw-cipher keys encrypt over KMIP only, never into envelopes.
            let encrypts =
                keyhold_core::KeyOperation::Encrypt.supported_by(a) && !a.is_raw_cipher();
            assert_eq!(Body::of(a).is_some(), encrypts, "{a}");
            assert_eq!(Body::of(a) == Some(Body::Aead), is_data_aead(a), "{a}");
        }
    }

    #[test]
    fn parse_of_encode_is_identity() {
        for algorithm in [Algorithm::Aes256Gcm, Algorithm::ChaCha20Poly1305] {
            for ct_len in [16, 17, 1000] {
                let e = Envelope {
                    algorithm,
                    ciphertext: vec![0xEE; ct_len],
                    ..sample()
                };
                let bytes = e.encode();
                let parsed = Envelope::parse(&bytes).unwrap();
                assert_eq!(parsed, e);
                assert_eq!(parsed.encode(), bytes);
            }
        }
    }

    #[test]
    fn every_truncation_is_refused_with_its_offset() {
        let bytes = sample().encode();
        let fields = [
            (0, "magic"),
            (2, "format version"),
            (3, "algorithm"),
            (4, "key id"),
            (20, "key version"),
            (24, "nonce length"),
            (25, "nonce"),
        ];
        for cut in 0..OFFSET_NONCE + NONCE_LEN {
            let e = Envelope::parse(&bytes[..cut]).unwrap_err();
            let (offset, field) = fields.iter().rev().find(|(o, _)| *o <= cut).unwrap();
            match e {
                EnvelopeError::Truncated {
                    field: f,
                    offset: o,
                    available,
                    ..
                } => {
                    assert_eq!((o, f), (*offset, *field), "cut at {cut}");
                    assert_eq!(available, cut - offset);
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_magic_is_refused() {
        let mut bytes = sample().encode();
        bytes[1] = b'X';
        assert_eq!(
            Envelope::parse(&bytes),
            Err(EnvelopeError::BadMagic { found: *b"KX" })
        );
    }

    #[test]
    fn unknown_format_version_is_refused() {
        for v in [0, 2, 255] {
            let mut bytes = sample().encode();
            bytes[2] = v;
            assert_eq!(
                Envelope::parse(&bytes),
                Err(EnvelopeError::UnknownFormatVersion {
                    offset: 2,
                    version: v
                })
            );
        }
    }

    #[test]
    fn unknown_and_non_data_algorithms_are_refused() {
        let mut bytes = sample().encode();
        bytes[3] = 0;
        assert_eq!(
            Envelope::parse(&bytes),
            Err(EnvelopeError::UnknownAlgorithm { offset: 3, code: 0 })
        );
        for algorithm in Algorithm::ALL
            .into_iter()
            .filter(|a| Body::of(*a).is_none())
        {
            bytes[3] = algorithm.code();
            assert_eq!(
                Envelope::parse(&bytes),
                Err(EnvelopeError::NotDataAlgorithm {
                    offset: 3,
                    algorithm
                })
            );
        }
    }

    #[test]
    fn version_zero_is_refused() {
        let mut bytes = sample().encode();
        bytes[20..24].copy_from_slice(&[0; 4]);
        assert_eq!(
            Envelope::parse(&bytes),
            Err(EnvelopeError::ZeroVersion { offset: 20 })
        );
    }

    #[test]
    fn nonce_length_other_than_twelve_is_refused() {
        for n in [0u8, 11, 13, 255] {
            let mut e = sample();
            e.nonce = vec![1; usize::from(n)];
            let bytes = e.encode();
            assert_eq!(
                Envelope::parse(&bytes),
                Err(EnvelopeError::NonceLength {
                    offset: 24,
                    found: n,
                    expected: 12
                })
            );
        }
    }

    #[test]
    fn ciphertext_shorter_than_a_tag_is_refused() {
        for len in [0, 1, 15] {
            let e = Envelope {
                ciphertext: vec![1; len],
                ..sample()
            };
            assert_eq!(
                Envelope::parse(&e.encode()),
                Err(EnvelopeError::CiphertextTooShort { offset: 37, len })
            );
        }
    }

    /// The fuzz target's property on a deterministic neighbourhood of a
    /// valid envelope: every single-byte change, truncation and extension
    /// either fails to parse or encodes back to the same bytes.
    #[test]
    fn whatever_parses_encodes_back_to_the_same_bytes() {
        for valid in [
            sample().encode(),
            rsa_sample(Algorithm::Rsa2048, 256).encode(),
        ] {
            neighbourhood_round_trips(&valid);
        }
    }

    fn neighbourhood_round_trips(valid: &[u8]) {
        let valid = valid.to_vec();
        let mut inputs = Vec::new();
        for i in 0..valid.len() {
            for value in [0x00, 0x01, 0x0c, 0x7f, 0x80, 0xff] {
                let mut v = valid.clone();
                v[i] = value;
                inputs.push(v);
            }
            inputs.push(valid[..i].to_vec());
        }
        inputs.push([valid.clone(), vec![0xAB; 40]].concat());
        let mut parsed = 0;
        for input in &inputs {
            if let Ok(e) = Envelope::parse(input) {
                assert_eq!(&e.encode(), input);
                parsed += 1;
            }
        }
        assert!(
            parsed > valid.len(),
            "the neighbourhood should hold many valid envelopes"
        );
    }

    #[test]
    fn an_overlong_hand_built_nonce_encodes_consistently() {
        let e = Envelope {
            nonce: vec![1; 300],
            ..sample()
        };
        let bytes = e.encode();
        assert_eq!(bytes[24], 255);
        assert_eq!(bytes.len(), 25 + 255 + 21);
    }

    #[test]
    fn aad_binds_every_field_and_the_context() {
        let tenant = TenantId::from_bytes([1; 16]);
        let ctx: BTreeMap<String, String> = [("app".to_owned(), "billing".to_owned())].into();
        let base = data_aad(tenant, &sample(), &ctx);
        let variants = [
            data_aad(TenantId::from_bytes([2; 16]), &sample(), &ctx),
            data_aad(
                tenant,
                &Envelope {
                    key: KeyId::from_bytes([8; 16]),
                    ..sample()
                },
                &ctx,
            ),
            data_aad(
                tenant,
                &Envelope {
                    version: VersionNumber::FIRST,
                    ..sample()
                },
                &ctx,
            ),
            data_aad(
                tenant,
                &Envelope {
                    algorithm: Algorithm::ChaCha20Poly1305,
                    ..sample()
                },
                &ctx,
            ),
            data_aad(tenant, &sample(), &BTreeMap::new()),
            data_aad(
                tenant,
                &sample(),
                &[("app".to_owned(), "billinG".to_owned())].into(),
            ),
        ];
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(&base, v, "variant {i} did not change the AAD");
        }
        let nonce_changed = Envelope {
            nonce: vec![0; 12],
            ..sample()
        };
        assert_eq!(
            base,
            data_aad(tenant, &nonce_changed, &ctx),
            "the nonce is not bound"
        );
    }

    #[test]
    fn aad_context_encoding_is_injective() {
        let tenant = TenantId::from_bytes([1; 16]);
        let a: BTreeMap<String, String> = [("a".to_owned(), "bc".to_owned())].into();
        let b: BTreeMap<String, String> = [("ab".to_owned(), "c".to_owned())].into();
        let c: BTreeMap<String, String> = [
            ("a".to_owned(), String::new()),
            ("bc".to_owned(), String::new()),
        ]
        .into();
        let aads = [a, b, c].map(|m| data_aad(tenant, &sample(), &m));
        assert_ne!(aads[0], aads[1]);
        assert_ne!(aads[0], aads[2]);
        assert_ne!(aads[1], aads[2]);
    }
}
