//! Field codecs for payload fields: how one typed field reads from and writes to one item.

use keyhold_ttlv::{Tag, Ttlv, Value};

use crate::ProtocolVersion;
use crate::crypto_params::CryptographicParameters;
use crate::error::Result;
use crate::fields as f;
use crate::identifier::UniqueIdentifier;
use crate::secret::SecretBytes;
use crate::wrapping::KeyWrappingSpecification;

/// A type that is the value of one TTLV field.
pub(crate) trait Scalar: Sized {
    /// Reads the field's value.
    fn from_item(item: &Ttlv, version: ProtocolVersion) -> Result<Self>;
    /// The field under `tag`.
    fn to_item(&self, tag: Tag, version: ProtocolVersion) -> Result<Ttlv>;
}

macro_rules! simple {
    ($ty:ty, $get:expr, $make:expr) => {
        impl Scalar for $ty {
            fn from_item(item: &Ttlv, _: ProtocolVersion) -> Result<Self> {
                $get(item)
            }
            fn to_item(&self, tag: Tag, _: ProtocolVersion) -> Result<Ttlv> {
                Ok($make(tag, self))
            }
        }
    };
}

simple!(String, f::text, |t, v: &String| f::text_item(t, v));
simple!(i32, f::int, |t, v: &i32| f::integer(t, *v));
simple!(i64, f::long, |t, v: &i64| f::long_integer(t, *v));
simple!(u32, f::interval, |t, v: &u32| f::interval_item(t, *v));
simple!(bool, f::boolean, |t, v: &bool| f::bool_item(t, *v));
simple!(Vec<u8>, f::bytes, |t, v: &Vec<u8>| f::bytes_item(t, v));
simple!(SecretBytes, f::secret, |t, v: &SecretBytes| f::bytes_item(
    t,
    v.expose()
));
impl Scalar for UniqueIdentifier {
    fn from_item(item: &Ttlv, _: ProtocolVersion) -> Result<Self> {
        UniqueIdentifier::parse(item)
    }
    fn to_item(&self, tag: Tag, version: ProtocolVersion) -> Result<Ttlv> {
        self.to_ttlv_for(tag, version)
    }
}
simple!(
    CryptographicParameters,
    CryptographicParameters::parse,
    |t, v: &CryptographicParameters| v.to_ttlv(t)
);
simple!(
    KeyWrappingSpecification,
    KeyWrappingSpecification::parse,
    |_, v: &KeyWrappingSpecification| v.to_ttlv()
);

/// A Date-Time field (POSIX seconds).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DateTime(pub i64);

simple!(
    DateTime,
    |i| f::date_time(i).map(DateTime),
    |t, v: &DateTime| f::date_time_item(t, v.0)
);

/// A structure this crate keeps as its TTLV tree (server information and similar
/// informational structures of the Query response).
impl Scalar for Ttlv {
    fn from_item(item: &Ttlv, _: ProtocolVersion) -> Result<Self> {
        Ok(item.clone())
    }
    fn to_item(&self, tag: Tag, _: ProtocolVersion) -> Result<Ttlv> {
        Ok(Ttlv::new(tag, self.value.clone()))
    }
}

impl Scalar for ProtocolVersion {
    fn from_item(item: &Ttlv, _: ProtocolVersion) -> Result<Self> {
        ProtocolVersion::parse(item)
    }
    fn to_item(&self, _: Tag, _: ProtocolVersion) -> Result<Ttlv> {
        Ok(self.to_ttlv())
    }
}

/// An enumeration field.
pub(crate) fn enum_value(item: &Ttlv) -> Result<u32> {
    f::enumeration(item)
}

/// An enumeration item.
pub(crate) fn enum_item(tag: Tag, v: u32) -> Ttlv {
    Ttlv::new(tag, Value::Enumeration(v))
}
