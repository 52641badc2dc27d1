//! The KMIP attribute changes keyhold can hold (KMIP 1.4 sections
//! 4.13–4.16, KMIP 2.1 sections 6.1.2, 6.1.13, 6.1.34, 6.1.51): the
//! Description, kept as the key's description; the usage dates; client
//! Links; and the Activation Date of a Pre-Active key, which can be
//! brought to now (activating it). Custom attributes are changed in
//! [`super::kmip_custom`], Application Specific Information and
//! Alternative Names in [`super::kmip_instances`]. Every other attribute
//! is set by keyhold itself.

use keyhold_core::kmip_links::{ObjectLink, check_links};
use keyhold_core::{KeyName, KeyRef, KeyState, KeyVersion, Timestamp, VersionId};
use keyhold_store::TxError;

use super::lifecycle::KeyAction;
use super::lifecycle::validate::check_description;
use super::{Caller, Operations};
use crate::error::ServerError;
use crate::vault::tx_error;

/// How an attribute of values `T` changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeChange<T = String> {
    /// Add Attribute: a new attribute (there must be none of that name).
    Add(T),
    /// Modify Attribute: a new value for one that exists.
    Modify(T),
    /// Set Attribute (2.x): the value, whether or not one exists.
    Set(T),
    /// Delete Attribute: it must exist.
    Delete,
}

/// A usage date a KMIP client sets on an object (a key version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageDate {
    /// Process Start Date (KMIP 1.4 section 3.25).
    ProcessStart,
    /// Protect Stop Date (KMIP 1.4 section 3.26).
    ProtectStop,
}

impl UsageDate {
    /// The attribute's KMIP name.
    pub const fn kmip_name(self) -> &'static str {
        match self {
            Self::ProcessStart => "Process Start Date",
            Self::ProtectStop => "Protect Stop Date",
        }
    }

    /// Where `version` keeps it.
    fn slot(self, version: &mut KeyVersion) -> &mut Option<Timestamp> {
        match self {
            Self::ProcessStart => &mut version.process_start_date,
            Self::ProtectStop => &mut version.protect_stop_date,
        }
    }
}

/// Whether `name` is a custom attribute's (KMIP 1.4 section 3.1: `x-` for
/// clients, `y-` for servers).
pub fn is_custom_name(name: &str) -> bool {
    name.starts_with("x-") || name.starts_with("y-")
}

impl Operations {
    /// Changes the Description of version `id`'s key (KMIP 1.4 section
    /// 3.46, KMIP 2.1 section 4), kept as the key's description (REST's
    /// `description`; empty is none). It is single-valued: an Add when it
    /// has one is [`ServerError::AttributeSingleValued`], a Modify or
    /// Delete when it has none [`ServerError::AttributeNotFound`]. A new
    /// value is 1 to 4096 bytes. Answers the Description it had.
    pub fn change_description(
        &self,
        caller: &Caller,
        id: VersionId,
        change: AttributeChange,
    ) -> Result<Option<String>, ServerError> {
        if let AttributeChange::Add(v) | AttributeChange::Modify(v) | AttributeChange::Set(v) =
            &change
        {
            if v.is_empty() {
                return Err(ServerError::InvalidRequest {
                    detail: "a Description is 1 to 4096 bytes".into(),
                });
            }
            check_description(v)?;
        }
        let (key, _) = self.key_by_version_id(caller, id)?;
        let mut before = None;
        self.change_key(caller, &KeyRef::Id(key.id), |rows, _| {
            let description = &mut rows.key.description;
            before = Some(description.clone()).filter(|d| !d.is_empty());
            let attribute = "Description";
            match change {
                AttributeChange::Add(_) if !description.is_empty() => {
                    Err(ServerError::AttributeSingleValued { attribute })
                }
                AttributeChange::Modify(_) | AttributeChange::Delete if description.is_empty() => {
                    Err(ServerError::AttributeNotFound { attribute })
                }
                AttributeChange::Add(v) | AttributeChange::Modify(v) | AttributeChange::Set(v) => {
                    *description = v;
                    Ok(())
                }
                AttributeChange::Delete => {
                    description.clear();
                    Ok(())
                }
            }
        })?;
        Ok(before)
    }

