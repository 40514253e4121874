"""Key material: what each key spec generates, identifiers, loading known material."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pytest_fakekms.crypto import material, private_keys
from pytest_fakekms.errors import KMSError

_MATERIAL_ID = re.compile(r"[0-9a-f]{64}\Z")  # CurrentKeyMaterialId, kms-facts §7.1


@pytest.mark.parametrize(
    ("key_spec", "length"),
    [
        ("SYMMETRIC_DEFAULT", 32),
        ("HMAC_224", 28),
        ("HMAC_256", 32),
        ("HMAC_384", 48),
        ("HMAC_512", 64),
    ],
)
def test_secret_material_lengths(key_spec: str, length: int) -> None:
    generated = material.new_material(key_spec)
    assert len(generated.secret) == length
    assert generated.private_key is None
    assert generated.key_spec == key_spec


@pytest.mark.parametrize(
    ("key_spec", "key_type", "detail"),
    [
        ("RSA_2048", rsa.RSAPrivateKey, 2048),
        ("ECC_NIST_P256", ec.EllipticCurvePrivateKey, "secp256r1"),
        ("ECC_NIST_P384", ec.EllipticCurvePrivateKey, "secp384r1"),
        ("ECC_NIST_P521", ec.EllipticCurvePrivateKey, "secp521r1"),
        ("ECC_SECG_P256K1", ec.EllipticCurvePrivateKey, "secp256k1"),
        ("ECC_NIST_EDWARDS25519", ed25519.Ed25519PrivateKey, None),
    ],
)
def test_private_key_material(key_spec: str, key_type: type, detail: object) -> None:
    generated = material.new_material(key_spec)
    key = generated.private_key
    assert key is not None
    assert isinstance(key, key_type)
    assert generated.secret == b""
    if isinstance(key, rsa.RSAPrivateKey):
        assert key.key_size == detail
        assert key.private_numbers().public_numbers.e == 65537
    if isinstance(key, ec.EllipticCurvePrivateKey):
        assert key.curve.name == detail
    assert private_keys.key_spec_of(key) == key_spec


@pytest.mark.parametrize("key_spec", ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87"])
def test_ml_dsa_material(key_spec: str) -> None:
    generated = material.new_material(key_spec)
    assert generated.private_key is not None
    assert private_keys.key_spec_of(generated.private_key) == key_spec


def test_material_ids_are_awss_format_and_unique() -> None:
    ids = {material.new_material("SYMMETRIC_DEFAULT").material_id for _ in range(50)}
    assert len(ids) == 50
    assert all(_MATERIAL_ID.match(material_id) for material_id in ids)


def test_version_is_kept() -> None:
    assert material.new_material("HMAC_256").version == 1
    assert material.new_material("SYMMETRIC_DEFAULT", version=7).version == 7


def test_repr_hides_the_secret() -> None:
    generated = material.new_material("SYMMETRIC_DEFAULT")
    assert generated.secret.hex() not in repr(generated)
    assert repr(generated).startswith("Material('SYMMETRIC_DEFAULT', version=1, id=")


def test_sm2_is_not_generated() -> None:
    with pytest.raises(KMSError) as info:
        material.new_material("SM2")
    assert info.value.code == "UnsupportedOperationException"
    assert "China" in (info.value.message or "")


def test_unknown_spec_is_a_caller_mistake() -> None:
    with pytest.raises(ValueError, match="not an asymmetric KMS key spec"):
        material.new_material("AES_256")


def test_material_from_bytes_symmetric() -> None:
    loaded = material.material_from_bytes("SYMMETRIC_DEFAULT", b"k" * 32, version=3)
    assert (loaded.secret, loaded.version) == (b"k" * 32, 3)
    assert _MATERIAL_ID.match(loaded.material_id)
    with pytest.raises(ValueError, match="must be 32 bytes"):
        material.material_from_bytes("SYMMETRIC_DEFAULT", b"short")
    with pytest.raises(ValueError, match="must not be empty"):
        material.material_from_bytes("HMAC_256", b"")


def test_material_from_bytes_keeps_a_given_id() -> None:
    loaded = material.material_from_bytes("HMAC_224", b"\x0b" * 20, material_id="ab" * 32)
    assert loaded.material_id == "ab" * 32


def test_material_from_bytes_asymmetric() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    loaded = material.material_from_bytes("ECC_NIST_P384", der)
    assert isinstance(loaded.private_key, ec.EllipticCurvePrivateKey)
    assert loaded.private_key.private_numbers() == key.private_numbers()
    with pytest.raises(ValueError, match="is a ECC_NIST_P384 key, not ECC_NIST_P256"):
        material.material_from_bytes("ECC_NIST_P256", der)
    with pytest.raises(ValueError, match="not a DER PKCS#8 private key"):
        material.material_from_bytes("RSA_2048", b"garbage")


def test_key_spec_of_unknown_sizes() -> None:
    assert private_keys.key_spec_of(ec.generate_private_key(ec.SECP224R1())) is None


@pytest.mark.parametrize(
    ("key_spec", "family"), [("ML_DSA_44", "ML-DSA"), ("ML_KEM_768", "ML-KEM")]
)
def test_post_quantum_without_backend_support_says_so(
    monkeypatch: pytest.MonkeyPatch, key_spec: str, family: str
) -> None:
    monkeypatch.setattr(private_keys, "_post_quantum_class", lambda key_spec: None)
    with pytest.raises(KMSError) as info:
        material.new_material(key_spec)
    assert info.value.code == "UnsupportedOperationException"
    assert f"lacks {family}" in (info.value.message or "")


@pytest.mark.parametrize("key_spec", ["ECC_NIST_P256", "RSA_2048", "ECC_NIST_EDWARDS25519"])
def test_public_key_is_made_once(key_spec: str) -> None:
    """Verify and GetPublicKey read the public half on every call: it is the private key's
    own, kept on the material after the first read."""
    made = material.new_material(key_spec)
    assert made.private_key is not None
    expected = made.private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert made.public_key_der == expected
    assert made.public_key is made.public_key
    assert made.public_key_der is made.public_key_der
    assert (
        made.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == expected
    )
