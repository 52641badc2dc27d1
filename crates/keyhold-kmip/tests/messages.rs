//! Message-level behaviour: version mapping at the edge, unknown operations, per-item
//! errors, envelope errors, ID placeholders and secret redaction.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keyhold_kmip::{
    AttributeValue, BatchErrorContinuationOption, KmipError, ManagedObject, Operation,
    ProtocolVersion, RequestMessage, RequestPayload, ResponseBatchItem, ResponseHeader,
    ResponseMessage, ResultReason, ResultStatus, UniqueIdentifier, UniqueIdentifierEnum,
};
use keyhold_ttlv::xml;

fn request(version: (i32, i32), header_extra: &str, items: &[&str]) -> String {
    format!(
        r#"<RequestMessage><RequestHeader>
          <ProtocolVersion>
            <ProtocolVersionMajor type="Integer" value="{}"/>
            <ProtocolVersionMinor type="Integer" value="{}"/>
          </ProtocolVersion>{header_extra}
          <BatchCount type="Integer" value="{}"/>
        </RequestHeader>{}</RequestMessage>"#,
        version.0,
        version.1,
        items.len(),
        items.concat()
    )
}

fn parse(text: &str) -> Result<RequestMessage, KmipError> {
    RequestMessage::from_ttlv(&xml::to_ttlv(text).unwrap())
}

const CREATE_14: &str = r#"<BatchItem>
  <Operation type="Enumeration" value="Create"/>
  <RequestPayload>
    <ObjectType type="Enumeration" value="SymmetricKey"/>
    <TemplateAttribute>
      <Attribute>
        <AttributeName type="TextString" value="Cryptographic Length"/>
        <AttributeValue type="Integer" value="256"/>
      </Attribute>
    </TemplateAttribute>
  </RequestPayload>
</BatchItem>"#;

const CREATE_21: &str = r#"<BatchItem>
  <Operation type="Enumeration" value="Create"/>
  <RequestPayload>
    <ObjectType type="Enumeration" value="SymmetricKey"/>
    <Attributes>
      <CryptographicLength type="Integer" value="256"/>
    </Attributes>
  </RequestPayload>
</BatchItem>"#;

#[test]
fn a_1x_request_is_written_in_the_2x_form_and_back() {
    let mut msg = parse(&request((1, 4), "", &[CREATE_14])).unwrap();
    let Ok(RequestPayload::Create(create)) = &msg.items[0].payload else {
        panic!("not a typed Create")
    };
    assert_eq!(create.attributes.cryptographic_length(), Some(256));
    msg.header.protocol_version = ProtocolVersion::V2_1;
    let as_21 = msg.to_ttlv().unwrap();
    assert_eq!(
        as_21,
        xml::to_ttlv(&request((2, 1), "", &[CREATE_21])).unwrap()
    );
    let mut again = RequestMessage::from_ttlv(&as_21).unwrap();
    again.header.protocol_version = ProtocolVersion::V1_4;
    assert_eq!(
        again.to_ttlv().unwrap(),
        xml::to_ttlv(&request((1, 4), "", &[CREATE_14])).unwrap()
    );
}

#[test]
fn unknown_and_unmodelled_operations_answer_operation_not_supported() {
    let unknown = r#"<BatchItem>
      <Operation type="Enumeration" value="0x00000099"/>
      <UniqueBatchItemID type="ByteString" value="01"/>
      <RequestPayload><Data type="ByteString" value="00"/></RequestPayload>
    </BatchItem>"#;
    let lease = r#"<BatchItem>
      <Operation type="Enumeration" value="ObtainLease"/>
      <UniqueBatchItemID type="ByteString" value="02"/>
      <RequestPayload><Data type="ByteString" value="00"/></RequestPayload>
    </BatchItem>"#;
    let text = request((2, 1), "", &[unknown, lease]);
    let msg = parse(&text).unwrap();
    assert_eq!(msg.items[0].operation, Operation::Unknown(0x99));
    for item in &msg.items {
        let err = item.typed_payload().unwrap_err();
        assert_eq!(err.reason(), ResultReason::OperationNotSupported);
        let answer = ResponseBatchItem::failure(item, &err);
        assert_eq!(answer.result_status, ResultStatus::OperationFailed);
        assert_eq!(
            answer.result_reason,
            Some(ResultReason::OperationNotSupported)
        );
        assert_eq!(answer.unique_batch_item_id, item.unique_batch_item_id);
    }
    // The request still round-trips: unknown payloads are kept as sent.
    assert_eq!(msg.to_ttlv().unwrap(), xml::to_ttlv(&text).unwrap());
    assert!(!keyhold_kmip::payload::is_supported(Operation::ObtainLease));
    assert!(keyhold_kmip::payload::is_supported(Operation::Encrypt));
}

