//! Open enumerations: every value the specifications define gets a variant, any other value
//! (vendor extensions 0x8XXXXXXX, values of later versions) is kept as `Unknown(u32)` so that
//! it survives a round trip and the server can answer it precisely.

/// Declares an enumeration with its KMIP values, an `Unknown(u32)` variant, and
/// conversions from and to the wire value.
macro_rules! kmip_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of keyhold does not know, kept as sent.
            Unknown(u32),
        }

        impl From<u32> for $name {
            fn from(value: u32) -> Self {
                match value {
                    $( $value => $name::$variant, )*
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for u32 {
            fn from(value: $name) -> u32 {
                match value {
                    $( $name::$variant => $value, )*
                    $name::Unknown(other) => other,
                }
            }
        }

        impl crate::scalar::Scalar for $name {
            fn from_item(
                item: &keyhold_ttlv::Ttlv,
                _: crate::ProtocolVersion,
            ) -> crate::error::Result<Self> {
                crate::scalar::enum_value(item).map($name::from)
            }
            fn to_item(
                &self,
                tag: keyhold_ttlv::Tag,
                _: crate::ProtocolVersion,
            ) -> crate::error::Result<keyhold_ttlv::Ttlv> {
                Ok(crate::scalar::enum_item(tag, u32::from(*self)))
            }
        }
    };
}

pub(crate) use kmip_enum;

#[cfg(test)]
mod tests {
    use crate::{Operation, ResultReason};

    #[test]
    fn known_values_map_to_variants_and_back() {
        assert_eq!(Operation::from(0x0A), Operation::Get);
        assert_eq!(u32::from(Operation::Get), 0x0A);
        assert_eq!(ResultReason::from(5), ResultReason::OperationNotSupported);
    }

    #[test]
    fn unknown_values_are_kept() {
        assert_eq!(
            Operation::from(0x8000_0001),
            Operation::Unknown(0x8000_0001)
        );
        assert_eq!(u32::from(Operation::Unknown(0x99)), 0x99);
    }
}
