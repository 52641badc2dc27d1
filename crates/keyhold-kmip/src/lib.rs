//! Typed KMIP messages: a decoded [`keyhold_ttlv::Ttlv`] tree in, a [`RequestMessage`] out;
//! a [`ResponseMessage`] in, a tree out — for every protocol version from KMIP 1.0 to 2.1.
//!
//! Version differences are mapped at the edge to one internal model: attributes parse from
//! the 1.x form (Template-Attribute with Attribute Name text, KMIP 1.4 section 2.1.8) and
//! the 2.x form (Attributes with attribute tags, KMIP 2.1 section 5.1) into [`Attributes`],
//! and are written back in the form of the message's [`ProtocolVersion`]. Batches carry the
//! header fields the server needs (Batch Error Continuation Option, Maximum Response Size,
//! Unique Batch Item IDs, KMIP 1.4 section 6, KMIP 2.1 section 9); Unique Identifiers may be
//! the 2.x ID placeholder ([`UniqueIdentifier::Enumerated`]).
//!
//! Each supported operation has a typed request and response payload ([`RequestPayload`],
//! [`ResponsePayload`]); any other operation, including unknown codes
//! ([`Operation::Unknown`]), keeps its payload as a tree (`Other`) so the server can answer
//! Operation Not Supported for that batch item. A payload that does not parse stays in its
//! batch item as a [`KmipError`] whose [`KmipError::reason`] is the Result Reason to answer.
//!
//! ```
//! use keyhold_kmip::{RequestMessage, RequestPayload, ProtocolVersion};
//! use keyhold_ttlv::xml;
//!
//! let tree = xml::to_ttlv(r#"<RequestMessage>
//!   <RequestHeader>
//!     <ProtocolVersion>
//!       <ProtocolVersionMajor type="Integer" value="1"/>
//!       <ProtocolVersionMinor type="Integer" value="4"/>
//!     </ProtocolVersion>
//!     <BatchCount type="Integer" value="1"/>
//!   </RequestHeader>
//!   <BatchItem>
//!     <Operation type="Enumeration" value="Create"/>
//!     <RequestPayload>
//!       <ObjectType type="Enumeration" value="SymmetricKey"/>
//!       <TemplateAttribute>
//!         <Attribute>
//!           <AttributeName type="TextString" value="Cryptographic Length"/>
//!           <AttributeValue type="Integer" value="256"/>
//!         </Attribute>
//!       </TemplateAttribute>
//!     </RequestPayload>
//!   </BatchItem>
//! </RequestMessage>"#)?;
//! let mut request = RequestMessage::from_ttlv(&tree)?;
//! let RequestPayload::Create(create) = request.items[0].typed_payload()? else {
//!     return Err("not a Create".into());
//! };
//! assert_eq!(create.attributes.cryptographic_length(), Some(256));
//!
//! // The same message in the KMIP 2.1 form: Attributes instead of Template-Attribute.
//! request.header.protocol_version = ProtocolVersion::V2_1;
//! let tree = request.to_ttlv()?;
//! assert!(xml::from_ttlv(&tree).contains("<CryptographicLength"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What this crate does not do: no I/O and no TTLV bytes (see `keyhold-ttlv`), no server
//! logic (which operations succeed, authentication, ID placeholder state, response size
//! enforcement), no cryptography. Key material moves into [`SecretBytes`], which zeroizes
//! on drop and never prints.

mod attribute;
mod attributes;
mod crypto_params;
mod enums;
#[rustfmt::skip]
mod enums_generated;
mod error;
mod fields;
mod identifier;
mod message;
mod objects;
pub mod payload;
mod scalar;
mod secret;
#[rustfmt::skip]
pub mod tags;
mod transparent;
mod version;
mod wrapping;

pub use attribute::{
    AlternativeName, ApplicationSpecificInformation, AttributeRef, AttributeValue, DateAttribute,
    Link, Name, attribute_tag, attribute_text_name,
};
pub use attributes::{Attribute, AttributeSet, Attributes};
pub use crypto_params::CryptographicParameters;
pub use enums_generated::*;
pub use error::{KmipError, Result};
pub use identifier::UniqueIdentifier;
pub use message::{
    Authentication, RequestBatchItem, RequestHeader, RequestMessage, ResponseBatchItem,
    ResponseHeader, ResponseMessage,
};
pub use objects::{KeyBlock, KeyMaterial, KeyValue, ManagedObject};
pub use payload::{RequestPayload, ResponsePayload};
pub use scalar::DateTime;
pub use secret::SecretBytes;
pub use transparent::{TransparentKey, TransparentValue};
pub use version::ProtocolVersion;
pub use wrapping::{KeyWrappingData, KeyWrappingSpecification, WrappingKeyInformation};
