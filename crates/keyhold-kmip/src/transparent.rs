//! Transparent key structures (KMIP 1.4 section 2.1.7, KMIP 2.1 sections 3.4–3.12): the key's
//! components as separate fields, typed for the formats the server supports (symmetric,
//! RSA, DSA, EC) and kept field by field for the others (DH, ECMQV, ...).

use keyhold_ttlv::{Tag, Ttlv, Value};

use crate::error::{KmipError, Result};
use crate::fields::{self as f, Reader};
use crate::secret::SecretBytes;
use crate::{KeyFormatType, RecommendedCurve, tags};

/// One field of a transparent key of a format without a typed model.
#[derive(Clone, Debug)]
pub enum TransparentValue {
    /// A Big Integer (exponents, primes, private scalars).
    BigInteger(SecretBytes),
    /// A Byte String.
    Bytes(SecretBytes),
    /// An Enumeration.
    Enumeration(u32),
}

/// The key material of a Transparent key format.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TransparentKey {
    /// Transparent Symmetric Key: Key.
    Symmetric {
        /// Key.
        key: SecretBytes,
    },
    /// Transparent RSA Private Key: Modulus and the private components sent (Big Integers).
    RsaPrivate {
        /// Modulus.
        modulus: SecretBytes,
        /// Private Exponent.
        private_exponent: Option<SecretBytes>,
        /// Public Exponent.
        public_exponent: Option<SecretBytes>,
        /// P.
        p: Option<SecretBytes>,
        /// Q.
        q: Option<SecretBytes>,
        /// Prime Exponent P.
        prime_exponent_p: Option<SecretBytes>,
        /// Prime Exponent Q.
        prime_exponent_q: Option<SecretBytes>,
        /// CRT Coefficient.
        crt_coefficient: Option<SecretBytes>,
    },
    /// Transparent RSA Public Key.
    RsaPublic {
        /// Modulus.
        modulus: SecretBytes,
        /// Public Exponent.
        public_exponent: SecretBytes,
    },
    /// Transparent DSA Private Key (KMIP 1.4 section 2.1.7.2, KMIP 2.1
    /// section 3.5): every component is required.
    DsaPrivate {
        /// P, the prime modulus.
        p: SecretBytes,
        /// Q, the prime divisor of P − 1.
        q: SecretBytes,
        /// G, the generator.
        g: SecretBytes,
        /// X, the private key.
        x: SecretBytes,
    },
    /// Transparent DSA Public Key (KMIP 1.4 section 2.1.7.3, KMIP 2.1
    /// section 3.6): every component is required.
    DsaPublic {
        /// P.
        p: SecretBytes,
        /// Q.
        q: SecretBytes,
        /// G.
        g: SecretBytes,
        /// Y, the public key.
        y: SecretBytes,
    },
    /// Transparent EC (and 1.x ECDSA/ECDH/ECMQV) Private Key.
    EcPrivate {
        /// Recommended Curve.
        curve: RecommendedCurve,
        /// D, the private scalar.
        d: SecretBytes,
    },
    /// Transparent EC (and 1.x ECDSA/ECDH/ECMQV) Public Key.
    EcPublic {
        /// Recommended Curve.
        curve: RecommendedCurve,
        /// Q String, the encoded point.
        q: SecretBytes,
    },
    /// Any other transparent format: its fields in order, by tag.
    Fields(Vec<(Tag, TransparentValue)>),
}

fn opt_big(r: &mut Reader<'_>, tag: Tag) -> Result<Option<SecretBytes>> {
    r.opt_map(tag, magnitude).map(|o| o.map(SecretBytes::new))
}

fn req_big(r: &mut Reader<'_>, tag: Tag) -> Result<SecretBytes> {
    r.req_map(tag, magnitude).map(SecretBytes::new)
}

