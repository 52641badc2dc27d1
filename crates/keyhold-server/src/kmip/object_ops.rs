//! The operations on managed objects — Create, Activate, Get Attributes,
//! Get Attribute List, Locate, Revoke (KMIP 1.4 sections 4.1, 4.9, 4.11, 4.12,
//! 4.19; KMIP 2.1 section 6.1) — each a call on the operations service.
//! A KMIP object is a key version; its Unique Identifier is the version id.

use keyhold_core::{Action, LifecycleEvent};
use keyhold_core::{DataObject, KeyName, Origin, RequestId, Timestamp, VersionId};
use keyhold_kmip::payload::{
    CreateRequest, CreateResponse, GetAttributeListResponse, GetAttributesRequest,
    GetAttributesResponse, IdentifierResponse, LocateRequest, LocateResponse, RevokeRequest,
};
use keyhold_kmip::{
    AttributeRef, Attributes, DateAttribute, ObjectType, ProtocolVersion, ResponsePayload, State,
    UniqueIdentifier, tags,
};

use super::errors::ItemFailure;
use super::{Dispatcher, attributes, certificates, locate, objects, server_attributes};

type Answer = Result<ResponsePayload, ItemFailure>;

impl Dispatcher {
    /// Create: a Pre-Active symmetric key; the new version becomes the ID
    /// placeholder.
    pub(super) async fn create(
        &self,
        req: &CreateRequest,
        request_id: RequestId,
        placeholder: &mut Option<VersionId>,
    ) -> Answer {
        let spec = objects::create_spec(req)?;
        let created = self.blocking(request_id, Action::KeyCreate, move |ops, caller| {
            ops.create_pre_active(caller, spec)
        });
        let version = created.await?;
        *placeholder = Some(version.id);
        self.activate_if_due(&req.attributes, version.id, request_id)
            .await?;
        Ok(ResponsePayload::Create(CreateResponse {
            object_type: ObjectType::SymmetricKey,
            unique_identifier: objects::version_uid(version.id),
            attributes: None,
        }))
    }

    /// Activates a new object whose attributes give an Activation Date now
    /// or past (KMIP 1.4 section 3.24), as its own audited Activate.
    pub(super) async fn activate_if_due(
        &self,
        attrs: &Attributes,
        id: VersionId,
        request_id: RequestId,
    ) -> Result<(), ItemFailure> {
        let Some(secs) = attrs.date(DateAttribute::Activation) else {
            return Ok(());
        };
        let at = Timestamp::from_unix_seconds(secs);
        let done = self.blocking(request_id, Action::KeyActivate, move |ops, caller| {
            ops.activate_if_due(caller, id, at)
        });
        done.await.map(drop)
    }

    /// Activate: the version's key, when it is the primary version.
    pub(super) async fn activate(
        &self,
        uid: Option<&UniqueIdentifier>,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let id = objects::version_id(uid, placeholder)?;
        let public = objects::is_public(uid);
        let done = self.blocking(request_id, Action::KeyActivate, move |ops, caller| {
            if public && ops.change_public_half(caller, id, LifecycleEvent::Activate)? {
                return Ok(());
            }
            ops.activate_version(caller, id)
        });
        done.await?;
        Ok(ResponsePayload::Activate(IdentifierResponse {
            unique_identifier: objects::echo(uid, id),
        }))
    }

    /// Revoke: that version, for the KMIP reason.
    pub(super) async fn revoke(
        &self,
        req: &RevokeRequest,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let id = objects::version_id(req.unique_identifier.as_ref(), placeholder)?;
        let revocation = objects::revocation(req)?;
        let public = objects::is_public(req.unique_identifier.as_ref());
        let done = self.blocking(request_id, Action::KeyRevoke, move |ops, caller| {
            let event = LifecycleEvent::Revoke(revocation.reason);
            if public && ops.change_public_half(caller, id, event)? {
                return Ok(());
            }
            ops.revoke_version(caller, id, revocation)
        });
        done.await?;
        Ok(ResponsePayload::Revoke(IdentifierResponse {
            unique_identifier: objects::echo(req.unique_identifier.as_ref(), id),
        }))
    }

    /// Get Attributes: those asked for, or all.
    pub(super) async fn get_attributes(
        &self,
        req: &GetAttributesRequest,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let uid = req.unique_identifier.as_ref();
        // The digest needs the material unsealed: only when it is asked for.
        let digest = AttributeRef::Standard(tags::DIGEST);
        let want_digest = req.references.is_empty() || req.references.contains(&digest);
        let (own, all) = self
            .attributes(version, uid, placeholder, request_id, want_digest)
            .await?;
        Ok(ResponsePayload::GetAttributes(GetAttributesResponse {
            unique_identifier: own,
            attributes: Some(attributes::select(all, &req.references)),
        }))
    }

