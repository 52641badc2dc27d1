//! The Shamir seal: the root key is split into `shares` shares, any
//! `threshold` of which rebuild it (Shamir, "How to share a secret", 1979),
//! byte by byte over GF(2^8) with vsss-rs.
//!
//! Shares carry no integrity check of their own, so a wrong share yields a
//! wrong root key without any error from the arithmetic: [`Unsealer::finish`]
//! therefore checks the rebuilt key against the store's canary
//! ([`RootKey::check_canary`]). Each share's text form has a small checksum
//! that catches typos when the share is typed in, before any of that.
//!
//! Configurations: `1 <= threshold <= shares <= 255`. A threshold of 1 is
//! allowed only with a single share (1-of-1: the share holds the root key
//! itself); with several shares it would hand out copies of the root key,
//! which is not secret sharing, so it is refused.

use std::fmt;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyhold_core::SealedBlob;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::rng::ProviderRng;
use crate::error::CryptoError;
use crate::hierarchy::RootKey;
use crate::provider::CryptoProvider;
use crate::secret::SecretBytes;

/// The root key length; every share's value has this length too.
const VALUE_LEN: usize = 32;
/// The text prefix of a version-1 share.
const TEXT_PREFIX: &str = "khs1-";
/// Checksum bytes appended to the value in the text form.
const CHECK_LEN: usize = 4;
const CHECK_LABEL: &[u8] = b"keyhold share v1\0";

/// How many shares to make and how many rebuild the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShamirConfig {
    shares: u8,
    threshold: u8,
}

impl ShamirConfig {
    /// Checks `1 <= threshold <= shares`, and threshold 1 only with 1 share.
    pub fn new(shares: u8, threshold: u8) -> Result<Self, CryptoError> {
        let reason = if shares == 0 {
            "at least one share is needed"
        } else if threshold == 0 {
            "the threshold must be at least 1"
        } else if threshold > shares {
            "the threshold cannot exceed the number of shares"
        } else if threshold == 1 && shares > 1 {
            "a threshold of 1 with several shares would hand out copies of the root key"
        } else {
            return Ok(Self { shares, threshold });
        };
        Err(CryptoError::Shamir { reason })
    }

    /// How many shares are made.
    pub fn shares(self) -> u8 {
        self.shares
    }

    /// How many shares rebuild the key.
    pub fn threshold(self) -> u8 {
        self.threshold
    }
}

/// One share: an x-coordinate (1..=255) and the 32 y-values, one per root
/// key byte. Secret: zeroized on drop, redacted in `Debug`.
#[derive(ZeroizeOnDrop)]
pub struct Share {
    index: u8,
    value: [u8; VALUE_LEN],
}

impl Share {
    /// The share's index (its x-coordinate), which is not secret.
    pub fn index(&self) -> u8 {
        self.index
    }

    /// The text form for operators: `khs1-<index>-<base64url(value ‖
    /// check)>`, where `check` is the first 4 bytes of SHA-256 over a label,
    /// the index and the value.
    pub fn to_text(&self) -> Zeroizing<String> {
        let mut payload = Zeroizing::new(Vec::with_capacity(VALUE_LEN + CHECK_LEN));
        payload.extend_from_slice(&self.value);
        payload.extend_from_slice(&checksum(self.index, &self.value));
        let encoded = Zeroizing::new(URL_SAFE_NO_PAD.encode(payload.as_slice()));
        Zeroizing::new(format!("{TEXT_PREFIX}{}-{}", self.index, encoded.as_str()))
    }

    /// Parses the text form (surrounding whitespace is ignored). A typo is
    /// caught by the checksum with probability 1 - 2^-32.
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let malformed = |reason| CryptoError::MalformedShare { reason };
        let body = text
            .trim()
            .strip_prefix(TEXT_PREFIX)
            .ok_or(malformed("it does not start with khs1-"))?;
        let (index, payload) = body
            .split_once('-')
            .ok_or(malformed("no '-' after the share index"))?;
        let index =
            parse_index(index).ok_or(malformed("the index is not a number from 1 to 255"))?;
        let bytes = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(payload)
                .map_err(|_| malformed("the share is not valid base64url"))?,
        );
        if bytes.len() != VALUE_LEN + CHECK_LEN {
            return Err(malformed("the share has the wrong length"));
        }
        let (value, check) = bytes.split_at(VALUE_LEN);
        verify_slices_are_equal(check, &checksum(index, value))
            .map_err(|_| malformed("the checksum does not match (a typo?)"))?;
        let mut share = Self {
            index,
            value: [0; VALUE_LEN],
        };
        share.value.copy_from_slice(value);
        Ok(share)
    }

    /// A share from vsss-rs' `index ‖ value`.
    fn from_vsss(bytes: &[u8]) -> Option<Self> {
        let (&index, value) = bytes.split_first()?;
        let value: [u8; VALUE_LEN] = value.try_into().ok()?;
        (index != 0).then_some(Self { index, value })
    }
}

impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Share {{ index: {}, value: <redacted> }}", self.index)
    }
}

/// A canonical decimal index: digits only, no leading zero, 1..=255.
fn parse_index(s: &str) -> Option<u8> {
    let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
    canonical.then(|| s.parse::<u8>().ok()).flatten()
}

fn checksum(index: u8, value: &[u8]) -> [u8; CHECK_LEN] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(CHECK_LABEL);
    ctx.update(&[index]);
    ctx.update(value);
    let mut out = [0u8; CHECK_LEN];
    for (o, d) in out.iter_mut().zip(ctx.finish().as_ref()) {
        *o = *d;
    }
    out
}

/// Splits the root key into `config.shares()` shares, indexes 1, 2, ....
/// Randomness comes from the provider.
pub fn split(
    root: &RootKey,
    config: ShamirConfig,
    provider: &CryptoProvider,
) -> Result<Vec<Share>, CryptoError> {
    if config.threshold == 1 {
        let mut share = Share {
            index: 1,
            value: [0; VALUE_LEN],
        };
        share.value.copy_from_slice(root.expose_for_seal());
        return Ok(vec![share]);
    }
    let rng = ProviderRng::new(provider)?;
    let raw = vsss_rs::Gf256::split_bytes(
        usize::from(config.threshold),
        usize::from(config.shares),
        root.expose_for_seal(),
        rng,
    )
    .map_err(|_| CryptoError::Shamir {
        reason: "splitting the root key failed",
    })?;
    let raw: Vec<Zeroizing<Vec<u8>>> = raw.into_iter().map(Zeroizing::new).collect();
    raw.iter()
        .map(|r| {
            Share::from_vsss(r).ok_or(CryptoError::Shamir {
                reason: "the split produced a malformed share",
            })
        })
        .collect()
}

/// Unseal progress: shares given so far and shares needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Distinct shares given.
    pub have: u8,
    /// The threshold.
    pub need: u8,
}

/// Collects shares until the threshold is reached, then rebuilds the root
/// key and checks it against the canary.
#[derive(Debug)]
pub struct Unsealer {
    need: u8,
    shares: Vec<Share>,
}

impl Unsealer {
    /// An unsealer for a configuration with this threshold (0 is taken as 1).
    pub fn new(threshold: u8) -> Self {
        Self {
            need: threshold.max(1),
            shares: Vec::new(),
        }
    }

    /// Shares given and needed.
    pub fn progress(&self) -> Progress {
        Progress {
            have: u8::try_from(self.shares.len()).unwrap_or(u8::MAX),
            need: self.need,
        }
    }

    /// Adds a share. A share whose index was already given is refused with
    /// [`CryptoError::DuplicateShare`] and changes nothing.
    pub fn add(&mut self, share: Share) -> Result<Progress, CryptoError> {
        if self.shares.iter().any(|s| s.index == share.index) {
            return Err(CryptoError::DuplicateShare);
        }
        self.shares.push(share);
        Ok(self.progress())
    }

    /// Forgets every share given (after a failed attempt, say).
    pub fn reset(&mut self) {
        self.shares.clear();
    }

    /// Rebuilds the root key from the shares given and checks it against
    /// `canary`. Wrong shares (or shares of another store) get
    /// [`CryptoError::CanaryMismatch`]; too few get
    /// [`CryptoError::NotEnoughShares`].
    pub fn finish(&self, canary: &SealedBlob) -> Result<RootKey, CryptoError> {
        let progress = self.progress();
        if progress.have < progress.need {
            return Err(CryptoError::NotEnoughShares {
                have: progress.have,
                need: progress.need,
            });
        }
        let root = RootKey::from_secret(self.combine()?)?;
        root.check_canary(canary)?;
        Ok(root)
    }

    /// Rebuilds a key from every share given, whatever the threshold, and
    /// returns it if `recognise` accepts it: for a store whose threshold
    /// is not known yet (a restore onto a fresh server). With fewer shares
    /// than the threshold the rebuilt value is unrelated to the key, and
    /// `recognise` refuses it.
    pub fn rebuild_if(&self, recognise: impl Fn(&RootKey) -> bool) -> Option<RootKey> {
        let secret = match self.shares.as_slice() {
            [] => return None,
            [one] => SecretBytes::copy_from(&one.value),
            _ => self.combine_all().ok()?,
        };
        let key = RootKey::from_secret(secret).ok()?;
        recognise(&key).then_some(key)
    }

