"""Sign, Verify, GetPublicKey and DeriveSharedSecret through real boto3 clients.

Every signature is also checked the way an outside party would: with the
``cryptography`` package against the DER public key GetPublicKey returns.
Recorded AWS answers are cited by their aws-recorded snapshot entry names."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from conftest import error_of, recorded
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography_helpers import assert_wire_valid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms.crypto import asymmetric

RSA_ALGORITHMS = [
    f"RSASSA_{scheme}_SHA_{bits}" for scheme in ("PKCS1_V1_5", "PSS") for bits in (256, 384, 512)
]
SIGN_CASES = [
    *[("RSA_2048", alg, kind) for alg in RSA_ALGORITHMS for kind in ("RAW", "DIGEST")],
    ("RSA_3072", "RSASSA_PSS_SHA_384", "RAW"),
    ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512", "DIGEST"),
    *[
        (spec, alg, kind)
        for spec, alg in (
            ("ECC_NIST_P256", "ECDSA_SHA_256"),
            ("ECC_NIST_P384", "ECDSA_SHA_384"),
            ("ECC_NIST_P521", "ECDSA_SHA_512"),
            ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
        )
        for kind in ("RAW", "DIGEST")
    ],
    ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "RAW"),
    ("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", "DIGEST"),
    *[(spec, "ML_DSA_SHAKE_256", "RAW") for spec in ("ML_DSA_44", "ML_DSA_65", "ML_DSA_87")],
]
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
MESSAGE = b"test message 123 !%$@ 1234567890"


def fails(kms: Any, call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(kms.exceptions.ClientError) as raised:
        call(**params)
    return error_of(raised)


def message_for(algorithm: str, message_type: str) -> bytes:
    """MESSAGE itself (RAW) or its digest with the algorithm's hash (DIGEST)."""
    if message_type == "RAW":
        return MESSAGE
    return hashlib.new(f"sha{algorithm[-3:]}", MESSAGE).digest()


def verify_outside(der: bytes, algorithm: str, message_type: str, signature: bytes) -> None:
    """Verify as a third party would, with only the DER public key; raises if invalid."""
    public: Any = serialization.load_der_public_key(der)
    message = message_for(algorithm, message_type)
    if algorithm.startswith(("ED25519_SHA", "ML_DSA")):
        public.verify(signature, message)
        return
    digest = _HASHES[algorithm[-3:]]()
    chosen: Any = Prehashed(digest) if message_type == "DIGEST" else digest
    if algorithm.startswith("ECDSA"):
        public.verify(signature, message, ec.ECDSA(chosen))
    elif "PSS" in algorithm:
        pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
        public.verify(signature, message, pss, chosen)
    else:
        public.verify(signature, message, padding.PKCS1v15(), chosen)


@pytest.mark.parametrize(("spec", "algorithm", "message_type"), SIGN_CASES)
def test_sign_verifies_inside_and_outside_kms(
    kms: Any, fake_kms: Any, spec: str, algorithm: str, message_type: str
) -> None:
    """aws-recorded test_sign_verify[*] "signature"/"verification" shapes; PSS salt = digest
    length (test_verify_salt_length[*]); KeyId is the key ARN (test_import_key_ecc_keys)."""
    key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    request = {
        "KeyId": key["KeyId"],
        "Message": message_for(algorithm, message_type),
        "MessageType": message_type,
        "SigningAlgorithm": algorithm,
    }
    signed = kms.sign(**request)
    assert_wire_valid(fake_kms, "Sign")
    assert (signed["KeyId"], signed["SigningAlgorithm"]) == (key["Arn"], algorithm)
    verified = kms.verify(Signature=signed["Signature"], **request)
    assert_wire_valid(fake_kms, "Verify")
    assert (verified["KeyId"], verified["SignatureValid"]) == (key["Arn"], True)
    asymmetric._SIGNED.clear()  # forgotten: the cryptography checks it this time
    assert kms.verify(Signature=signed["Signature"], **request)["SignatureValid"] is True
    if algorithm != "ED25519_PH_SHA_512":  # cryptography has no Ed25519ph verifier
        der = kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
        verify_outside(der, algorithm, message_type, signed["Signature"])