    /// Changes the Links a client set on version `id`'s key
    /// ([`keyhold_core::kmip_links`]): Add appends one (the same Link
    /// twice is refused), Modify replaces the first of its Link Type, Set
    /// (2.x) replaces every one of its Link Type, Delete removes `link`,
    /// or every client Link when `None`. A Modify or Delete that finds
    /// nothing is [`ServerError::AttributeNotFound`].
    pub fn change_link(
        &self,
        caller: &Caller,
        id: VersionId,
        change: LinkChange,
    ) -> Result<(), ServerError> {
        let (key, _) = self.key_by_version_id(caller, id)?;
        self.change_key(caller, &KeyRef::Id(key.id), move |rows, _| {
            let links = &mut rows.key.kmip.links;
            apply_link_change(links, change)?;
            check_links(links).map_err(ServerError::Core)
        })?;
        Ok(())
    }

    /// A Name added to (or changed on) version `id`'s object: keyhold keeps
    /// one Name per key, fixed when the key is made, so the change is
    /// refused: [`ServerError::KeyAlreadyExists`] when a key of the tenant
    /// (this one included) has that name already (KMIP 2.1 Non Unique Name
    /// Attribute), [`ServerError::AttributeReadOnly`] otherwise.
    pub fn refuse_new_name(
        &self,
        caller: &Caller,
        id: VersionId,
        name: &str,
    ) -> Result<(), ServerError> {
        let (key, _) = self.key_by_version_id(caller, id)?;
        let taken = match name.parse::<KeyName>() {
            Ok(name) => self
                .store
                .read(|tx| tx.key_by_name(key.tenant, &name).map_err(TxError::from))
                .map_err(tx_error)?
                .is_some(),
            // A name no key may have is no key's name.
            Err(_) => false,
        };
        match taken {
            true => Err(ServerError::KeyAlreadyExists),
            false => Err(ServerError::AttributeReadOnly {
                attribute: "Name",
                why: "a key's one Name is fixed when it is made",
            }),
        }
    }

    /// Changes the usage date `which` of version `id` (KMIP 1.4 sections
    /// 3.25 and 3.26): single-valued like the Description; a client may
    /// change it only while the object is Pre-Active or Active and the
    /// date it holds has not come, and never delete it (otherwise
    /// [`ServerError::AttributeReadOnly`]). The use checks read it.
    pub fn change_usage_date(
        &self,
        caller: &Caller,
        id: VersionId,
        which: UsageDate,
        change: AttributeChange<Timestamp>,
    ) -> Result<(), ServerError> {
        let (key, _) = self.key_by_version_id(caller, id)?;
        self.change_key(caller, &KeyRef::Id(key.id), move |rows, now| {
            let version = rows
                .versions
                .iter_mut()
                .find(|v| v.meta.id == id)
                .ok_or(ServerError::KeyNotFound)?;
            set_usage_date(&mut version.meta, which, change, now)
        })?;
        Ok(())
    }

    /// Sets the Activation Date of version `id`'s key, which must be
    /// Pre-Active: a date now or past activates it; a future one is
    /// refused (give it at Create). Another state is a lifecycle refusal.
    pub fn set_activation_date(
        &self,
        caller: &Caller,
        id: VersionId,
        at: Timestamp,
    ) -> Result<(), ServerError> {
        let (key, version) = self.key_by_version_id(caller, id)?;
        if version.state != KeyState::PreActive || version.version != key.primary_version {
            return Err(ServerError::LifecycleRefused {
                action: KeyAction::Activate,
                state: version.state,
            });
        }
        if at > self.now() {
            return Err(ServerError::InvalidRequest {
                detail: "a future Activation Date is set at Create, not changed later".into(),
            });
        }
        self.activate_key(caller, &KeyRef::Id(key.id)).map(drop)
    }

    /// The Activation Date a Create or Register gives (KMIP 1.4 section
    /// 3.24, KMIP 2.1 section 4.1): now or past activates the new key; a
    /// future date leaves it Pre-Active (keyhold does not schedule
    /// activation) and says so with `false`.
    pub fn activate_if_due(
        &self,
        caller: &Caller,
        id: VersionId,
        at: Timestamp,
    ) -> Result<bool, ServerError> {
        if at > self.now() {
            return Ok(false);
        }
        self.set_activation_date(caller, id, at).map(|()| true)
    }
}

/// A change of a key's client Links ([`Operations::change_link`]).
#[derive(Debug, Clone)]
pub enum LinkChange {
    /// Add, Modify or Set of one Link.
    Put(AttributeChange<ObjectLink>),
    /// Delete of one Link, or of all when `None`.
    Delete(Option<ObjectLink>),
}

