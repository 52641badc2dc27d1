//! What a caller may set on a key, checked before anything is written:
//! description and tags (bounded, no control characters, tag names without
//! `:` so the list filter `tag=NAME:VALUE` can name every tag), the rotation
//! period, the cryptoperiod, and the first version's state and dates at
//! creation.

use std::collections::BTreeMap;

use keyhold_api::keys::{
    CreateKeyRequest, InitialState, MAX_DESCRIPTION_BYTES, MAX_TAG_NAME_BYTES, MAX_TAG_VALUE_BYTES,
    MAX_TAGS,
};
use keyhold_api::lifecycle::{MAX_ROTATION_PERIOD_SECS, MIN_ROTATION_PERIOD_SECS};
use keyhold_core::{CoreError, Cryptoperiod, KeyState, Timestamp};

/// The first version of a new key: its state and its planned dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::ops) struct FirstVersion {
    /// Active or PreActive.
    pub(in crate::ops) state: KeyState,
    /// When it became or becomes active (`None`: pre-active until activated).
    pub(in crate::ops) activation_date: Option<Timestamp>,
    /// When it is planned to stop protecting.
    pub(in crate::ops) deactivation_date: Option<Timestamp>,
}

fn invalid(field: &'static str, reason: &'static str) -> CoreError {
    CoreError::InvalidValue { field, reason }
}

/// Checks every caller-set field of a create request, and decides the first
/// version's state and dates:
///
/// | `initial_state` | `activation_date` | first version |
/// |---|---|---|
/// | absent or `active` | absent | Active, activated now |
/// | absent or `active` | now or past | Active, activated then |
/// | absent | future | PreActive, activation planned then |
/// | `active` | future | refused |
/// | `pre-active` | absent | PreActive until activated |
/// | `pre-active` | future | PreActive, activation planned then |
/// | `pre-active` | now or past | refused |
///
/// A deactivation date must be in the future and after the activation date.
pub(in crate::ops) fn check_create(
    req: &CreateKeyRequest,
    now: Timestamp,
) -> Result<FirstVersion, CoreError> {
    check_description(&req.description)?;
    check_tags(&req.tags)?;
    Cryptoperiod {
        originator_usage_secs: req.originator_usage_period_secs,
        recipient_usage_secs: req.recipient_usage_period_secs,
    }
    .check()?;
    if let Some(period) = req.rotation_period_secs {
        check_rotation_period(period)?;
    }
    let (state, activation_date) = match (req.initial_state, req.activation_date) {
        (None | Some(InitialState::Active), None) => (KeyState::Active, Some(now)),
        (None | Some(InitialState::Active), Some(at)) if at <= now => (KeyState::Active, Some(at)),
        (None, Some(at)) => (KeyState::PreActive, Some(at)),
        (Some(InitialState::Active), Some(_)) => {
            return Err(invalid(
                "activation_date",
                "an active key cannot have a future activation date",
            ));
        }
        (Some(InitialState::PreActive), Some(at)) if at <= now => {
            return Err(invalid(
                "activation_date",
                "a pre-active key's activation date must be in the future",
            ));
        }
        (Some(InitialState::PreActive), at) => (KeyState::PreActive, at),
    };
    if let Some(end) = req.deactivation_date {
        if end <= now || activation_date.is_some_and(|start| end <= start) {
            return Err(invalid(
                "deactivation_date",
                "must be in the future and after the activation date",
            ));
        }
    }
    Ok(FirstVersion {
        state,
        activation_date,
        deactivation_date: req.deactivation_date,
    })
}

/// A description of at most [`MAX_DESCRIPTION_BYTES`].
pub(in crate::ops) fn check_description(text: &str) -> Result<(), CoreError> {
    if text.len() > MAX_DESCRIPTION_BYTES {
        return Err(invalid("description", "must be at most 4096 bytes"));
    }
    Ok(())
}

/// At most [`MAX_TAGS`] tags; names of 1 to [`MAX_TAG_NAME_BYTES`] bytes
/// without `:`, values of at most [`MAX_TAG_VALUE_BYTES`]; neither holds a
/// control character.
pub(in crate::ops) fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), CoreError> {
    if tags.len() > MAX_TAGS {
        return Err(invalid("tags", "at most 50 tags"));
    }
    let controls = |s: &str| s.chars().any(char::is_control);
    for (name, value) in tags {
        if name.is_empty() || name.len() > MAX_TAG_NAME_BYTES {
            return Err(invalid("tags", "a tag name is 1 to 128 bytes"));
        }
        if name.contains(':') {
            return Err(invalid("tags", "a tag name cannot hold ':'"));
        }
        if value.len() > MAX_TAG_VALUE_BYTES {
            return Err(invalid("tags", "a tag value is at most 256 bytes"));
        }
        if controls(name) || controls(value) {
            return Err(invalid("tags", "tags cannot hold control characters"));
        }
    }
    Ok(())
}