def test_message_type_defaults_to_raw(kms: Any) -> None:
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signature = kms.sign(KeyId=key_id, Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_256")[
        "Signature"
    ]
    der = kms.get_public_key(KeyId=key_id)["PublicKey"]
    verify_outside(der, "ECDSA_SHA_256", "RAW", signature)


@pytest.mark.parametrize(
    ("spec", "algorithm"), [("RSA_2048", "RSASSA_PSS_SHA_256"), ("ECC_NIST_P256", "ECDSA_SHA_256")]
)
def test_bad_signature_and_bad_digest(kms: Any, spec: str, algorithm: str) -> None:
    """aws-recorded test_sign_verify[<spec>-<algorithm>] "bad-signature" (no message) and
    "bad-digest" (Sign and Verify alike)."""
    case = f"TestKMS::test_sign_verify[{spec}-{algorithm}]"
    key_id = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    request = {"KeyId": key_id, "SigningAlgorithm": algorithm}
    signature = kms.sign(Message=MESSAGE, **request)["Signature"]
    bad = recorded(case, "bad-signature")["Error"]
    for message, sig in ((b"another message", signature), (MESSAGE, signature[:-1] + b"\0")):
        error = fails(kms, kms.verify, Message=message, Signature=sig, **request)
        assert error == (bad["Code"], bad["Message"], 400)
    digest = recorded(case, "bad-digest")["Error"]
    short = {"Message": b"too short", "MessageType": "DIGEST", **request}
    assert fails(kms, kms.sign, **short)[:2] == (digest["Code"], digest["Message"])
    assert fails(kms, kms.verify, Signature=signature, **short)[:2] == (
        digest["Code"],
        digest["Message"],
    )


