//! The DER forms of a DSA key (RFC 3279 section 2.3.2, RFC 5958): the
//! domain parameters in the AlgorithmIdentifier of id-dsa, the private
//! key as an INTEGER x inside PKCS#8's OCTET STRING, the public key as an
//! INTEGER y inside SubjectPublicKeyInfo's BIT STRING.
//!
//! ```text
//! id-dsa    OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840) x9-57(10040) x9algorithm(4) 1 }
//! Dss-Parms ::= SEQUENCE { p INTEGER, q INTEGER, g INTEGER }
//! DSAPublicKey ::= INTEGER -- y
//! ```

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, DecodeValue, Encode, EncodeValue, Header, Length, Reader, Sequence, Writer};
use pkcs8::PrivateKeyInfoRef;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use zeroize::Zeroizing;

use super::error::LegacyKeyError;

/// id-dsa (RFC 3279 section 2.3.2).
pub(super) const ID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

const PARAMS: &str = "Dss-Parms";
const PKCS8: &str = "PKCS#8 PrivateKeyInfo";
const SPKI: &str = "SubjectPublicKeyInfo";
const INTEGER: &str = "DSA key INTEGER";

fn malformed(structure: &'static str) -> impl Fn(der::Error) -> LegacyKeyError {
    move |_| LegacyKeyError::Malformed { structure }
}

/// The domain parameters (p, q, g), as big-endian magnitudes.
#[derive(Clone, Copy)]
pub(super) struct DssParms<'a> {
    pub(super) p: UintRef<'a>,
    pub(super) q: UintRef<'a>,
    pub(super) g: UintRef<'a>,
}

impl<'a> DecodeValue<'a> for DssParms<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        Ok(Self {
            p: reader.decode()?,
            q: reader.decode()?,
            g: reader.decode()?,
        })
    }
}

impl EncodeValue for DssParms<'_> {
    fn value_len(&self) -> der::Result<Length> {
        self.p.encoded_len()? + self.q.encoded_len()? + self.g.encoded_len()?
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.p.encode(writer)?;
        self.q.encode(writer)?;
        self.g.encode(writer)
    }
}

impl<'a> Sequence<'a> for DssParms<'a> {}

impl<'a> DssParms<'a> {
    /// The parameters of these magnitudes.
    pub(super) fn new(p: &'a [u8], q: &'a [u8], g: &'a [u8]) -> Result<Self, LegacyKeyError> {
        let uint = |b| UintRef::new(b).map_err(malformed(PARAMS));
        Ok(Self {
            p: uint(p)?,
            q: uint(q)?,
            g: uint(g)?,
        })
    }

    /// The parameters an id-dsa AlgorithmIdentifier carries.
    fn of(algorithm: &AlgorithmIdentifierRef<'a>) -> Result<Self, LegacyKeyError> {
        if algorithm.oid != ID_DSA {
            return Err(LegacyKeyError::WrongAlgorithm { expected: "DSA" });
        }
        let params = algorithm
            .parameters
            .ok_or(LegacyKeyError::Malformed { structure: PARAMS })?;
        params.decode_as().map_err(malformed(PARAMS))
    }

    /// Runs `with` on the id-dsa AlgorithmIdentifier of these parameters.
    fn with_identifier<T>(
        &self,
        with: impl FnOnce(AlgorithmIdentifierRef<'_>) -> Result<T, LegacyKeyError>,
    ) -> Result<T, LegacyKeyError> {
        let der = self.to_der().map_err(malformed(PARAMS))?;
        let any = AnyRef::from_der(&der).map_err(malformed(PARAMS))?;
        with(AlgorithmIdentifierRef {
            oid: ID_DSA,
            parameters: Some(any),
        })
    }
}

/// The parameters and x of a DSA PKCS#8 PrivateKeyInfo.
pub(super) fn parse_pkcs8(der: &[u8]) -> Result<(DssParms<'_>, UintRef<'_>), LegacyKeyError> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(malformed(PKCS8))?;
    let params = DssParms::of(&info.algorithm)?;
    let x = UintRef::from_der(info.private_key.as_bytes()).map_err(malformed(INTEGER))?;
    Ok((params, x))
}

/// The parameters and y of a DSA SubjectPublicKeyInfo.
pub(super) fn parse_spki(der: &[u8]) -> Result<(DssParms<'_>, UintRef<'_>), LegacyKeyError> {
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(malformed(SPKI))?;
    let params = DssParms::of(&info.algorithm)?;
    let bits = info.subject_public_key.as_bytes();
    let bits = bits.ok_or(LegacyKeyError::Malformed { structure: SPKI })?;
    let y = UintRef::from_der(bits).map_err(malformed(INTEGER))?;
    Ok((params, y))
}

/// The PKCS#8 PrivateKeyInfo of (p, q, g) and x.
pub(super) fn pkcs8(params: &DssParms<'_>, x: &[u8]) -> Result<Zeroizing<Vec<u8>>, LegacyKeyError> {
    let x = UintRef::new(x).map_err(malformed(INTEGER))?;
    let x = Zeroizing::new(x.to_der().map_err(malformed(INTEGER))?);
    let key = OctetStringRef::new(&x).map_err(malformed(PKCS8))?;
    params.with_identifier(|algorithm| {
        let info = PrivateKeyInfoRef::new(algorithm, key);
        info.to_der().map(Zeroizing::new).map_err(malformed(PKCS8))
    })
}

/// The SubjectPublicKeyInfo of (p, q, g) and y.
pub(super) fn spki(params: &DssParms<'_>, y: &[u8]) -> Result<Vec<u8>, LegacyKeyError> {
    let y = UintRef::new(y).map_err(malformed(INTEGER))?;
    let y = y.to_der().map_err(malformed(INTEGER))?;
    let bits = BitStringRef::from_bytes(&y).map_err(malformed(SPKI))?;
    params.with_identifier(|algorithm| {
        let info = SubjectPublicKeyInfoRef {
            algorithm,
            subject_public_key: bits,
        };
        info.to_der().map_err(malformed(SPKI))
    })
}