#[test]
fn a_bad_payload_fails_only_its_batch_item() {
    let good = r#"<BatchItem>
      <Operation type="Enumeration" value="Activate"/>
      <UniqueBatchItemID type="ByteString" value="01"/>
      <RequestPayload><UniqueIdentifier type="TextString" value="k1"/></RequestPayload>
    </BatchItem>"#;
    let wrong_type = r#"<BatchItem>
      <Operation type="Enumeration" value="RNGRetrieve"/>
      <UniqueBatchItemID type="ByteString" value="02"/>
      <RequestPayload><DataLength type="TextString" value="16"/></RequestPayload>
    </BatchItem>"#;
    let extra_field = r#"<BatchItem>
      <Operation type="Enumeration" value="Destroy"/>
      <UniqueBatchItemID type="ByteString" value="03"/>
      <RequestPayload>
        <UniqueIdentifier type="TextString" value="k1"/>
        <Data type="ByteString" value="00"/>
      </RequestPayload>
    </BatchItem>"#;
    let header = r#"<MaximumResponseSize type="Integer" value="2048"/>
      <BatchErrorContinuationOption type="Enumeration" value="Continue"/>"#;
    let msg = parse(&request((1, 4), header, &[good, wrong_type, extra_field])).unwrap();
    assert_eq!(msg.header.maximum_response_size, Some(2048));
    assert_eq!(
        msg.header.batch_error_continuation,
        Some(BatchErrorContinuationOption::Continue)
    );
    assert!(matches!(
        msg.items[0].typed_payload(),
        Ok(RequestPayload::Activate(_))
    ));
    let e = msg.items[1].typed_payload().unwrap_err();
    assert_eq!(e.reason(), ResultReason::InvalidMessage);
    assert_eq!(
        e.to_string(),
        "DataLength is a TextString, expected a Integer"
    );
    let e = msg.items[2].typed_payload().unwrap_err();
    assert_eq!(e.reason(), ResultReason::InvalidField);
    assert_eq!(
        e.to_string(),
        "RequestPayload holds the unexpected field Data"
    );
}

#[test]
fn envelope_errors_fail_the_message() {
    let one = r#"<BatchItem>
      <Operation type="Enumeration" value="Activate"/>
      <UniqueBatchItemID type="ByteString" value="01"/>
      <RequestPayload/>
    </BatchItem>"#;
    let text = request((2, 1), "", &[one, one]);
    assert_eq!(parse(&text).unwrap_err(), KmipError::DuplicateBatchItemId);

    let text = request((2, 1), "", &[one]).replace(r#"value="1"/>"#, r#"value="3"/>"#);
    assert_eq!(
        parse(&text).unwrap_err(),
        KmipError::BatchCount {
            declared: 3,
            actual: 1
        }
    );

    let no_header = r#"<RequestMessage><BatchItem/></RequestMessage>"#;
    assert!(matches!(parse(no_header), Err(KmipError::Missing { .. })));
    let no_op = request((2, 1), "", &["<BatchItem><RequestPayload/></BatchItem>"]);
    let err = parse(&no_op).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BatchItem lacks the required field Operation"
    );
    assert_eq!(err.reason(), ResultReason::InvalidMessage);

    let response = xml::to_ttlv(&request((2, 1), "", &[one])).unwrap();
    assert!(ResponseMessage::from_ttlv(&response).is_err());
}

#[test]
fn id_placeholders_are_kept() {
    let absent = r#"<BatchItem>
      <Operation type="Enumeration" value="Activate"/>
      <RequestPayload/>
    </BatchItem>"#;
    let enumerated = r#"<BatchItem>
      <Operation type="Enumeration" value="Activate"/>
      <RequestPayload>
        <UniqueIdentifier type="Enumeration" value="IDPlaceholder"/>
      </RequestPayload>
    </BatchItem>"#;
    let msg = parse(&request((2, 1), "", &[absent])).unwrap();
    let Ok(RequestPayload::Activate(a)) = &msg.items[0].payload else {
        panic!()
    };
    assert_eq!(a.unique_identifier, None);
    let msg = parse(&request((2, 1), "", &[enumerated])).unwrap();
    let Ok(RequestPayload::Activate(a)) = &msg.items[0].payload else {
        panic!()
    };
    assert_eq!(
        a.unique_identifier,
        Some(UniqueIdentifier::Enumerated(
            UniqueIdentifierEnum::IDPlaceholder
        ))
    );
}

