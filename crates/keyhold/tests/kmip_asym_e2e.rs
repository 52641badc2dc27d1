//! End to end over KMIP: RSA, ECDSA and Ed25519 keys the client registers
//! (KMIP 1.4 section 4.3), RSA-OAEP Encrypt/Decrypt and Signature Verify.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::kmip::{call_in, ok, refused, session, uid};
use keyhold_kmip::KeyFormatType;
use keyhold_kmip::ResultReason;
use keyhold_kmip::payload::ResponsePayload;

fn register(object: &str, format: &str, der: &[u8], usage: &str, name: &str) -> String {
    format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="{object}"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="{usage}"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Activation Date"/>
          <AttributeValue type="DateTime" value="2020-01-01T00:00:00+00:00"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Name"/><AttributeValue>
          <NameValue type="TextString" value="{name}"/>
          <NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue></Attribute>
        </TemplateAttribute><{object}><KeyBlock>
        <KeyFormatType type="Enumeration" value="{format}"/>
        <KeyValue><KeyMaterial type="ByteString" value="{}"/></KeyValue>
        </KeyBlock></{object}></RequestPayload>"#,
        hex::encode(der)
    )
}

/// Get of `id`, in `format` when one is named.
fn get(id: &str, format: &str) -> String {
    let format = if format.is_empty() {
        String::new()
    } else {
        format!(r#"<KeyFormatType type="Enumeration" value="{format}"/>"#)
    };
    format!(
        r#"<Operation type="Enumeration" value="Get"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/>{format}</RequestPayload>"#
    )
}

/// The format and bytes of a Get answer's public key.
fn got(payload: &ResponsePayload) -> (KeyFormatType, Vec<u8>) {
    let ResponsePayload::Get(g) = payload else {
        panic!("{payload:?}");
    };
    let keyhold_kmip::ManagedObject::PublicKey(block) = &g.object else {
        panic!("{g:?}");
    };
    let Some(keyhold_kmip::KeyValue::Plain {
        material: keyhold_kmip::KeyMaterial::Bytes(b),
        ..
    }) = &block.key_value
    else {
        panic!("{block:?}");
    };
    (block.key_format_type, b.expose().to_vec())
}

fn oaep(op: &str, id: &str, data: &[u8]) -> String {
    format!(
        r#"<Operation type="Enumeration" value="{op}"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/><CryptographicParameters>
        <PaddingMethod type="Enumeration" value="OAEP"/>
        <HashingAlgorithm type="Enumeration" value="SHA_256"/>
        <MaskGenerator type="Enumeration" value="MGF1"/>
        <MaskGeneratorHashingAlgorithm type="Enumeration" value="SHA_256"/>
        </CryptographicParameters>
        <Data type="ByteString" value="{}"/></RequestPayload>"#,
        hex::encode(data)
    )
}

fn data_of(payload: &ResponsePayload) -> Vec<u8> {
    match payload {
        ResponsePayload::Encrypt(r) => r.data.clone().unwrap(),
        ResponsePayload::Decrypt(r) => r.data.as_ref().unwrap().expose().to_vec(),
        other => panic!("{other:?}"),
    }
}

/// Registers an RSA pair's halves (PKCS#8 and SubjectPublicKeyInfo),
/// encrypts to the public key with OAEP and decrypts with the private key;
/// garbage and a public key sent as a private key are refused; an Ed25519
/// public key registered alone verifies a signature made here.
#[tokio::test]
async fn registered_rsa_oaep_round_trip_and_public_key_verify() {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::KeyPair as _;
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
    let spki = pair.public_key().as_der().unwrap();
    let private = uid(&ok(
        &mut conn,
        &register(
            "PrivateKey",
            "PKCS_8",
            pkcs8.as_ref(),
            "Decrypt",
            "rsa-priv",
        ),
    )
    .await);
    let public = uid(&ok(
        &mut conn,
        &register("PublicKey", "X_509", spki.as_ref(), "Encrypt", "rsa-pub"),
    )
    .await);
    assert!(public.ends_with("/public"));
    let ct = data_of(&ok(&mut conn, &oaep("Encrypt", &public, b"a data key")).await);
    assert_eq!(ct.len(), 256);
    let back = data_of(&ok(&mut conn, &oaep("Decrypt", &private, &ct)).await);
    assert_eq!(back, b"a data key");
    // Garbage: one Cryptographic Failure.
    let reason = refused(&mut conn, &oaep("Decrypt", &private, &[7; 256])).await;
    assert_eq!(reason, Some(ResultReason::CryptographicFailure));
    // A public key is not a private key; nothing is stored.
    let wrong = register("PrivateKey", "PKCS_8", spki.as_ref(), "Decrypt", "wrong");
    assert_eq!(
        refused(&mut conn, &wrong).await,
        Some(ResultReason::InvalidField)
    );
    let again = register("PublicKey", "X_509", spki.as_ref(), "Encrypt", "wrong");
    uid(&ok(&mut conn, &again).await);
    // Get: X.509 by default in 1.x, PKCS#1 when asked for or by default in 2.x.
    let pkcs1 = pair.public_key().as_ref().to_vec();
    let (format, der) = got(&ok(&mut conn, &get(&public, "")).await);
    assert_eq!(
        (format, der.as_slice()),
        (KeyFormatType::X509, spki.as_ref())
    );
    let (format, der) = got(&ok(&mut conn, &get(&public, "PKCS_1")).await);
    assert_eq!((format, der), (KeyFormatType::PKCS1, pkcs1.clone()));
    let r = call_in(&mut conn, "2", "0", &get(&public, "")).await;
    let (format, der) = got(r.items[0].payload.as_ref().unwrap());
    assert_eq!((format, der), (KeyFormatType::PKCS1, pkcs1));
    let reason = refused(&mut conn, &get(&public, "PKCS_8")).await;
    assert_eq!(reason, Some(ResultReason::KeyFormatTypeNotSupported));

    let rng = aws_lc_rs::rand::SystemRandom::new();
    let ed_pkcs8 = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let ed = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(ed_pkcs8.as_ref()).unwrap();
    let ed_spki = ed.public_key().as_der().unwrap();
    let signature = ed.sign(b"signed here");
    let id = uid(&ok(
        &mut conn,
        &register("PublicKey", "X_509", ed_spki.as_ref(), "Verify", "ed-pub"),
    )
    .await);
    let verify = |sig: &[u8]| {
        format!(
            r#"<Operation type="Enumeration" value="SignatureVerify"/><RequestPayload>
            <UniqueIdentifier type="TextString" value="{id}"/>
            <Data type="ByteString" value="{}"/>
            <SignatureData type="ByteString" value="{}"/></RequestPayload>"#,
            hex::encode(b"signed here"),
            hex::encode(sig)
        )
    };
    let valid = |p: &ResponsePayload| match p {
        ResponsePayload::SignatureVerify(r) => format!("{:?}", r.validity_indicator),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        valid(&ok(&mut conn, &verify(signature.as_ref())).await),
        "Some(Valid)"
    );
    let mut bad = signature.as_ref().to_vec();
    bad[0] ^= 1;
    assert_eq!(valid(&ok(&mut conn, &verify(&bad)).await), "Some(Invalid)");
    // PKCS#1 is RSA's format only.
    let reason = refused(&mut conn, &get(&id, "PKCS_1")).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
    // A public key alone has no Private Key object: its bare version id
    // is not found, for Get and for Get Attributes.
    let private = id.trim_end_matches("/public");
    assert_ne!(private, id);
    let reason = refused(&mut conn, &get(private, "")).await;
    assert_eq!(reason, Some(ResultReason::ItemNotFound));
    let attributes = format!(
        r#"<Operation type="Enumeration" value="GetAttributes"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{private}"/></RequestPayload>"#
    );
    let reason = refused(&mut conn, &attributes).await;
    assert_eq!(reason, Some(ResultReason::ItemNotFound));
    // A public key alone cannot sign.
    let sign = format!(
        r#"<Operation type="Enumeration" value="Sign"/><RequestPayload>
        <UniqueIdentifier type="TextString" value="{id}"/>
        <Data type="ByteString" value="00"/></RequestPayload>"#
    );
    assert!(refused(&mut conn, &sign).await.is_some());
}

/// The Key Block of a Get answer (either half).
fn block_of(payload: &ResponsePayload) -> keyhold_kmip::KeyBlock {
    let ResponsePayload::Get(g) = payload else {
        panic!("{payload:?}");
    };
    match &g.object {
        keyhold_kmip::ManagedObject::PrivateKey(b) | keyhold_kmip::ManagedObject::PublicKey(b) => {
            b.clone()
        }
        other => panic!("{other:?}"),
    }
}

fn material_of(block: &keyhold_kmip::KeyBlock) -> &keyhold_kmip::KeyMaterial {
    match &block.key_value {
        Some(keyhold_kmip::KeyValue::Plain { material, .. }) => material,
        other => panic!("{other:?}"),
    }
}

/// A private key leaves as PKCS#8, PKCS#1 (RSA; the 2.x default) or its
/// Transparent RSA / EC components, a public key as Transparent RSA / EC
/// too, each the same key as registered; a format that does not fit the
/// key is Invalid Field and one keyhold never returns Key Format Type Not
/// Supported.
#[tokio::test]
async fn key_pairs_leave_in_every_format_they_have() {
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
    use aws_lc_rs::signature::KeyPair as _;
    use keyhold_kmip::{KeyMaterial, TransparentKey};
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pkcs8 = AsDer::<Pkcs8V1Der>::as_der(&rsa).unwrap();
    let id = uid(&ok(
        &mut conn,
        &register(
            "PrivateKey",
            "PKCS_8",
            pkcs8.as_ref(),
            "Sign",
            "rsa-formats",
        ),
    )
    .await);
    let b = block_of(&ok(&mut conn, &get(&id, "")).await);
    assert_eq!(b.key_format_type, KeyFormatType::PKCS8, "the 1.x default");
    let b = block_of(&ok(&mut conn, &get(&id, "PKCS_1")).await);
    let KeyMaterial::Bytes(pkcs1) = material_of(&b) else {
        panic!("{b:?}");
    };
    let again = aws_lc_rs::rsa::KeyPair::from_der(pkcs1.expose()).unwrap();
    assert_eq!(again.public_key().as_ref(), rsa.public_key().as_ref());
    let r = call_in(&mut conn, "2", "1", &get(&id, "")).await;
    let b = block_of(r.items[0].payload.as_ref().unwrap());
    assert_eq!(b.key_format_type, KeyFormatType::PKCS1, "the 2.x default");
    let b = block_of(&ok(&mut conn, &get(&id, "TransparentRSAPrivateKey")).await);
    let KeyMaterial::Transparent(TransparentKey::RsaPrivate { modulus, p, .. }) = material_of(&b)
    else {
        panic!("{b:?}");
    };
    assert_eq!(modulus.expose().len(), 256);
    assert_eq!(p.as_ref().unwrap().expose().len(), 128);
    let public = format!("{id}/public");
    let b = block_of(&ok(&mut conn, &get(&public, "TransparentRSAPublicKey")).await);
    let KeyMaterial::Transparent(TransparentKey::RsaPublic {
        modulus: n,
        public_exponent,
    }) = material_of(&b)
    else {
        panic!("{b:?}");
    };
    assert_eq!(n.expose(), modulus.expose());
    assert_eq!(public_exponent.expose(), &[1, 0, 1]);
    for unfit in ["TransparentECPrivateKey", "TransparentDSAPrivateKey", "Raw"] {
        let reason = refused(&mut conn, &get(&id, unfit)).await;
        assert_eq!(reason, Some(ResultReason::InvalidField), "{unfit}");
    }
    let reason = refused(&mut conn, &get(&id, "TransparentDHPrivateKey")).await;
    assert_eq!(reason, Some(ResultReason::KeyFormatTypeNotSupported));

    let alg = &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
    let ec = aws_lc_rs::signature::EcdsaKeyPair::generate(alg).unwrap();
    let ec_pkcs8 = ec.to_pkcs8v1().unwrap();
    let ec_id = uid(&ok(
        &mut conn,
        &register(
            "PrivateKey",
            "PKCS_8",
            ec_pkcs8.as_ref(),
            "Sign",
            "ec-formats",
        ),
    )
    .await);
    let b = block_of(&ok(&mut conn, &get(&ec_id, "TransparentECPrivateKey")).await);
    let KeyMaterial::Transparent(TransparentKey::EcPrivate { d, .. }) = material_of(&b) else {
        panic!("{b:?}");
    };
    assert_eq!(d.expose().len(), 32);
    let ec_public = format!("{ec_id}/public");
    let b = block_of(&ok(&mut conn, &get(&ec_public, "TransparentECPublicKey")).await);
    let KeyMaterial::Transparent(TransparentKey::EcPublic { q, .. }) = material_of(&b) else {
        panic!("{b:?}");
    };
    assert_eq!(q.expose(), ec.public_key().as_ref());
    let reason = refused(&mut conn, &get(&ec_id, "PKCS_1")).await;
    assert_eq!(reason, Some(ResultReason::InvalidField));
}