def test_a_signature_the_fake_made_is_verified_without_cryptography(
    kms: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verify of the last signature the fake made of a message, with the same key and
    algorithm, is answered from memory: whether a signature verifies depends on the
    public key and those alone (the cost: about 130 µs of ECDSA P-256 in a loop, a fifth
    of a Verify through boto3). Any other signature still goes to the cryptography."""
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    request = {"KeyId": key_id, "Message": MESSAGE, "SigningAlgorithm": "ECDSA_SHA_256"}
    first = kms.sign(**request)["Signature"]
    second = kms.sign(**request)["Signature"]
    checked: list[bytes] = []
    real_verify = asymmetric._verify

    def counting(public: Any, message: bytes, *args: Any) -> None:
        checked.append(args[-1])
        real_verify(public, message, *args)

    monkeypatch.setattr(asymmetric, "_verify", counting)
    assert kms.verify(Signature=second, **request)["SignatureValid"] is True
    assert checked == []
    assert kms.verify(Signature=first, **request)["SignatureValid"] is True
    assert checked == [first]
    with pytest.raises(kms.exceptions.KMSInvalidSignatureException):
        kms.verify(Signature=second, **{**request, "Message": b"another message"})


def test_a_signature_does_not_verify_under_another_key(kms: Any) -> None:
    """Two keys sign the same message: neither key accepts the other's signature (each
    key's signatures are remembered for that key's material only)."""
    request = {"Message": MESSAGE, "SigningAlgorithm": "ECDSA_SHA_256"}
    keys = [
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        for _ in range(2)
    ]
    signatures = [kms.sign(KeyId=key_id, **request)["Signature"] for key_id in keys]
    for key_id, signature in zip(keys, reversed(signatures), strict=True):
        with pytest.raises(kms.exceptions.KMSInvalidSignatureException):
            kms.verify(KeyId=key_id, Signature=signature, **request)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spec_and_algorithm=st.sampled_from(
        [("ECC_NIST_P256", "ECDSA_SHA_256"), ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512")]
    ),
    message=st.binary(min_size=1, max_size=256),
    position=st.integers(min_value=0),
    flip=st.integers(min_value=1, max_value=255),
)
def test_a_changed_signature_of_a_message_just_signed_is_invalid(
    kms: Any, spec_and_algorithm: tuple[str, str], message: bytes, position: int, flip: int
) -> None:
    """Any byte of a fresh signature changed: KMSInvalidSignatureException, although the
    fake remembers that very message as signed by that very key. (ECDSA from the nonce
    pool, and deterministic Ed25519; no RSA: each example makes a key, and RSA keys come
    from a pool of 512 per process that the suite should not use up.)"""
    spec, algorithm = spec_and_algorithm
    key_id = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    request = {"KeyId": key_id, "Message": message, "SigningAlgorithm": algorithm}
    signature = bytearray(kms.sign(**request)["Signature"])
    signature[position % len(signature)] ^= flip
    with pytest.raises(kms.exceptions.KMSInvalidSignatureException):
        kms.verify(Signature=bytes(signature), **request)


def test_wrong_key_usage(kms: Any) -> None:
    """aws-recorded test_error_messaging_for_invalid_keys "sign-invalid-key-id" (an HMAC key,
    with an RSA algorithm: usage is checked first) and "verify-invalid-key-id"."""
    hmac_key = kms.create_key(KeySpec="HMAC_224", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    symmetric = kms.create_key()["KeyMetadata"]
    case = "TestKMS::test_error_messaging_for_invalid_keys"
    sign = recorded(case, "sign-invalid-key-id")["Error"]
    error = fails(
        kms,
        kms.sign,
        KeyId=hmac_key["KeyId"],
        Message=MESSAGE,
        SigningAlgorithm="RSASSA_PSS_SHA_256",
    )
    assert error[:2] == (sign["Code"], sign["Message"].replace("<key-arn>", hmac_key["Arn"]))
    verify = recorded(case, "verify-invalid-key-id")["Error"]
    error = fails(
        kms,
        kms.verify,
        KeyId=symmetric["KeyId"],
        Message=MESSAGE,
        Signature=b"random text",
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert error[:2] == (verify["Code"], verify["Message"].replace("<key-arn>", symmetric["Arn"]))


def test_algorithm_of_another_key_spec(kms: Any) -> None:
    """Real-AWS text for Sign (crypto/specs.py: JackOfMostTrades/aws-kms-pkcs11#18)."""
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    error = fails(kms, kms.sign, KeyId=key_id, Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_384")
    assert error == (
        "InvalidKeyUsageException",
        "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.",
        400,
    )


def test_sign_and_verify_dry_run(kms: Any) -> None:
    """DryRunOperationException with the recorded text (INFERRED for Sign and Verify)."""
    expected = recorded(
        "TestKMSGenerateKeys::test_generate_data_key_pair_dry_run", "dryrun_exception"
    )
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    request = {"KeyId": key_id, "Message": MESSAGE, "SigningAlgorithm": "ECDSA_SHA_256"}
    error = fails(kms, kms.sign, DryRun=True, **request)
    assert error[:2] == ("DryRunOperationException", expected["Error"]["Message"])
    signature = kms.sign(**request)["Signature"]
    assert fails(kms, kms.verify, Signature=signature, DryRun=True, **request)[0] == (
        "DryRunOperationException"
    )


# --- GetPublicKey --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "usage", "member", "algorithms"),
    [
        ("RSA_2048", "ENCRYPT_DECRYPT", "EncryptionAlgorithms", ["RSAES_OAEP_SHA_1",
                                                                 "RSAES_OAEP_SHA_256"]),
        ("RSA_2048", "SIGN_VERIFY", "SigningAlgorithms", [
            "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
            "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"]),
        ("ECC_NIST_P384", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_384"]),
        ("ECC_NIST_P256", "KEY_AGREEMENT", "KeyAgreementAlgorithms", ["ECDH"]),
        ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY", "SigningAlgorithms", ["ED25519_SHA_512",
                                                                       "ED25519_PH_SHA_512"]),
    ],
)  # fmt: skip
def test_get_public_key(
    kms: Any, fake_kms: Any, spec: str, usage: str, member: str, algorithms: list[str]
) -> None:
    """KeyId (ARN), KeySpec, KeyUsage (LocalStack's aws-validated test_get_public_key), the
    deprecated CustomerMasterKeySpec (absent for specs its enum lacks, like Ed25519) and the
    usage's algorithm list (GetPublicKey docs)."""
    key = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    assert fake_kms._find(key["KeyId"]).materials == ()  # CreateKey generated nothing
    response = kms.get_public_key(KeyId=key["KeyId"])
    assert_wire_valid(fake_kms, "GetPublicKey")
    del response["ResponseMetadata"]
    public_key = response.pop("PublicKey")
    legacy = {} if spec == "ECC_NIST_EDWARDS25519" else {"CustomerMasterKeySpec": spec}
    assert response == {
        "KeyId": key["Arn"],
        "KeySpec": spec,
        "KeyUsage": usage,
        member: algorithms,
        **legacy,
    }
    assert key[member] == algorithms  # the same list DescribeKey gives
    serialization.load_der_public_key(public_key)
    assert kms.get_public_key(KeyId=key["KeyId"])["PublicKey"] == public_key