    /// Get Attribute List: the names of the attributes the version has.
    pub(super) async fn get_attribute_list(
        &self,
        uid: Option<&UniqueIdentifier>,
        version: ProtocolVersion,
        placeholder: Option<VersionId>,
        request_id: RequestId,
    ) -> Answer {
        let (own, all) = self
            .attributes(version, uid, placeholder, request_id, false)
            .await?;
        let mut references = attributes::references(&all);
        // Every object whose material is kept has a Digest (not computed here).
        if !matches!(
            all.state(),
            Some(State::Destroyed | State::DestroyedCompromised)
        ) {
            references.push(AttributeRef::Standard(tags::DIGEST));
        }
        Ok(ResponsePayload::GetAttributeList(
            GetAttributeListResponse {
                unique_identifier: own,
                references,
            },
        ))
    }

    /// Locate: the objects matching every attribute given (all the
    /// caller's objects when none is), newest version first, within
    /// Offset Items and Maximum Items; the first becomes the ID placeholder.
    pub(super) async fn locate(
        &self,
        req: &LocateRequest,
        request_id: RequestId,
        placeholder: &mut Option<VersionId>,
    ) -> Answer {
        let filter = locate::Filter::of(req)?;
        // A name that is no valid key name names no key.
        let name = match filter.name().map(str::parse::<KeyName>) {
            Some(Err(_)) => return Ok(located(Vec::new())),
            Some(Ok(n)) => Some(n),
            None => None,
        };
        let found = self.blocking(request_id, Action::KeyList, move |ops, caller| {
            ops.locate_candidates(caller, name)
        });
        let all: Vec<UniqueIdentifier> = found
            .await?
            .iter()
            .flat_map(|(key, versions)| filter.matches(key, versions))
            .collect();
        let page = locate::page(all, req.offset_items, req.maximum_items);
        if let Some(first) = page.first() {
            *placeholder = Some(objects::version_id(Some(first), None)?);
        }
        Ok(located(page))
    }

    /// The object `uid` names (or the ID placeholder): its identifier and
    /// attributes (a key pair's Public Key object when `uid` names it),
    /// with those read from a certificate's DER; the Digest only when
    /// `want_digest`.
    async fn attributes(
        &self,
        version_of_message: ProtocolVersion,
        uid: Option<&UniqueIdentifier>,
        placeholder: Option<VersionId>,
        request_id: RequestId,
        want_digest: bool,
    ) -> Result<(UniqueIdentifier, Attributes), ItemFailure> {
        let id = objects::version_id(uid, placeholder)?;
        let public = objects::is_public(uid);
        let found = self.blocking(request_id, Action::KeyRead, move |ops, caller| {
            let (key, version) = match public {
                true => ops.key_by_version_id(caller, id)?,
                false => ops.secret_by_version_id(caller, id)?,
            };
            let digest = match want_digest {
                true => ops.version_digest(caller, &key, &version, public)?,
                false => None,
            };
            let der = ops.certificate_der(caller, &key, &version)?;
            Ok((key, version, digest, der))
        });
        let (key, version, digest, der) = found.await?;
        let mut all = attributes::of_version(&key, &version, public);
        if let (Some(DataObject::Certificate { certificate_type }), Some(der)) =
            (&key.kmip.data, &der)
        {
            for kept in certificates::attributes(*certificate_type, der, version_of_message) {
                all.push(kept);
            }
        }
        if let Some(digest) = digest {
            let format = attributes::digest_format(&key, public);
            all.push(attributes::digest(digest, format));
        }
        if key.origin == Origin::Generated && version_of_message >= ProtocolVersion::new(1, 3) {
            all.push(attributes::random_number_generator());
        }
        for kept in server_attributes::of_version(&key, &version, public, version_of_message) {
            all.push(kept);
        }
        let own = all
            .unique_identifier()
            .cloned()
            .unwrap_or_else(|| objects::version_uid(id));
        Ok((own, all))
    }
}

/// A Locate answer.
fn located(ids: Vec<UniqueIdentifier>) -> ResponsePayload {
    ResponsePayload::Locate(LocateResponse {
        located_items: None,
        unique_identifiers: ids,
    })
}