#[test]
fn key_material_never_prints() {
    let register = r#"<BatchItem>
      <Operation type="Enumeration" value="Register"/>
      <RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/>
        <Attributes>
          <CryptographicUsageMask type="Integer" value="Encrypt"/>
        </Attributes>
        <SymmetricKey><KeyBlock>
          <KeyFormatType type="Enumeration" value="Raw"/>
          <KeyValue><KeyMaterial type="ByteString" value="A1B2C3D4E5F60718"/></KeyValue>
          <CryptographicAlgorithm type="Enumeration" value="AES"/>
          <CryptographicLength type="Integer" value="64"/>
        </KeyBlock></SymmetricKey>
      </RequestPayload>
    </BatchItem>"#;
    let msg = parse(&request((2, 1), "", &[register])).unwrap();
    let printed = format!("{msg:?}").to_lowercase();
    assert!(!printed.contains("a1b2"), "{printed}");
    assert!(printed.contains("secretbytes(<8 bytes>)"));
    let Ok(RequestPayload::Register(r)) = &msg.items[0].payload else {
        panic!()
    };
    assert!(matches!(r.object, ManagedObject::SymmetricKey(_)));
    assert_eq!(
        r.attributes.items[0].value,
        AttributeValue::CryptographicUsageMask(4)
    );
}

#[test]
fn a_response_is_built_and_written() {
    let msg = ResponseMessage {
        header: ResponseHeader {
            protocol_version: ProtocolVersion::V1_4,
            time_stamp: 1_700_000_000,
            nonce: None,
            server_hashed_password: None,
            attestation_types: Vec::new(),
            client_correlation_value: None,
            server_correlation_value: None,
            batch_count: 1,
        },
        items: vec![ResponseBatchItem {
            operation: Some(Operation::Get),
            unique_batch_item_id: None,
            result_status: ResultStatus::OperationFailed,
            result_reason: Some(ResultReason::ItemNotFound),
            result_message: Some("no such key".into()),
            asynchronous_correlation_value: None,
            payload: None,
            message_extension: None,
        }],
    };
    let tree = msg.to_ttlv().unwrap();
    let expected = r#"<ResponseMessage><ResponseHeader>
      <ProtocolVersion>
        <ProtocolVersionMajor type="Integer" value="1"/>
        <ProtocolVersionMinor type="Integer" value="4"/>
      </ProtocolVersion>
      <TimeStamp type="DateTime" value="2023-11-14T22:13:20+00:00"/>
      <BatchCount type="Integer" value="1"/>
    </ResponseHeader><BatchItem>
      <Operation type="Enumeration" value="Get"/>
      <ResultStatus type="Enumeration" value="OperationFailed"/>
      <ResultReason type="Enumeration" value="ItemNotFound"/>
      <ResultMessage type="TextString" value="no such key"/>
    </BatchItem></ResponseMessage>"#;
    assert_eq!(tree, xml::to_ttlv(expected).unwrap());
    let back = ResponseMessage::from_ttlv(&tree).unwrap();
    assert_eq!(
        back.items[0].result_reason,
        Some(ResultReason::ItemNotFound)
    );
}

#[test]
fn credentials_never_print() {
    let header = r#"<Authentication><Credential>
      <CredentialType type="Enumeration" value="UsernameAndPassword"/>
      <CredentialValue>
        <Username type="TextString" value="alice"/>
        <Password type="TextString" value="hunter2"/>
      </CredentialValue>
    </Credential></Authentication>"#;
    let activate = r#"<BatchItem>
      <Operation type="Enumeration" value="Activate"/>
      <RequestPayload/>
    </BatchItem>"#;
    let text = request((1, 4), header, &[activate]);
    let msg = parse(&text).unwrap();
    assert!(msg.header.authentication.is_some());
    assert!(!format!("{msg:?}").contains("hunter2"));
    assert_eq!(msg.to_ttlv().unwrap(), xml::to_ttlv(&text).unwrap());
}

#[test]
fn fields_of_2x_only_are_refused_in_1x() {
    let masked = r#"<BatchItem>
      <Operation type="Enumeration" value="Create"/>
      <RequestPayload>
        <ObjectType type="Enumeration" value="SymmetricKey"/>
        <Attributes/>
        <ProtectionStorageMasks>
          <ProtectionStorageMask type="Integer" value="Software"/>
        </ProtectionStorageMasks>
      </RequestPayload>
    </BatchItem>"#;
    let mut msg = parse(&request((2, 1), "", &[masked])).unwrap();
    assert!(msg.items[0].typed_payload().is_ok());
    msg.header.protocol_version = ProtocolVersion::V1_4;
    assert!(matches!(
        msg.to_ttlv(),
        Err(KmipError::NotInVersion {
            version: ProtocolVersion::V1_4,
            ..
        })
    ));
    let as_14 = request((1, 4), "", &[masked]).replace("Attributes", "TemplateAttribute");
    let err = parse(&as_14).unwrap().items[0].typed_payload().unwrap_err();
    assert_eq!(err.reason(), ResultReason::InvalidField);
}