@pytest.mark.parametrize(
    ("spec", "usage"),
    [("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"), ("HMAC_256", "GENERATE_VERIFY_MAC")],
)
def test_get_public_key_of_a_key_without_one(kms: Any, spec: str, usage: str) -> None:
    """UnsupportedOperationException (declared); the wording is the fake's."""
    key = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    code, message, _ = fails(kms, kms.get_public_key, KeyId=key["KeyId"])
    assert code == "UnsupportedOperationException"
    assert message.startswith(key["Arn"])


# --- DeriveSharedSecret ---------------------------------------------------------------------


def test_derive_shared_secret(kms: Any, fake_kms: Any) -> None:
    """aws-recorded test_derive_shared_secret "response": both sides derive one secret; it
    is the raw ECDH secret an outside party derives too (..._matches_openssl)."""
    first, second = (
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
        for _ in range(2)
    )
    public = {
        k["KeyId"]: kms.get_public_key(KeyId=k["KeyId"])["PublicKey"] for k in (first, second)
    }
    one = kms.derive_shared_secret(
        KeyId=first["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=public[second["KeyId"]]
    )
    assert_wire_valid(fake_kms, "DeriveSharedSecret")
    assert (one["KeyId"], one["KeyAgreementAlgorithm"], one["KeyOrigin"]) == (
        first["Arn"],
        "ECDH",
        "AWS_KMS",
    )
    other = kms.derive_shared_secret(
        KeyId=second["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=public[first["KeyId"]]
    )
    assert one["SharedSecret"] == other["SharedSecret"]
    outsider = ec.generate_private_key(ec.SECP256R1())
    outsider_der = outsider.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kms_side = kms.derive_shared_secret(
        KeyId=first["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=outsider_der
    )["SharedSecret"]
    peer: Any = serialization.load_der_public_key(public[first["KeyId"]])
    assert kms_side == outsider.exchange(ec.ECDH(), peer)


def test_derive_shared_secret_errors(kms: Any) -> None:
    """aws-recorded test_derive_shared_secret "response-invalid-key-usage", "...-invalid-key"
    and "...-invalid-public-key" (ValidationException with no message)."""
    case = "TestKMS::test_derive_shared_secret"
    agreement = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    peer = kms.get_public_key(KeyId=agreement["KeyId"])["PublicKey"]
    signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    symmetric = kms.create_key()["KeyMetadata"]
    for key, entry in (
        (signing, "response-invalid-key-usage"),
        (symmetric, "response-invalid-key"),
    ):
        expected = recorded(case, entry)["Error"]
        error = fails(
            kms, kms.derive_shared_secret, KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH",
            PublicKey=peer,
        )  # fmt: skip
        assert error[:2] == (expected["Code"], expected["Message"].replace("<key-arn>", key["Arn"]))
    expected = recorded(case, "response-invalid-public-key")["Error"]
    error = fails(
        kms,
        kms.derive_shared_secret,
        KeyId=agreement["KeyId"],
        KeyAgreementAlgorithm="ECDH",
        PublicKey=b"InvalidPublicKey",
    )
    assert error == (expected["Code"], expected["Message"], 400)
