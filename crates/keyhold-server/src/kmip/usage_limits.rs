//! The Usage Limits attribute (KMIP 1.4 section 3.21, KMIP 2.1 section
//! 4.59) in and out: a Create or Register may limit how much a key
//! protects, and Get Attributes reports what is left. The operations
//! service enforces it ([`keyhold_core::UsageLimits::charge`]).

use keyhold_core::{UsageLimits, UsageLimitsUnit};
use keyhold_kmip::{AttributeRef, AttributeValue, Attributes, ResultReason, tags};
use keyhold_ttlv::{Ttlv, Value};

use super::errors::ItemFailure;

/// Usage Limits Unit values (KMIP 1.4 section 9.1.3.2.30).
const UNIT_BYTE: u32 = 0x1;
const UNIT_OBJECT: u32 = 0x2;

fn invalid(message: &str) -> ItemFailure {
    ItemFailure::new(ResultReason::InvalidField, message)
}

/// The Usage Limits the attributes set, if any: a positive Usage Limits
/// Total, its Unit (Byte or Object) and, if sent, a Usage Limits Count of
/// what is left (at most the total; the total when absent).
pub(crate) fn of(attrs: &Attributes) -> Result<Option<UsageLimits>, ItemFailure> {
    let Some(value) = attrs.get(&AttributeRef::Standard(tags::USAGE_LIMITS)) else {
        return Ok(None);
    };
    let AttributeValue::Other {
        value: Value::Structure(items),
        ..
    } = value
    else {
        return Err(invalid("Usage Limits is a structure"));
    };
    let field = |tag| {
        items
            .iter()
            .find(|i: &&Ttlv| i.tag == tag)
            .map(|i| &i.value)
    };
    let count = |tag| match field(tag) {
        None => Ok(None),
        Some(Value::LongInteger(n)) => u64::try_from(*n)
            .map(Some)
            .map_err(|_| invalid("Usage Limits counts are not negative")),
        Some(_) => Err(invalid("Usage Limits counts are Long Integers")),
    };
    let unit = match field(tags::USAGE_LIMITS_UNIT) {
        Some(Value::Enumeration(UNIT_BYTE)) => UsageLimitsUnit::Byte,
        Some(Value::Enumeration(UNIT_OBJECT)) => UsageLimitsUnit::Object,
        _ => return Err(invalid("Usage Limits Unit must be Byte or Object")),
    };
    let total = count(tags::USAGE_LIMITS_TOTAL)?
        .ok_or_else(|| invalid("Usage Limits Total is required"))?;
    let mut limits = UsageLimits::new(unit, total)
        .map_err(|_| invalid("Usage Limits Total must be positive"))?;
    if let Some(left) = count(tags::USAGE_LIMITS_COUNT)? {
        if left > total {
            return Err(invalid("Usage Limits Count exceeds the total"));
        }
        limits.remaining = left;
    }
    Ok(Some(limits))
}

/// The attribute for Get Attributes: total, what is left, unit.
pub(crate) fn attribute(limits: &UsageLimits) -> AttributeValue {
    let long = |tag, n: u64| {
        Ttlv::new(
            tag,
            Value::LongInteger(i64::try_from(n).unwrap_or(i64::MAX)),
        )
    };
    let unit = match limits.unit {
        UsageLimitsUnit::Byte => UNIT_BYTE,
        UsageLimitsUnit::Object => UNIT_OBJECT,
    };
    AttributeValue::Other {
        tag: tags::USAGE_LIMITS,
        value: Value::Structure(vec![
            long(tags::USAGE_LIMITS_TOTAL, limits.total),
            long(tags::USAGE_LIMITS_COUNT, limits.remaining),
            Ttlv::new(tags::USAGE_LIMITS_UNIT, Value::Enumeration(unit)),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(items: Vec<Ttlv>) -> Attributes {
        let mut a = Attributes::default();
        a.push(AttributeValue::Other {
            tag: tags::USAGE_LIMITS,
            value: Value::Structure(items),
        });
        a
    }

    #[test]
    fn limits_parse_and_are_reported_back() {
        let total = Ttlv::new(tags::USAGE_LIMITS_TOTAL, Value::LongInteger(16));
        let byte = Ttlv::new(tags::USAGE_LIMITS_UNIT, Value::Enumeration(UNIT_BYTE));
        let got = of(&attrs(vec![total.clone(), byte.clone()]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (got.unit, got.total, got.remaining),
            (UsageLimitsUnit::Byte, 16, 16)
        );
        let AttributeValue::Other { value, .. } = attribute(&got) else {
            panic!();
        };
        let back = of(&attrs(match value {
            Value::Structure(items) => items,
            other => panic!("{other:?}"),
        }))
        .unwrap();
        assert_eq!(back, Some(got));
        assert_eq!(of(&Attributes::default()).unwrap(), None);
        let left = Ttlv::new(tags::USAGE_LIMITS_COUNT, Value::LongInteger(17));
        let negative = Ttlv::new(tags::USAGE_LIMITS_TOTAL, Value::LongInteger(-1));
        let zero = Ttlv::new(tags::USAGE_LIMITS_TOTAL, Value::LongInteger(0));
        for bad in [
            vec![total.clone()],
            vec![byte.clone()],
            vec![total, byte.clone(), left],
            vec![negative, byte.clone()],
            vec![zero, byte],
        ] {
            assert!(of(&attrs(bad.clone())).is_err(), "{bad:?}");
        }
    }
}
