"""Asymmetric keys, checked the way an outside party would: with the public key only.

RSA_3072 and RSA_4096 keys are generated once per module (about a second each).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from pytest_fakekms.crypto import _ed25519ph, asymmetric, material, private_keys
from pytest_fakekms.crypto.specs import SIGNING
from pytest_fakekms.errors import KMSError

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytest_fakekms.crypto.material import Material

_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "SHA_256": hashes.SHA256,
    "SHA_384": hashes.SHA384,
    "SHA_512": hashes.SHA512,
}
_HASHLIB = {"SHA_256": hashlib.sha256, "SHA_384": hashlib.sha384, "SHA_512": hashlib.sha512}


@pytest.fixture(scope="module")
def key_for() -> Callable[[str], Material]:
    """One material per key spec for the whole module (RSA generation is slow)."""
    cache: dict[str, Material] = {}

    def get(key_spec: str) -> Material:
        if key_spec not in cache:
            cache[key_spec] = material.new_material(key_spec)
        return cache[key_spec]

    return get


def _kms_error(info: pytest.ExceptionInfo[KMSError]) -> tuple[str, str | None]:
    return info.value.code, info.value.message


# --- what an outside party does with the public key ------------------------------------


def _suffix(algorithm: str) -> str:
    return algorithm[-7:]


def _third_party_verify(
    public_der: bytes, algorithm: str, message_type: str, message: bytes, signature: bytes
) -> None:
    """Raise InvalidSignature unless an independent verifier accepts the signature."""
    public = serialization.load_der_public_key(public_der)
    if isinstance(public, ed25519.Ed25519PublicKey):
        if algorithm == "ED25519_PH_SHA_512":  # reference checked against RFC 8032
            if not _ed25519ph.verify(public.public_bytes_raw(), message, signature):
                raise InvalidSignature
        else:
            public.verify(signature, message)
        return
    if algorithm == "ML_DSA_SHAKE_256":
        public.verify(signature, message)  # type: ignore[call-arg,union-attr]
        return
    hash_algorithm = _HASHES[_suffix(algorithm)]()
    chosen = Prehashed(hash_algorithm) if message_type == "DIGEST" else hash_algorithm
    if isinstance(public, ec.EllipticCurvePublicKey):
        decode_dss_signature(signature)  # DER-encoded, as AWS documents
        public.verify(signature, message, ec.ECDSA(chosen))
        return
    assert isinstance(public, rsa.RSAPublicKey)
    pad: padding.AsymmetricPadding = (
        padding.PKCS1v15()
        if "PKCS1" in algorithm
        else padding.PSS(padding.MGF1(hash_algorithm), salt_length=hash_algorithm.digest_size)
    )
    public.verify(signature, message, pad, chosen)


def _digest(algorithm: str, message: bytes) -> bytes:
    return _HASHLIB[_suffix(algorithm)](message).digest()


# --- signing ------------------------------------------------------------------------------

_FAST_SPECS = [spec for spec in SIGNING if spec not in {"RSA_3072", "RSA_4096", "SM2"}]
SIGN_CASES = [(spec, alg) for spec in _FAST_SPECS for alg in SIGNING[spec]] + [
    ("RSA_3072", "RSASSA_PSS_SHA_384"),
    ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_256"),
    ("RSA_4096", "RSASSA_PSS_SHA_512"),
]
DIGEST_CASES = [case for case in SIGN_CASES if case[1][-7:] in _HASHES and "ED25519" not in case[1]]
MESSAGE = b"test message !%$@ 1234567890"


@pytest.mark.parametrize(("key_spec", "algorithm"), SIGN_CASES)
def test_sign_raw_verifies_inside_and_outside(
    key_for: Callable[[str], Material], key_spec: str, algorithm: str
) -> None:
    key = key_for(key_spec)
    message_type, message = "RAW", MESSAGE
    if algorithm == "ED25519_PH_SHA_512":  # only takes DIGEST
        message_type, message = "DIGEST", hashlib.sha512(MESSAGE).digest()
    signature = asymmetric.sign(key, message, message_type, algorithm)
    assert asymmetric.verify(key, message, message_type, algorithm, signature)
    _third_party_verify(asymmetric.public_key_der(key), algorithm, message_type, message, signature)


@pytest.mark.parametrize(("key_spec", "algorithm"), DIGEST_CASES)
def test_digest_and_raw_are_the_same_message(
    key_for: Callable[[str], Material], key_spec: str, algorithm: str
) -> None:
    # Verify docs: "A message and its hash digest are considered to be the same message."
    key = key_for(key_spec)
    digest = _digest(algorithm, MESSAGE)
    from_digest = asymmetric.sign(key, digest, "DIGEST", algorithm)
    from_raw = asymmetric.sign(key, MESSAGE, "RAW", algorithm)
    assert asymmetric.verify(key, MESSAGE, "RAW", algorithm, from_digest)
    assert asymmetric.verify(key, digest, "DIGEST", algorithm, from_raw)
    _third_party_verify(asymmetric.public_key_der(key), algorithm, "RAW", MESSAGE, from_digest)
    # A digest sent as RAW is hashed again: a different message.
    assert not asymmetric.verify(key, digest, "RAW", algorithm, from_raw)


@pytest.mark.parametrize(("key_spec", "algorithm"), SIGN_CASES)
def test_bad_signatures_are_false(
    key_for: Callable[[str], Material], key_spec: str, algorithm: str
) -> None:
    key = key_for(key_spec)
    message_type = "DIGEST" if algorithm == "ED25519_PH_SHA_512" else "RAW"
    message = hashlib.sha512(MESSAGE).digest() if message_type == "DIGEST" else MESSAGE
    signature = asymmetric.sign(key, message, message_type, algorithm)
    other = message[:-1] + bytes([message[-1] ^ 1])
    assert not asymmetric.verify(key, other, message_type, algorithm, signature)
    flipped = signature[:-1] + bytes([signature[-1] ^ 1])
    assert not asymmetric.verify(key, message, message_type, algorithm, flipped)
    assert not asymmetric.verify(key, message, message_type, algorithm, b"\x00")


def test_pss_salt_is_the_digest_length(key_for: Callable[[str], Material]) -> None:
    # An outside verifier that insists on salt length = digest length accepts KMS's
    # signatures (LocalStack's aws-validated test_verify_salt_length); one that
    # insists on the maximum salt length (222 bytes here) does not.
    key = key_for("RSA_2048")
    signature = asymmetric.sign(key, MESSAGE, "RAW", "RSASSA_PSS_SHA_256")
    public = serialization.load_der_public_key(asymmetric.public_key_der(key))
    assert isinstance(public, rsa.RSAPublicKey)
    sha = hashes.SHA256()
    public.verify(signature, MESSAGE, padding.PSS(padding.MGF1(sha), 32), sha)
    max_salt = padding.PSS(padding.MGF1(sha), 256 - 32 - 2)
    with pytest.raises(InvalidSignature):
        public.verify(signature, MESSAGE, max_salt, sha)


def test_pkcs1_signatures_are_deterministic(key_for: Callable[[str], Material]) -> None:
    key = key_for("RSA_2048")
    digest = hashlib.sha384(MESSAGE).digest()
    first = asymmetric.sign(key, MESSAGE, "RAW", "RSASSA_PKCS1_V1_5_SHA_384")
    assert first == asymmetric.sign(key, digest, "DIGEST", "RSASSA_PKCS1_V1_5_SHA_384")


@pytest.mark.parametrize(("key_spec", "algorithm"), DIGEST_CASES)
@pytest.mark.parametrize("operation", ["sign", "verify"])
def test_digest_of_wrong_length(
    key_for: Callable[[str], Material], key_spec: str, algorithm: str, operation: str
) -> None:
    # Recorded: snapshot test_sign_verify[*] "bad-digest".
    key = key_for(key_spec)
    calls: dict[str, Callable[[], object]] = {
        "sign": lambda: asymmetric.sign(key, MESSAGE, "DIGEST", algorithm),
        "verify": lambda: asymmetric.verify(key, MESSAGE, "DIGEST", algorithm, b"sig"),
    }
    with pytest.raises(KMSError) as info:
        calls[operation]()
    expected = ("ValidationException", f"Digest is invalid length for algorithm {algorithm}.")
    assert _kms_error(info) == expected


@pytest.mark.parametrize(
    ("key_spec", "algorithm"),
    [
        ("ECC_NIST_P256", "ECDSA_SHA_384"),
        ("ECC_NIST_P521", "ECDSA_SHA_256"),
        ("ECC_SECG_P256K1", "ECDSA_SHA_512"),
        ("RSA_2048", "ECDSA_SHA_256"),
        ("ECC_NIST_P384", "RSASSA_PSS_SHA_384"),
        ("ECC_NIST_EDWARDS25519", "ECDSA_SHA_512"),
        ("ML_DSA_44", "ED25519_SHA_512"),
    ],
)
def test_incompatible_signing_algorithm(
    key_for: Callable[[str], Material], key_spec: str, algorithm: str
) -> None:
    with pytest.raises(KMSError) as info:
        asymmetric.sign(key_for(key_spec), MESSAGE, "RAW", algorithm)
    assert _kms_error(info) == (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {key_spec}.",
    )


@pytest.mark.parametrize(
    ("key_spec", "algorithm", "message_type", "text"),
    [
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "DIGEST", "algorithm ED25519_SHA_512."),
        ("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", "RAW", "algorithm ED25519_PH_SHA_512."),
        ("ML_DSA_44", "ML_DSA_SHAKE_256", "DIGEST", "key spec ML_DSA_44."),
        ("ECC_NIST_P256", "ECDSA_SHA_256", "EXTERNAL_MU", "key spec ECC_NIST_P256."),
    ],
)
def test_message_type_rules(
    key_for: Callable[[str], Material], key_spec: str, algorithm: str, message_type: str, text: str
) -> None:
    message = hashlib.sha512(MESSAGE).digest()
    with pytest.raises(KMSError) as info:
        asymmetric.sign(key_for(key_spec), message, message_type, algorithm)
    assert _kms_error(info) == (
        "ValidationException",
        f"Message type {message_type} is incompatible with {text}",
    )


def test_ed25519ph_digest_length(key_for: Callable[[str], Material]) -> None:
    with pytest.raises(KMSError) as info:
        asymmetric.sign(key_for("ECC_NIST_EDWARDS25519"), b"x" * 32, "DIGEST", "ED25519_PH_SHA_512")
    expected = ("ValidationException", "Digest is invalid length for algorithm ED25519_PH_SHA_512.")
    assert _kms_error(info) == expected


def test_external_mu_is_not_implemented(key_for: Callable[[str], Material]) -> None:
    with pytest.raises(KMSError) as info:
        asymmetric.sign(key_for("ML_DSA_65"), b"m" * 64, "EXTERNAL_MU", "ML_DSA_SHAKE_256")
    assert info.value.code == "UnsupportedOperationException"
    assert "EXTERNAL_MU" in (info.value.message or "")


def test_message_longer_than_4096_bytes(key_for: Callable[[str], Material]) -> None:
    with pytest.raises(KMSError) as info:
        asymmetric.sign(key_for("ECC_NIST_P256"), b"x" * 4097, "RAW", "ECDSA_SHA_256")
    assert _kms_error(info) == (
        "ValidationException",
        "1 validation error detected: Value at 'message' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096",
    )
    key = key_for("ECC_NIST_P256")
    signature = asymmetric.sign(key, b"x" * 4096, "RAW", "ECDSA_SHA_256")
    assert asymmetric.verify(key, b"x" * 4096, "RAW", "ECDSA_SHA_256", signature)


def test_unknown_message_type_is_a_caller_mistake(key_for: Callable[[str], Material]) -> None:
    with pytest.raises(ValueError, match="MessageType must be one of"):
        asymmetric.sign(key_for("ECC_NIST_P256"), MESSAGE, "HASHED", "ECDSA_SHA_256")


# --- public keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_spec", "length"),
    [
        ("ECC_NIST_P256", 91),
        ("ECC_NIST_P384", 120),
        ("ECC_NIST_P521", 158),
        ("ECC_SECG_P256K1", 88),
        ("RSA_2048", 294),
        ("ECC_NIST_EDWARDS25519", 44),
        ("ML_DSA_44", 1334),  # as measured on AWS, floci issue #3025
    ],
)
def test_public_key_is_der_spki(
    key_for: Callable[[str], Material], key_spec: str, length: int
) -> None:
    der = asymmetric.public_key_der(key_for(key_spec))
    assert len(der) == length
    assert serialization.load_der_public_key(der) is not None


def test_public_key_of_symmetric_material_is_a_caller_mistake() -> None:
    with pytest.raises(ValueError, match="not an asymmetric key"):
        asymmetric.public_key_der(material.new_material("SYMMETRIC_DEFAULT"))


# --- RSA encryption -----------------------------------------------------------------------

# AWS's limits, recorded: snapshot test_encrypt_validate_plaintext_size_per_key_type[*].
RSA_LIMITS = [
    ("RSA_2048", "RSAES_OAEP_SHA_1", 214),
    ("RSA_2048", "RSAES_OAEP_SHA_256", 190),
    ("RSA_3072", "RSAES_OAEP_SHA_1", 342),
    ("RSA_3072", "RSAES_OAEP_SHA_256", 318),
    ("RSA_4096", "RSAES_OAEP_SHA_1", 470),
    ("RSA_4096", "RSAES_OAEP_SHA_256", 446),
]


@pytest.mark.parametrize(("key_spec", "algorithm", "limit"), RSA_LIMITS)
def test_rsa_plaintext_limits(
    key_for: Callable[[str], Material], key_spec: str, algorithm: str, limit: int
) -> None:
    key = key_for(key_spec)
    assert asymmetric.max_plaintext_bytes(key_spec, algorithm) == limit
    ciphertext = asymmetric.encrypt(key, algorithm, b"\xab" * limit)
    assert len(ciphertext) == int(key_spec[4:]) // 8
    assert asymmetric.decrypt(key, algorithm, ciphertext) == b"\xab" * limit
    with pytest.raises(KMSError) as info:
        asymmetric.encrypt(key, algorithm, b"\xab" * (limit + 1))
    assert _kms_error(info) == (
        "ValidationException",
        f"Algorithm {algorithm} and key spec {key_spec} cannot encrypt data larger than "
        f"{limit} bytes.",
    )


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"])
def test_ciphertext_made_with_the_public_key_decrypts(
    key_for: Callable[[str], Material], algorithm: str
) -> None:
    # The envelope pattern: encrypt locally with GetPublicKey's key, Decrypt in KMS.
    key = key_for("RSA_2048")
    public = serialization.load_der_public_key(asymmetric.public_key_der(key))
    assert isinstance(public, rsa.RSAPublicKey)
    hash_algorithm = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    oaep = padding.OAEP(padding.MGF1(hash_algorithm), hash_algorithm, None)
    assert asymmetric.decrypt(key, algorithm, public.encrypt(b"hello", oaep)) == b"hello"


def test_wrong_algorithm_or_garbage_is_invalid_ciphertext(
    key_for: Callable[[str], Material],
) -> None:
    key = key_for("RSA_2048")
    ciphertext = asymmetric.encrypt(key, "RSAES_OAEP_SHA_256", b"hello")
    for algorithm, blob in [
        ("RSAES_OAEP_SHA_1", ciphertext),
        ("RSAES_OAEP_SHA_256", ciphertext[:-1]),
        ("RSAES_OAEP_SHA_256", b"\x00" * 256),
        ("RSAES_OAEP_SHA_256", b""),
    ]:
        with pytest.raises(KMSError) as info:
            asymmetric.decrypt(key, algorithm, blob)
        assert _kms_error(info) == ("InvalidCiphertextException", None)


def test_rsa_encryption_algorithm_must_fit(key_for: Callable[[str], Material]) -> None:
    with pytest.raises(KMSError) as info:
        asymmetric.encrypt(key_for("RSA_2048"), "SYMMETRIC_DEFAULT", b"hello")
    assert _kms_error(info) == (
        "InvalidKeyUsageException",
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
    )


def test_rsa_encryption_with_an_ec_key_is_a_caller_mistake(
    key_for: Callable[[str], Material],
) -> None:
    with pytest.raises(KMSError):  # ECC keys list no encryption algorithms at all
        asymmetric.encrypt(key_for("ECC_NIST_P256"), "RSAES_OAEP_SHA_1", b"hello")


# --- key agreement ------------------------------------------------------------------------


@pytest.mark.parametrize("key_spec", ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"])
def test_shared_secret_matches_the_peers(key_for: Callable[[str], Material], key_spec: str) -> None:
    key = key_for(key_spec)
    peer = ec.generate_private_key(private_keys.EC_CURVES[key_spec])
    peer_der = peer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ours = asymmetric.derive_shared_secret(key, peer_der)
    kms_public = serialization.load_der_public_key(asymmetric.public_key_der(key))
    assert isinstance(kms_public, ec.EllipticCurvePublicKey)
    assert ours == peer.exchange(ec.ECDH(), kms_public)


@pytest.mark.parametrize("bad_key", ["garbage", "other_curve", "rsa"])
def test_unusable_peer_key_is_validation_exception(
    key_for: Callable[[str], Material], bad_key: str
) -> None:
    # Recorded for garbage: snapshot test_derive_shared_secret "response-invalid-public-key".
    public_der = {
        "garbage": b"InvalidPublicKey",
        "other_curve": asymmetric.public_key_der(key_for("ECC_NIST_P384")),
        "rsa": asymmetric.public_key_der(key_for("RSA_2048")),
    }[bad_key]
    with pytest.raises(KMSError) as info:
        asymmetric.derive_shared_secret(key_for("ECC_NIST_P256"), public_der)
    assert _kms_error(info) == ("ValidationException", None)


def test_key_agreement_with_rsa_material_is_a_caller_mistake(
    key_for: Callable[[str], Material],
) -> None:
    with pytest.raises(ValueError, match="needs an ECC key"):
        asymmetric.derive_shared_secret(key_for("RSA_2048"), b"whatever")


# --- data key pairs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        "RSA_2048",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "ECC_NIST_EDWARDS25519",
    ],
)
def test_data_key_pair_halves_match(spec: str) -> None:
    private_der, public_der = asymmetric.generate_data_key_pair(spec)
    private = serialization.load_der_private_key(private_der, password=None)
    public = serialization.load_der_public_key(public_der)
    assert private_keys.key_spec_of(private) == spec
    to_spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert private.public_key().public_bytes(*to_spki) == public_der
    assert public.public_bytes(*to_spki) == public_der


def test_data_key_pairs_are_unique() -> None:
    assert asymmetric.generate_data_key_pair("ECC_NIST_P256") != (
        asymmetric.generate_data_key_pair("ECC_NIST_P256")
    )


def test_data_key_pair_sm2_and_unknown_specs() -> None:
    with pytest.raises(KMSError) as info:
        asymmetric.generate_data_key_pair("SM2")
    assert info.value.code == "UnsupportedOperationException"
    with pytest.raises(ValueError, match="not a DataKeyPairSpec"):
        asymmetric.generate_data_key_pair("ML_DSA_44")