/// A rotation period of one hour to ten years.
pub(in crate::ops) fn check_rotation_period(secs: u64) -> Result<(), CoreError> {
    if !(MIN_ROTATION_PERIOD_SECS..=MAX_ROTATION_PERIOD_SECS).contains(&secs) {
        return Err(invalid(
            "rotation_period_secs",
            "must be 3600 (one hour) to 315360000 (ten years)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

    fn req(initial: Option<InitialState>, activation: Option<i64>) -> CreateKeyRequest {
        CreateKeyRequest {
            initial_state: initial,
            activation_date: activation.map(|s| NOW.plus_seconds(s)),
            ..CreateKeyRequest::new("k".parse().unwrap(), keyhold_core::Algorithm::Aes256Gcm)
        }
    }

    #[test]
    fn first_version_follows_the_table() {
        use InitialState::{Active as A, PreActive as P};
        use KeyState::{Active, PreActive};
        let past = Some(-60);
        let future = Some(3600);
        let cases = [
            (None, None, Some((Active, Some(0)))),
            (Some(A), None, Some((Active, Some(0)))),
            (None, past, Some((Active, past))),
            (Some(A), Some(0), Some((Active, Some(0)))),
            (None, future, Some((PreActive, future))),
            (Some(A), future, None),
            (Some(P), None, Some((PreActive, None))),
            (Some(P), future, Some((PreActive, future))),
            (Some(P), past, None),
            (Some(P), Some(0), None),
        ];
        for (initial, activation, want) in cases {
            let got = check_create(&req(initial, activation), NOW);
            let want = want.map(|(state, at): (KeyState, Option<i64>)| FirstVersion {
                state,
                activation_date: at.map(|s| NOW.plus_seconds(s)),
                deactivation_date: None,
            });
            match want {
                Some(w) => assert_eq!(got.unwrap(), w, "{initial:?} {activation:?}"),
                None => assert!(
                    matches!(
                        got,
                        Err(CoreError::InvalidValue {
                            field: "activation_date",
                            ..
                        })
                    ),
                    "{initial:?} {activation:?}: {got:?}"
                ),
            }
        }
    }

    #[test]
    fn deactivation_comes_after_activation_and_now() {
        let at = |s| Some(NOW.plus_seconds(s));
        for (activation, deactivation, ok) in [
            (None, at(60), true),
            (None, at(0), false),
            (None, at(-60), false),
            (Some(3600), at(7200), true),
            (Some(3600), at(3600), false),
            (Some(3600), at(60), false),
            (Some(-3600), at(60), true),
        ] {
            let mut r = req(None, activation);
            r.deactivation_date = deactivation;
            let got = check_create(&r, NOW);
            assert_eq!(got.is_ok(), ok, "{activation:?} {deactivation:?}: {got:?}");
            if let Ok(first) = got {
                assert_eq!(first.deactivation_date, deactivation);
            }
        }
    }

    #[test]
    fn rotation_period_bounds() {
        for (secs, ok) in [
            (0, false),
            (3599, false),
            (3600, true),
            (MAX_ROTATION_PERIOD_SECS, true),
            (MAX_ROTATION_PERIOD_SECS + 1, false),
            (u64::MAX, false),
        ] {
            assert_eq!(check_rotation_period(secs).is_ok(), ok, "{secs}");
        }
    }

    #[test]
    fn tags_and_descriptions_are_bounded() {
        let one = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
        assert!(check_tags(&one("team", "pay:ments")).is_ok());
        assert!(check_tags(&one("team", "")).is_ok());
        let long_name = "n".repeat(MAX_TAG_NAME_BYTES + 1);
        let long_value = "v".repeat(MAX_TAG_VALUE_BYTES + 1);
        for bad in [
            one("", "x"),
            one("a:b", "x"),
            one(&long_name, "x"),
            one("team", &long_value),
            one("te\nam", "x"),
            one("team", "pay\u{7}"),
        ] {
            assert!(check_tags(&bad).is_err(), "{bad:?}");
        }
        let many: BTreeMap<String, String> = (0..=MAX_TAGS)
            .map(|i| (format!("t{i}"), String::new()))
            .collect();
        assert!(check_tags(&many).is_err());
        assert!(check_description(&"d".repeat(MAX_DESCRIPTION_BYTES)).is_ok());
        assert!(check_description(&"d".repeat(MAX_DESCRIPTION_BYTES + 1)).is_err());
    }
}