fn apply_link_change(links: &mut Vec<ObjectLink>, change: LinkChange) -> Result<(), ServerError> {
    let missing = ServerError::AttributeNotFound { attribute: "Link" };
    match change {
        LinkChange::Put(AttributeChange::Add(link)) => links.push(link),
        LinkChange::Put(AttributeChange::Modify(link)) => {
            let slot = links
                .iter_mut()
                .find(|l| l.link_type == link.link_type)
                .ok_or(missing)?;
            *slot = link;
        }
        LinkChange::Put(AttributeChange::Set(link)) => {
            links.retain(|l| l.link_type != link.link_type);
            links.push(link);
        }
        LinkChange::Put(AttributeChange::Delete) | LinkChange::Delete(None) => {
            if links.is_empty() {
                return Err(missing);
            }
            links.clear();
        }
        LinkChange::Delete(Some(link)) => {
            let before = links.len();
            links.retain(|l| *l != link);
            if links.len() == before {
                return Err(missing);
            }
        }
    }
    Ok(())
}

/// Applies `change` to `version`'s usage date `which` at `now`, as
/// [`Operations::change_usage_date`] describes.
fn set_usage_date(
    version: &mut KeyVersion,
    which: UsageDate,
    change: AttributeChange<Timestamp>,
    now: Timestamp,
) -> Result<(), ServerError> {
    let attribute = which.kmip_name();
    let read_only = |why| ServerError::AttributeReadOnly { attribute, why };
    if !matches!(version.state, KeyState::PreActive | KeyState::Active) {
        return Err(read_only("only a Pre-Active or Active object's changes"));
    }
    let slot = which.slot(version);
    let at = match (change, *slot) {
        (AttributeChange::Delete, _) => return Err(read_only("a client cannot delete it")),
        (AttributeChange::Add(_), Some(_)) => {
            return Err(ServerError::AttributeSingleValued { attribute });
        }
        (AttributeChange::Modify(_), None) => {
            return Err(ServerError::AttributeNotFound { attribute });
        }
        (AttributeChange::Modify(_) | AttributeChange::Set(_), Some(old)) if old <= now => {
            return Err(read_only("its date has come"));
        }
        (AttributeChange::Add(at) | AttributeChange::Modify(at) | AttributeChange::Set(at), _) => {
            at
        }
    };
    *slot = Some(at);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_names_carry_the_prefix() {
        assert!(is_custom_name("x-attribute1"));
        assert!(is_custom_name("y-server"));
        assert!(!is_custom_name("Name"));
        assert!(!is_custom_name("xattribute"));
    }

    fn version(state: KeyState) -> KeyVersion {
        KeyVersion::new(
            VersionId::from_uuid(uuid::Uuid::nil()),
            keyhold_core::KeyId::from_uuid(uuid::Uuid::nil()),
            keyhold_core::VersionNumber::FIRST,
            state,
            NOW,
        )
    }

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

    #[test]
    fn usage_dates_are_single_valued_and_fixed_once_come() {
        use AttributeChange as C;
        let stop = UsageDate::ProtectStop;
        let (past, later) = (NOW.plus_seconds(-1), NOW.plus_seconds(60));
        let mut v = version(KeyState::Active);
        let r = set_usage_date(&mut v, stop, C::Modify(later), NOW);
        assert!(matches!(r, Err(ServerError::AttributeNotFound { .. })));
        set_usage_date(&mut v, stop, C::Add(later), NOW).unwrap();
        assert_eq!(v.protect_stop_date, Some(later));
        let r = set_usage_date(&mut v, stop, C::Add(past), NOW);
        assert!(matches!(r, Err(ServerError::AttributeSingleValued { .. })));
        set_usage_date(&mut v, stop, C::Modify(past), NOW).unwrap();
        let r = set_usage_date(&mut v, stop, C::Set(later), NOW);
        assert!(
            matches!(r, Err(ServerError::AttributeReadOnly { .. })),
            "come"
        );
        let r = set_usage_date(&mut v, stop, C::Delete, NOW);
        assert!(matches!(r, Err(ServerError::AttributeReadOnly { .. })));
        assert_eq!(v.protect_stop_date, Some(past), "refusals change nothing");
        let mut done = version(KeyState::Deactivated);
        let r = set_usage_date(&mut done, UsageDate::ProcessStart, C::Set(later), NOW);
        assert!(matches!(r, Err(ServerError::AttributeReadOnly { .. })));
        assert_eq!(done.process_start_date, None);
    }
}
