//! End to end over KMIP: the RSA Cryptographic Parameters of a client
//! (KMIP 1.4 section 3.6) beyond keyhold's fixed schemes: OAEP whose Mask
//! Generator Hashing Algorithm is not its Hashing Algorithm and whose P
//! Source is a label, kept with a registered key; PSS with a Salt Length,
//! an MGF1 hash of its own, and SHA-1 for verification only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{
    KeyPair as _, RSA_PSS_2048_8192_SHA256, RsaParameters, RsaPssSaltLength, UnparsedPublicKey,
};
use common::kmip::{ok, on, refused, session, uid};
use keyhold_kmip::ResultReason;
use keyhold_kmip::payload::ResponsePayload;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

type Conn = TlsStream<TcpStream>;

const LABEL: &str = "4b696c726f79207761732068657265"; // "Kilroy was here"

/// PSS with SHA-256 and the longest salt an RSA-2048 key holds.
const PSS_SHA256_SALT_222: RsaParameters =
    RSA_PSS_2048_8192_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(222));

/// Cryptographic Parameters of RSA: `padding` and `hash`, then `extra`.
fn params(padding: &str, hash: &str, extra: &str) -> String {
    format!(
        r#"<PaddingMethod type="Enumeration" value="{padding}"/>
        <HashingAlgorithm type="Enumeration" value="{hash}"/>
        <CryptographicAlgorithm type="Enumeration" value="RSA"/>{extra}"#
    )
}

fn mgf1(hash: &str) -> String {
    format!(
        r#"<MaskGenerator type="Enumeration" value="MGF1"/>
        <MaskGeneratorHashingAlgorithm type="Enumeration" value="{hash}"/>"#
    )
}

/// Registers a new RSA-2048 private key (PKCS#8) for `usage`, with the
/// Cryptographic Parameters `key_params` when not empty; its identifier
/// and the key.
async fn register(conn: &mut Conn, usage: &str, key_params: &str) -> (String, KeyPair) {
    let pair = KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pkcs8 = AsDer::<Pkcs8V1Der>::as_der(&pair).unwrap();
    let attribute = if key_params.is_empty() {
        String::new()
    } else {
        format!(
            r#"<Attribute><AttributeName type="TextString" value="Cryptographic Parameters"/>
            <AttributeValue>{key_params}</AttributeValue></Attribute>"#
        )
    };
    let item = format!(
        r#"<Operation type="Enumeration" value="Register"/><RequestPayload>
        <ObjectType type="Enumeration" value="PrivateKey"/><TemplateAttribute>
        <Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="{usage}"/></Attribute>
        <Attribute><AttributeName type="TextString" value="Activation Date"/>
          <AttributeValue type="DateTime" value="2020-01-01T00:00:00+00:00"/></Attribute>
        {attribute}</TemplateAttribute><PrivateKey><KeyBlock>
        <KeyFormatType type="Enumeration" value="PKCS_8"/>
        <KeyValue><KeyMaterial type="ByteString" value="{}"/></KeyValue>
        </KeyBlock></PrivateKey></RequestPayload>"#,
        hex::encode(pkcs8.as_ref())
    );
    (uid(&ok(conn, &item).await), pair)
}