/// A key component's Big Integer (two's complement, big-endian, sign-extended
/// to a multiple of eight bytes: KMIP 1.4 section 9.1.1.4) as the unsigned
/// big-endian magnitude the key formats use, without leading zeros. Key
/// components are never negative.
fn magnitude(item: &Ttlv) -> Result<Vec<u8>> {
    let bytes = f::big(item)?;
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(KmipError::InvalidValue {
            field: item.tag,
            problem: "a key component is never negative",
        });
    }
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    Ok(bytes.get(start..).map(<[u8]>::to_vec).unwrap_or_default())
}

/// A key component's unsigned magnitude as a Big Integer item: a leading
/// zero byte keeps a magnitude whose top bit is set positive.
fn big_item(tag: Tag, magnitude: &[u8]) -> Ttlv {
    if magnitude.first().is_some_and(|b| b & 0x80 != 0) {
        let mut signed = Vec::with_capacity(magnitude.len() + 1);
        signed.push(0);
        signed.extend_from_slice(magnitude);
        return Ttlv::new(tag, Value::BigInteger(signed));
    }
    f::big_item(tag, magnitude)
}

impl TransparentKey {
    /// Parses the Key Material structure of `format`.
    pub(crate) fn parse(item: &Ttlv, format: KeyFormatType) -> Result<TransparentKey> {
        use KeyFormatType as K;
        let mut r = Reader::new(item)?;
        let key = match format {
            K::TransparentSymmetricKey => TransparentKey::Symmetric {
                key: r.req_map(tags::KEY, f::secret)?,
            },
            K::TransparentRSAPrivateKey => TransparentKey::RsaPrivate {
                modulus: req_big(&mut r, tags::MODULUS)?,
                private_exponent: opt_big(&mut r, tags::PRIVATE_EXPONENT)?,
                public_exponent: opt_big(&mut r, tags::PUBLIC_EXPONENT)?,
                p: opt_big(&mut r, tags::P)?,
                q: opt_big(&mut r, tags::Q)?,
                prime_exponent_p: opt_big(&mut r, tags::PRIME_EXPONENT_P)?,
                prime_exponent_q: opt_big(&mut r, tags::PRIME_EXPONENT_Q)?,
                crt_coefficient: opt_big(&mut r, tags::CRT_COEFFICIENT)?,
            },
            K::TransparentRSAPublicKey => TransparentKey::RsaPublic {
                modulus: req_big(&mut r, tags::MODULUS)?,
                public_exponent: req_big(&mut r, tags::PUBLIC_EXPONENT)?,
            },
            K::TransparentDSAPrivateKey => TransparentKey::DsaPrivate {
                p: req_big(&mut r, tags::P)?,
                q: req_big(&mut r, tags::Q)?,
                g: req_big(&mut r, tags::G)?,
                x: req_big(&mut r, tags::X)?,
            },
            K::TransparentDSAPublicKey => TransparentKey::DsaPublic {
                p: req_big(&mut r, tags::P)?,
                q: req_big(&mut r, tags::Q)?,
                g: req_big(&mut r, tags::G)?,
                y: req_big(&mut r, tags::Y)?,
            },
            K::TransparentECPrivateKey
            | K::TransparentECDSAPrivateKey
            | K::TransparentECDHPrivateKey
            | K::TransparentECMQVPrivateKey => TransparentKey::EcPrivate {
                curve: r.req_map(tags::RECOMMENDED_CURVE, f::enum_of)?,
                d: req_big(&mut r, tags::D)?,
            },
            K::TransparentECPublicKey
            | K::TransparentECDSAPublicKey
            | K::TransparentECDHPublicKey
            | K::TransparentECMQVPublicKey => TransparentKey::EcPublic {
                curve: r.req_map(tags::RECOMMENDED_CURVE, f::enum_of)?,
                q: r.req_map(tags::Q_STRING, f::secret)?,
            },
            _ => return parse_fields(item).map(TransparentKey::Fields),
        };
        r.finish()?;
        Ok(key)
    }

