"""Drives PyKMIP's ProxyKmipClient against a running keyhold KMIP listener.

Usage: interop.py HOST PORT CERT KEY CA VERSION     (VERSION: 1.0, 1.2, 1.4, 2.0)

Runs one client session through the operations keyhold serves and checks
each answer, including against values computed here (an HMAC from the key
Get returns, a registered key read back). Prints one line per step and exits
non-zero at the first failure. Called by crates/keyhold/tests/pykmip_e2e.rs.
"""

import hashlib
import hmac
import os
import sys
import uuid

from kmip.core import enums
from kmip.pie import objects
from kmip.pie.client import ProxyKmipClient

VERSIONS = {
    "1.0": enums.KMIPVersion.KMIP_1_0,
    "1.2": enums.KMIPVersion.KMIP_1_2,
    "1.4": enums.KMIPVersion.KMIP_1_4,
    "2.0": enums.KMIPVersion.KMIP_2_0,
}


def step(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (": " + str(detail) if detail else ""))
    if not ok:
        sys.exit(1)


def state_of(client, uid):
    _, attrs = client.get_attributes(uid, ["State"])
    return attrs[0].attribute_value.value


def symmetric(client, tag, tag_apart):
    masks = [enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT]
    name = "pykmip-aes-" + tag
    uid = client.create(enums.CryptographicAlgorithm.AES, 256, name=name,
                        cryptographic_usage_mask=masks)
    step("create AES-256", bool(uid), uid)
    step("pre-active after create", state_of(client, uid) == enums.State.PRE_ACTIVE)
    names = client.get_attribute_list(uid)
    step("get_attribute_list", "Name" in names and "State" in names, names)
    client.activate(uid)
    step("activate", state_of(client, uid) == enums.State.ACTIVE)
    found = client.locate(attributes=[
        objects_attribute(enums.AttributeType.NAME, name)])
    step("locate by name", found == [uid], found)
    key = client.get(uid)
    step("get symmetric key", len(key.value) == 32 and key.cryptographic_length == 256)
    data = b"pykmip says hello"
    params = {"cryptographic_algorithm": enums.CryptographicAlgorithm.AES,
              "block_cipher_mode": enums.BlockCipherMode.GCM}
    ciphertext, iv = client.encrypt(data, uid=uid, cryptographic_parameters=params)
    if tag_apart:
        # KMIP 1.4 and later send the tag in its own field, which PyKMIP's
        # client neither returns nor sends: it cannot decrypt AES-GCM.
        step("encrypt AES-GCM (tag apart)", len(ciphertext) == len(data) and len(iv) == 12)
    else:
        step("encrypt AES-GCM (tag ends Data)", len(ciphertext) == len(data) + 16)
        plain = client.decrypt(ciphertext, uid=uid, cryptographic_parameters=params,
                               iv_counter_nonce=iv)
        step("decrypt AES-GCM", plain == data)
    new_uid = client.rekey(uid=uid)
    step("rekey", new_uid and new_uid != uid, new_uid)
    step("old version deactivated", state_of(client, uid) == enums.State.DEACTIVATED)
    client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, new_uid)
    step("revoke", state_of(client, new_uid) == enums.State.DEACTIVATED)
    client.destroy(new_uid)
    step("destroy (scheduled)", True)


def objects_attribute(kind, value):
    from kmip.core.factories import attributes
    return attributes.AttributeFactory().create_attribute(kind, value)


def registered(client, tag):
    secret = os.urandom(32)
    key = objects.SymmetricKey(
        enums.CryptographicAlgorithm.AES, 256, secret,
        masks=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT],
        name="pykmip-registered-" + tag)
    uid = client.register(key)
    step("register AES-256", bool(uid), uid)
    step("registered key reads back", client.get(uid).value == secret)


def mac(client, tag):
    masks = [enums.CryptographicUsageMask.MAC_GENERATE, enums.CryptographicUsageMask.MAC_VERIFY]
    uid = client.create(enums.CryptographicAlgorithm.HMAC_SHA256, 256,
                        name="pykmip-hmac-" + tag, cryptographic_usage_mask=masks)
    client.activate(uid)
    data = b"pykmip mac data"
    _, tag_bytes = client.mac(data, uid=uid, algorithm=enums.CryptographicAlgorithm.HMAC_SHA256)
    key = client.get(uid).value
    expected = hmac.new(key, data, hashlib.sha256).digest()
    step("mac agrees with HMAC of the key Get returns", tag_bytes == expected)


def key_pair(client, tag, v2):
    public, private = client.create_key_pair(
        enums.CryptographicAlgorithm.RSA, 2048,
        public_name="pykmip-rsa-public-" + tag,
        public_usage_mask=[enums.CryptographicUsageMask.VERIFY],
        private_name="pykmip-rsa-" + tag,
        private_usage_mask=[enums.CryptographicUsageMask.SIGN])
    step("create_key_pair RSA-2048", public != private, (public, private))
    client.activate(private)
    # The halves are two objects, each with its own state (KMIP 2.1 section
    # 6.1.9): the public key is still Pre-Active, and verifies nothing yet.
    step("public key still pre-active", state_of(client, public) == enums.State.PRE_ACTIVE)
    client.activate(public)
    step("activate public key", state_of(client, public) == enums.State.ACTIVE)
    params = {"padding_method": enums.PaddingMethod.PSS,
              "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
              "cryptographic_algorithm": enums.CryptographicAlgorithm.RSA}
    data = b"pykmip signed data"
    signature = client.sign(data, uid=private, cryptographic_parameters=params)
    step("sign RSA-PSS", len(signature) == 256)
    valid = client.signature_verify(data, signature, uid=public, cryptographic_parameters=params)
    step("signature_verify", valid == enums.ValidityIndicator.VALID, valid)
    bad = client.signature_verify(data + b"!", signature, uid=public,
                                  cryptographic_parameters=params)
    step("signature_verify refuses other data", bad == enums.ValidityIndicator.INVALID, bad)
    public_key = client.get(public)
    # KMIP 2.x's default format of an RSA public key is PKCS#1 (KMIP 2.1 section
    # 4.26, Table 81); 1.x has no default and keyhold answers X.509 there.
    want = enums.KeyFormatType.PKCS_1 if v2 else enums.KeyFormatType.X_509
    step("get public key", public_key.key_format_type == want, public_key.key_format_type)


def main():
    host, port, cert, key, ca, version = sys.argv[1:7]
    client = ProxyKmipClient(hostname=host, port=int(port), cert=cert, key=key, ca=ca,
                             ssl_version="PROTOCOL_TLS", kmip_version=VERSIONS[version],
                             config_file=os.devnull)
    tag = version.replace(".", "") + "-" + uuid.uuid4().hex[:8]
    with client:
        symmetric(client, tag, version not in ("1.0", "1.2"))
        registered(client, tag)
        mac(client, tag)
        key_pair(client, tag, version.startswith("2"))
    print("all steps passed at KMIP " + version)


if __name__ == "__main__":
    main()
