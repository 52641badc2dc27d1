//! The integers of a legacy key and the few operations its shape checks
//! need (products, remainders, modular powers), on crypto-bigint's heap
//! integers: constant-time where it offers it, and wiped when dropped.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, ConcatenatingMul as _, Integer as _, NonZero, Odd};
use zeroize::Zeroizing;

use super::error::LegacyKeyError;

/// The widest component a legacy key has: DSA's largest p.
pub(super) const MAX_BITS: u32 = 3072;

/// A non-negative integer of a legacy key, wiped when dropped.
pub(super) struct Int(Zeroizing<BoxedUint>);

impl Int {
    /// The big-endian magnitude `bytes` (leading zeros allowed); wider
    /// than [`MAX_BITS`] is [`LegacyKeyError::TooLarge`].
    pub(super) fn from_be(bytes: &[u8]) -> Result<Self, LegacyKeyError> {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        let magnitude = bytes.get(start..).unwrap_or_default();
        BoxedUint::from_be_slice(magnitude, MAX_BITS)
            .map(|u| Self(Zeroizing::new(u)))
            .map_err(|_| LegacyKeyError::TooLarge)
    }

    fn wrap(u: BoxedUint) -> Self {
        Self(Zeroizing::new(u))
    }

    /// Its size in bits (0 for zero).
    pub(super) fn bits(&self) -> u32 {
        self.0.bit_width()
    }

    /// Whether it is odd.
    pub(super) fn is_odd(&self) -> bool {
        self.0.is_odd().into()
    }

    /// Whether it is zero.
    pub(super) fn is_zero(&self) -> bool {
        self.0.is_zero().into()
    }

    /// Whether it is one.
    pub(super) fn is_one(&self) -> bool {
        *self.0 == BoxedUint::one()
    }

    /// Whether it is less than `other`.
    pub(super) fn lt(&self, other: &Self) -> bool {
        *self.0 < *other.0
    }

    /// `self - 1`; zero stays zero (no caller asks it of zero).
    pub(super) fn minus_one(&self) -> Self {
        if self.is_zero() {
            return Self::wrap(BoxedUint::zero_with_precision(MAX_BITS));
        }
        Self::wrap(self.0.wrapping_sub(BoxedUint::one_with_precision(MAX_BITS)))
    }

    /// `self · other`, at twice the precision.
    pub(super) fn times(&self, other: &Self) -> Self {
        Self::wrap(self.0.concatenating_mul(&*other.0))
    }

    /// `self mod m`; `None` when `m` is zero.
    pub(super) fn rem(&self, m: &Self) -> Option<Self> {
        let m = Option::from(NonZero::new(BoxedUint::clone(&m.0)))?;
        Some(Self::wrap(self.0.rem(&m)))
    }

    /// `self^exp mod m`, in constant time in `exp`; `None` when `m` is
    /// even (or one or zero), which no legacy key's modulus is.
    pub(super) fn pow_mod(&self, exp: &Self, m: &Self) -> Option<Self> {
        if !m.is_odd() || m.is_one() {
            return None;
        }
        let odd: Odd<BoxedUint> = Option::from(Odd::new(BoxedUint::clone(&m.0)))?;
        let params = BoxedMontyParams::new(odd);
        let base = self.rem(m)?;
        let form = BoxedMontyForm::new(BoxedUint::clone(&base.0), &params);
        Some(Self::wrap(form.pow(&exp.0).retrieve()))
    }

    /// Its big-endian magnitude, without leading zeros (empty for zero).
    pub(super) fn to_be(&self) -> Zeroizing<Vec<u8>> {
        let bytes = Zeroizing::new(self.0.to_be_bytes().into_vec());
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        Zeroizing::new(bytes.get(start..).unwrap_or_default().to_vec())
    }
}

impl PartialEq for Int {
    fn eq(&self, other: &Self) -> bool {
        *self.0 == *other.0
    }
}

/// The size in bits of the big-endian magnitude `n` (leading zeros
/// allowed), without reading it into an integer.
pub(super) fn magnitude_bits(n: &[u8]) -> u32 {
    let start = n.iter().position(|b| *b != 0).unwrap_or(n.len());
    let n = n.get(start..).unwrap_or_default();
    let top = n.first().map_or(0, |b| 8 - b.leading_zeros());
    u32::try_from(n.len().saturating_sub(1).saturating_mul(8))
        .unwrap_or(u32::MAX)
        .saturating_add(top)
}

/// Requires `holds`, naming the rule that fails otherwise.
pub(super) fn ensure(holds: bool, rule: &'static str) -> Result<(), LegacyKeyError> {
    if holds {
        Ok(())
    } else {
        Err(LegacyKeyError::Inconsistent { rule })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: u64) -> Int {
        Int::from_be(&v.to_be_bytes()).unwrap()
    }

    #[test]
    fn arithmetic_of_small_numbers() {
        assert_eq!(int(0x0102).bits(), 9);
        assert!(int(7).is_odd() && !int(8).is_odd() && int(0).is_zero() && int(1).is_one());
        assert!(int(3).lt(&int(4)) && !int(4).lt(&int(4)));
        assert!(int(12).times(&int(13)) == int(156));
        assert!(int(156).rem(&int(10)).unwrap() == int(6));
        assert!(int(1).rem(&int(0)).is_none());
        // 3^5 mod 7 = 243 mod 7 = 5.
        assert!(int(3).pow_mod(&int(5), &int(7)).unwrap() == int(5));
        assert!(int(3).pow_mod(&int(5), &int(8)).is_none());
        assert!(int(9).minus_one() == int(8) && int(0).minus_one().is_zero());
        assert_eq!(&int(0x01_02_03).to_be()[..], &[1, 2, 3]);
        assert!(int(0).to_be().is_empty());
        assert_eq!(magnitude_bits(&[0, 0, 0x01, 0xff]), 9);
        assert_eq!(magnitude_bits(&[0x80; 128]), 1024);
        assert_eq!(magnitude_bits(&[0, 0]), 0);
    }

    #[test]
    fn components_over_3072_bits_are_refused() {
        let mut wide = vec![0u8; 3]; // leading zeros do not count
        wide.extend(vec![0xff; 384]);
        assert!(Int::from_be(&wide).is_ok());
        wide.insert(3, 1);
        assert_eq!(Int::from_be(&wide).err(), Some(LegacyKeyError::TooLarge));
    }
}