    /// The Key Material structure.
    pub(crate) fn to_ttlv(&self) -> Ttlv {
        let big = |t, b: &SecretBytes| big_item(t, b.expose());
        let mut v = Vec::new();
        match self {
            TransparentKey::Symmetric { key } => v.push(f::bytes_item(tags::KEY, key.expose())),
            TransparentKey::RsaPrivate {
                modulus,
                private_exponent,
                public_exponent,
                p,
                q,
                prime_exponent_p,
                prime_exponent_q,
                crt_coefficient,
            } => {
                v.push(big(tags::MODULUS, modulus));
                let rest = [
                    (tags::PRIVATE_EXPONENT, private_exponent),
                    (tags::PUBLIC_EXPONENT, public_exponent),
                    (tags::P, p),
                    (tags::Q, q),
                    (tags::PRIME_EXPONENT_P, prime_exponent_p),
                    (tags::PRIME_EXPONENT_Q, prime_exponent_q),
                    (tags::CRT_COEFFICIENT, crt_coefficient),
                ];
                for (tag, value) in rest {
                    f::push_opt(&mut v, value.as_ref(), |b| big(tag, b));
                }
            }
            TransparentKey::RsaPublic {
                modulus,
                public_exponent,
            } => {
                v.push(big(tags::MODULUS, modulus));
                v.push(big(tags::PUBLIC_EXPONENT, public_exponent));
            }
            TransparentKey::DsaPrivate { p, q, g, x } => {
                let items = [(tags::P, p), (tags::Q, q), (tags::G, g), (tags::X, x)];
                v.extend(items.into_iter().map(|(t, b)| big(t, b)));
            }
            TransparentKey::DsaPublic { p, q, g, y } => {
                let items = [(tags::P, p), (tags::Q, q), (tags::G, g), (tags::Y, y)];
                v.extend(items.into_iter().map(|(t, b)| big(t, b)));
            }
            TransparentKey::EcPrivate { curve, d } => {
                v.push(f::enum_item(tags::RECOMMENDED_CURVE, *curve));
                v.push(big(tags::D, d));
            }
            TransparentKey::EcPublic { curve, q } => {
                v.push(f::enum_item(tags::RECOMMENDED_CURVE, *curve));
                v.push(f::bytes_item(tags::Q_STRING, q.expose()));
            }
            TransparentKey::Fields(fields) => v.extend(fields.iter().map(field_item)),
        }
        Ttlv::structure(tags::KEY_MATERIAL, v)
    }
}

fn parse_fields(item: &Ttlv) -> Result<Vec<(Tag, TransparentValue)>> {
    let children = item.items().unwrap_or_default();
    let mut fields = Vec::with_capacity(children.len());
    for child in children {
        let value = match &child.value {
            Value::BigInteger(b) => TransparentValue::BigInteger(SecretBytes::new(b.clone())),
            Value::ByteString(b) => TransparentValue::Bytes(SecretBytes::new(b.clone())),
            Value::Enumeration(e) => TransparentValue::Enumeration(*e),
            _ => {
                return Err(KmipError::InvalidValue {
                    field: child.tag,
                    problem: "not a transparent key field",
                });
            }
        };
        fields.push((child.tag, value));
    }
    Ok(fields)
}

fn field_item((tag, value): &(Tag, TransparentValue)) -> Ttlv {
    match value {
        TransparentValue::BigInteger(b) => f::big_item(*tag, b.expose()),
        TransparentValue::Bytes(b) => f::bytes_item(*tag, b.expose()),
        TransparentValue::Enumeration(e) => f::enum_item(*tag, *e),
    }
}

#[cfg(test)]
mod tests {
    use keyhold_ttlv::xml;

    use super::*;

    #[test]
    fn ec_keys_parse_typed_and_write_back() {
        let item = xml::to_ttlv(
            r#"<KeyMaterial>
              <RecommendedCurve type="Enumeration" value="P_256"/>
              <D type="BigInteger" value="0x0000000000000001"/>
            </KeyMaterial>"#,
        )
        .unwrap();
        let key = TransparentKey::parse(&item, KeyFormatType::TransparentECPrivateKey).unwrap();
        assert!(matches!(
            key,
            TransparentKey::EcPrivate {
                curve: RecommendedCurve::P256,
                ..
            }
        ));
        let wire = |t: &Ttlv| keyhold_ttlv::encode(t).unwrap();
        assert_eq!(wire(&key.to_ttlv()), wire(&item));
        assert!(!format!("{key:?}").contains("0x01"));
    }