/// Encrypt, Decrypt, Sign or Signature Verify of `id` over `data`, with
/// the Cryptographic Parameters `p` when not empty and `extra` after Data.
fn op(operation: &str, id: &str, p: &str, data: &[u8], extra: &str) -> String {
    let p = if p.is_empty() {
        String::new()
    } else {
        format!("<CryptographicParameters>{p}</CryptographicParameters>")
    };
    let data = format!(r#"<Data type="ByteString" value="{}"/>"#, hex::encode(data));
    on(operation, id, &format!("{p}{data}{extra}"))
}

fn data_of(payload: &ResponsePayload) -> Vec<u8> {
    match payload {
        ResponsePayload::Encrypt(r) => r.data.clone().unwrap(),
        ResponsePayload::Decrypt(r) => r.data.as_ref().unwrap().expose().to_vec(),
        ResponsePayload::Sign(r) => r.signature_data.clone().unwrap(),
        other => panic!("{other:?}"),
    }
}

/// A key registered with OAEP over SHA-384, MGF1 over SHA-256 and a label
/// (as the profiles' CS-AC-M-OAEP-9 and 10) encrypts and decrypts with
/// them when a request names nothing; a request that changes the label or
/// the MGF1 hash fails with the one Cryptographic Failure, whatever
/// differs.
#[tokio::test]
async fn oaep_with_its_own_mgf1_hash_and_label_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let label = format!(r#"<PSource type="ByteString" value="{LABEL}"/>"#);
    let key_params = params("OAEP", "SHA_384", &format!("{}{label}", mgf1("SHA_256")));
    let (id, _) = register(&mut conn, "Encrypt Decrypt", &key_params).await;
    let public = format!("{id}/public");
    let ct = data_of(&ok(&mut conn, &op("Encrypt", &public, "", b"a data key", "")).await);
    assert_eq!(ct.len(), 256);
    let back = data_of(&ok(&mut conn, &op("Decrypt", &id, "", &ct, "")).await);
    assert_eq!(back, b"a data key");
    // The request's fields win over the key's, one by one.
    let other_label = r#"<PSource type="ByteString" value="6f74686572"/>"#;
    let empty_label = r#"<PSource type="ByteString" value=""/>"#;
    for wrong in [other_label, empty_label, &mgf1("SHA_384")] {
        let reason = refused(&mut conn, &op("Decrypt", &id, wrong, &ct, "")).await;
        assert_eq!(reason, Some(ResultReason::CryptographicFailure), "{wrong}");
    }
    // Named in full by the request, on a key registered without any.
    let (bare, _) = register(&mut conn, "Encrypt Decrypt", "").await;
    let p = params("OAEP", "SHA_512", &format!("{}{label}", mgf1("SHA_1")));
    let public = format!("{bare}/public");
    let ct = data_of(&ok(&mut conn, &op("Encrypt", &public, &p, b"m", "")).await);
    let back = data_of(&ok(&mut conn, &op("Decrypt", &bare, &p, &ct, "")).await);
    assert_eq!(back, b"m");
    let paired = params("OAEP", "SHA_512", &mgf1("SHA_512"));
    let reason = refused(&mut conn, &op("Decrypt", &bare, &paired, &ct, "")).await;
    assert_eq!(reason, Some(ResultReason::CryptographicFailure));
}

fn validity(payload: &ResponsePayload) -> String {
    match payload {
        ResponsePayload::SignatureVerify(r) => format!("{:?}", r.validity_indicator.unwrap()),
        other => panic!("{other:?}"),
    }
}

/// PSS with a Salt Length signs with that salt (checked by aws-lc-rs), and
/// verifies with the salt named or any when none is; another MGF1 hash
/// round trips; SHA-1 verifies (Invalid here) but does not sign.
#[tokio::test]
async fn pss_with_a_clients_salt_length_and_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _pki, _token, mut conn) = session(dir.path()).await;
    let (id, pair) = register(&mut conn, "Sign Verify", "").await;
    let public = format!("{id}/public");
    let salt = |n: u32| format!(r#"<SaltLength type="Integer" value="{n}"/>"#);
    let longest = params("PSS", "SHA_256", &salt(222));
    let sig = data_of(&ok(&mut conn, &op("Sign", &id, &longest, b"message", "")).await);
    UnparsedPublicKey::new(&PSS_SHA256_SALT_222, pair.public_key().as_ref())
        .verify(b"message", &sig)
        .unwrap();
    let signature = format!(
        r#"<SignatureData type="ByteString" value="{}"/>"#,
        hex::encode(&sig)
    );
    let verify = |p: &str| op("SignatureVerify", &public, p, b"message", &signature);
    let outcomes = [
        (longest.clone(), "Valid"),
        (params("PSS", "SHA_256", ""), "Valid"),
        (String::new(), "Valid"),
        (params("PSS", "SHA_256", &salt(32)), "Invalid"),
        (params("PSS", "SHA_1", ""), "Invalid"),
    ];
    for (p, expected) in outcomes {
        assert_eq!(validity(&ok(&mut conn, &verify(&p)).await), expected, "{p}");
    }
    let own_mgf1 = params("PSS", "SHA_384", &mgf1("SHA_1"));
    let sig = data_of(&ok(&mut conn, &op("Sign", &id, &own_mgf1, b"m", "")).await);
    let signature = format!(
        r#"<SignatureData type="ByteString" value="{}"/>"#,
        hex::encode(&sig)
    );
    let checked = op("SignatureVerify", &public, &own_mgf1, b"m", &signature);
    assert_eq!(validity(&ok(&mut conn, &checked).await), "Valid");
    for refused_to_sign in [
        params("PSS", "SHA_1", ""),
        params("PSS", "SHA_256", &salt(223)),
    ] {
        let reason = refused(&mut conn, &op("Sign", &id, &refused_to_sign, b"m", "")).await;
        assert_eq!(
            reason,
            Some(ResultReason::InvalidField),
            "{refused_to_sign}"
        );
    }
}