    fn combine(&self) -> Result<SecretBytes, CryptoError> {
        if self.need == 1 {
            let share = self
                .shares
                .first()
                .ok_or(CryptoError::NotEnoughShares { have: 0, need: 1 })?;
            return Ok(SecretBytes::copy_from(&share.value));
        }
        self.combine_all()
    }

    fn combine_all(&self) -> Result<SecretBytes, CryptoError> {
        // vsss-rs' layout: index ‖ value.
        let raw = ZeroizingVecs(
            self.shares
                .iter()
                .map(|s| [&[s.index][..], &s.value[..]].concat())
                .collect(),
        );
        vsss_rs::Gf256::combine_bytes(&raw.0)
            .map(SecretBytes::new)
            .map_err(|_| CryptoError::Shamir {
                reason: "combining the shares failed",
            })
    }
}

/// A list of byte vectors wiped on drop (vsss-rs takes `&[Vec<u8>]`).
struct ZeroizingVecs(Vec<Vec<u8>>);

impl Drop for ZeroizingVecs {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(Zeroize::zeroize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::software::SOFTWARE;

    fn setup(shares: u8, threshold: u8) -> (RootKey, SealedBlob, Vec<Share>) {
        let root = RootKey::generate(&SOFTWARE).unwrap();
        let canary = root.canary(&SOFTWARE).unwrap();
        let cfg = ShamirConfig::new(shares, threshold).unwrap();
        let parts = split(&root, cfg, &SOFTWARE).unwrap();
        (root, canary, parts)
    }

    fn copy(s: &Share) -> Share {
        Share::parse(&s.to_text()).unwrap()
    }

    fn unseal(
        threshold: u8,
        shares: &[&Share],
        canary: &SealedBlob,
    ) -> Result<RootKey, CryptoError> {
        let mut u = Unsealer::new(threshold);
        for s in shares {
            u.add(copy(s))?;
        }
        u.finish(canary)
    }

    #[test]
    fn config_rules() {
        for (n, t) in [(1, 1), (2, 2), (5, 3), (255, 255), (255, 2)] {
            let c = ShamirConfig::new(n, t).unwrap();
            assert_eq!((c.shares(), c.threshold()), (n, t));
        }
        for (n, t) in [(0, 0), (0, 1), (3, 0), (3, 4), (5, 1), (2, 1)] {
            assert!(
                matches!(ShamirConfig::new(n, t), Err(CryptoError::Shamir { .. })),
                "{n} of {t} accepted"
            );
        }
    }

    #[test]
    fn any_three_of_five_in_any_order_rebuild_the_root_key() {
        let (root, canary, parts) = setup(5, 3);
        assert_eq!(parts.len(), 5);
        assert_eq!(
            parts.iter().map(Share::index).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        for a in 0..5 {
            for b in 0..5 {
                for c in 0..5 {
                    if a == b || b == c || a == c {
                        continue;
                    }
                    let got = unseal(3, &[&parts[a], &parts[b], &parts[c]], &canary).unwrap();
                    assert_eq!(got.expose_for_seal(), root.expose_for_seal());
                }
            }
        }
        let all: Vec<&Share> = parts.iter().collect();
        let got = unseal(3, &all, &canary).unwrap();
        assert_eq!(
            got.expose_for_seal(),
            root.expose_for_seal(),
            "more than the threshold"
        );
    }

    #[test]
    fn two_of_five_are_not_enough() {
        let (_, canary, parts) = setup(5, 3);
        let e = unseal(3, &[&parts[0], &parts[4]], &canary).unwrap_err();
        assert!(matches!(
            e,
            CryptoError::NotEnoughShares { have: 2, need: 3 }
        ));
        // And a 2-share interpolation of a degree-2 polynomial is another key.
        let mut u = Unsealer::new(2);
        u.add(copy(&parts[0])).unwrap();
        u.add(copy(&parts[4])).unwrap();
        assert!(matches!(
            u.finish(&canary),
            Err(CryptoError::CanaryMismatch)
        ));
    }

    #[test]
    fn a_wrong_share_fails_the_canary() {
        let (_, canary, parts) = setup(5, 3);
        let (_, _, other) = setup(5, 3);
        let e = unseal(3, &[&parts[0], &parts[1], &other[2]], &canary).unwrap_err();
        assert!(matches!(e, CryptoError::CanaryMismatch));
        let mut tampered = copy(&parts[2]);
        tampered.value[0] ^= 1;
        let e = unseal(3, &[&parts[0], &parts[1], &tampered], &canary).unwrap_err();
        assert!(matches!(e, CryptoError::CanaryMismatch));
    }

    #[test]
    fn duplicates_are_refused_and_change_nothing() {
        let (root, canary, parts) = setup(3, 2);
        let mut u = Unsealer::new(2);
        assert_eq!(
            u.add(copy(&parts[1])).unwrap(),
            Progress { have: 1, need: 2 }
        );
        assert!(matches!(
            u.add(copy(&parts[1])),
            Err(CryptoError::DuplicateShare)
        ));
        assert_eq!(u.progress(), Progress { have: 1, need: 2 });
        u.add(copy(&parts[2])).unwrap();
        assert_eq!(
            u.finish(&canary).unwrap().expose_for_seal(),
            root.expose_for_seal()
        );
        u.reset();
        assert_eq!(u.progress().have, 0);
    }

    #[test]
    fn one_of_one_holds_the_key_itself() {
        let (root, canary, parts) = setup(1, 1);
        assert_eq!(parts.len(), 1);
        let got = unseal(1, &[&parts[0]], &canary).unwrap();
        assert_eq!(got.expose_for_seal(), root.expose_for_seal());
        let e = Unsealer::new(0).finish(&canary).unwrap_err();
        assert!(matches!(
            e,
            CryptoError::NotEnoughShares { have: 0, need: 1 }
        ));
    }

    #[test]
    fn text_form_round_trips_and_catches_typos() {
        let (_, _, parts) = setup(3, 2);
        let text = parts[2].to_text();
        assert!(text.starts_with("khs1-3-"), "{}", text.as_str());
        let parsed = Share::parse(&format!("  {}\n", text.as_str())).unwrap();
        assert_eq!(parsed.index(), 3);
        assert_eq!(parsed.value, parts[2].value);
        // Change one character of the payload: the checksum catches it.
        let pos = text.len() - 10;
        let mut typo = text.to_string();
        let c = if &typo[pos..=pos] == "A" { "B" } else { "A" };
        typo.replace_range(pos..=pos, c);
        assert!(matches!(
            Share::parse(&typo),
            Err(CryptoError::MalformedShare { .. })
        ));
        // The index is covered by the checksum too.
        let moved = text.replacen("khs1-3-", "khs1-2-", 1);
        assert!(matches!(
            Share::parse(&moved),
            Err(CryptoError::MalformedShare { .. })
        ));
    }

    #[test]
    fn malformed_texts_are_refused() {
        let (_, _, parts) = setup(3, 2);
        let good = parts[0].to_text();
        let payload = good.split_once("khs1-1-").unwrap().1.to_owned();
        for bad in [
            String::new(),
            "khs2-1-".to_owned() + &payload,
            "khs1-".to_owned() + &payload,
            "khs1-0-".to_owned() + &payload,
            "khs1-01-".to_owned() + &payload,
            "khs1-256-".to_owned() + &payload,
            "khs1-+1-".to_owned() + &payload,
            "khs1-1-".to_owned() + &payload[..payload.len() - 2],
            "khs1-1-".to_owned() + &payload + "AA",
            "khs1-1-".to_owned() + &payload.replace(|_: char| true, "*"),
        ] {
            assert!(
                matches!(Share::parse(&bad), Err(CryptoError::MalformedShare { .. })),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn debug_redacts_the_value() {
        let (_, _, parts) = setup(2, 2);
        assert_eq!(
            format!("{:?}", parts[0]),
            "Share { index: 1, value: <redacted> }"
        );
        let mut u = Unsealer::new(2);
        u.add(copy(&parts[0])).unwrap();
        assert!(format!("{u:?}").contains("<redacted>"));
    }

    #[test]
    fn rebuild_if_finds_the_key_once_enough_shares_are_given() {
        for (n, t) in [(5, 3), (1, 1), (2, 2), (4, 4)] {
            let (root, canary, parts) = setup(n, t);
            let mut u = Unsealer::new(u8::MAX);
            let is_root = |k: &RootKey| k.check_canary(&canary).is_ok();
            for (i, part) in parts.iter().enumerate() {
                u.add(copy(part)).unwrap();
                let found = u.rebuild_if(is_root);
                assert_eq!(
                    found.is_some(),
                    i + 1 >= usize::from(t),
                    "{n}/{t} with {}",
                    i + 1
                );
                if let Some(k) = found {
                    assert_eq!(k.expose_for_seal(), root.expose_for_seal());
                }
            }
        }
        assert!(Unsealer::new(u8::MAX).rebuild_if(|_| true).is_none());
    }
}