    #[test]
    fn components_are_unsigned_magnitudes() {
        let item = xml::to_ttlv(
            r#"<KeyMaterial>
              <Modulus type="BigInteger" value="0x0000000000000000ab7f161c0042496c"/>
              <PublicExponent type="BigInteger" value="0x0000000000010001"/>
            </KeyMaterial>"#,
        )
        .unwrap();
        let key = TransparentKey::parse(&item, KeyFormatType::TransparentRSAPublicKey).unwrap();
        let TransparentKey::RsaPublic {
            modulus,
            public_exponent,
        } = &key
        else {
            panic!("{key:?}");
        };
        assert_eq!(
            modulus.expose(),
            &[0xab, 0x7f, 0x16, 0x1c, 0x00, 0x42, 0x49, 0x6c]
        );
        assert_eq!(public_exponent.expose(), &[0x01, 0x00, 0x01]);
        // Written back, the top bit set needs its sign byte again.
        let wire = |t: &Ttlv| keyhold_ttlv::encode(t).unwrap();
        assert_eq!(wire(&key.to_ttlv()), wire(&item));
        let negative = xml::to_ttlv(
            r#"<KeyMaterial>
              <Modulus type="BigInteger" value="0xab7f161c0042496c"/>
              <PublicExponent type="BigInteger" value="0x0000000000010001"/>
            </KeyMaterial>"#,
        )
        .unwrap();
        assert!(matches!(
            TransparentKey::parse(&negative, KeyFormatType::TransparentRSAPublicKey),
            Err(KmipError::InvalidValue { .. })
        ));
    }

    #[test]
    fn dsa_keys_parse_typed_and_write_back_as_the_profiles_send_them() {
        // BL-M-13-21's key: P and Q sign-extended to whole 8-byte blocks.
        let item = xml::to_ttlv(
            r#"<KeyMaterial>
              <P type="BigInteger" value="0x0000000000000000fca682ce8e12caba"/>
              <Q type="BigInteger" value="0x00000000962eddcc"/>
              <G type="BigInteger" value="0x678471b27a9cf44e"/>
              <X type="BigInteger" value="0x00000000095411d7"/>
            </KeyMaterial>"#,
        )
        .unwrap();
        let key = TransparentKey::parse(&item, KeyFormatType::TransparentDSAPrivateKey).unwrap();
        let TransparentKey::DsaPrivate { p, x, .. } = &key else {
            panic!("{key:?}");
        };
        assert_eq!(p.expose().len(), 8);
        assert_eq!(x.expose(), &[0x09, 0x54, 0x11, 0xd7]);
        let wire = |t: &Ttlv| keyhold_ttlv::encode(t).unwrap();
        assert_eq!(wire(&key.to_ttlv()), wire(&item));
        let no_x = xml::to_ttlv(
            r#"<KeyMaterial>
              <P type="BigInteger" value="0x0000000000000003"/>
              <Q type="BigInteger" value="0x0000000000000003"/>
              <G type="BigInteger" value="0x0000000000000003"/>
            </KeyMaterial>"#,
        )
        .unwrap();
        assert_eq!(
            TransparentKey::parse(&no_x, KeyFormatType::TransparentDSAPrivateKey).unwrap_err(),
            KmipError::Missing {
                field: tags::X,
                within: tags::KEY_MATERIAL
            }
        );
    }

    #[test]
    fn a_missing_component_is_named() {
        let item = xml::to_ttlv(
            r#"<KeyMaterial><Modulus type="BigInteger" value="0x0000000000000003"/></KeyMaterial>"#,
        )
        .unwrap();
        let err = TransparentKey::parse(&item, KeyFormatType::TransparentRSAPublicKey);
        assert_eq!(
            err.unwrap_err(),
            KmipError::Missing {
                field: tags::PUBLIC_EXPONENT,
                within: tags::KEY_MATERIAL
            }
        );
    }
}
