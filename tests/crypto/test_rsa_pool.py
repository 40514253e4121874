"""RSA keys made ahead of time (crypto/rsa_pool.py): valid, and never handed out twice.

AWS gives every KMS key its own key material, so the pool's one promise that a test
can see is that no two keys (KMS keys, data key pairs, wrapping keys) of one process
share an RSA key; the boto3 tests below check it the way a test suite would notice:
public keys, and signatures that verify only under the key that made them.
"""

from __future__ import annotations

import importlib.resources
from typing import Any

import boto3
import pytest
from conftest import REGION
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pytest_fakekms import FakeKMS
from pytest_fakekms.crypto import material, rsa_pool
from pytest_fakekms.crypto.wrapping import wrap_key_material


def _modulus(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> int:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_numbers().n


def test_the_pool_file_holds_its_layout_of_valid_rsa_keys() -> None:
    """Every entry is two distinct primes of half the key size, e = 65537, and its key
    signs correctly with the CRT (which a composite p or q would break). OpenSSL's full
    check, primality included, runs on the first key of each size: on 128 keys it took
    20 s, and the file holds keys that cryptography generated (scripts/make_rsa_pool.py)."""
    pool = rsa_pool._pool()
    assert [(bits, len(pool[bits])) for bits, _ in rsa_pool.POOL_LAYOUT] == list(
        rsa_pool.POOL_LAYOUT
    )
    moduli: set[int] = set()
    for bits, entries in pool.items():
        for index, (p, q) in enumerate(entries):
            assert p != q
            assert p.bit_length() == q.bit_length() == bits // 2
            key = rsa_pool._private_key(p, q)
            assert key.key_size == bits
            signature = key.sign(b"m", padding.PKCS1v15(), hashes.SHA256())
            key.public_key().verify(signature, b"m", padding.PKCS1v15(), hashes.SHA256())
            if index == 0:  # validated: raises ValueError for a bad key
                numbers = key.private_numbers()
                assert numbers.private_key().private_numbers() == numbers
            moduli.add(p * q)
    assert len(moduli) == sum(count for _, count in rsa_pool.POOL_LAYOUT)


def test_a_truncated_pool_file_is_refused() -> None:
    data = (
        importlib.resources.files("pytest_fakekms.crypto").joinpath(rsa_pool.POOL_FILE).read_bytes()
    )
    with pytest.raises(ValueError, match="layout"):
        rsa_pool.parse_pool(data[:-1])


@pytest.mark.parametrize("bits", [2048, 3072, 4096])
def test_keys_are_distinct_usable_and_of_the_size_asked(bits: int) -> None:
    keys = [rsa_pool.new_rsa_key(bits) for _ in range(4)]
    assert len({_modulus(key) for key in keys}) == 4
    for key in keys:
        assert key.key_size == bits
        assert key.private_numbers().public_numbers.e == 65537
        signature = key.sign(b"m", padding.PKCS1v15(), hashes.SHA256())
        key.public_key().verify(signature, b"m", padding.PKCS1v15(), hashes.SHA256())


def test_a_used_up_pool_generates_new_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    pooled = {p * q for p, q in rsa_pool._pool()[2048]}
    monkeypatch.setitem(rsa_pool._next, 2048, len(pooled))
    key = rsa_pool.new_rsa_key(2048)
    assert key.key_size == 2048
    assert _modulus(key) not in pooled


def test_a_key_given_to_the_fake_is_never_handed_out() -> None:
    """material_from_bytes (ImportKeyMaterial, a loaded state) claims the key: the pool
    skips it even when it is the very next entry."""
    position = rsa_pool._next.get(2048, 0)
    p, q = rsa_pool._pool()[2048][position]
    upcoming = rsa_pool._private_key(p, q)
    der = upcoming.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    material.material_from_bytes("RSA_2048", der)
    assert _modulus(rsa_pool.new_rsa_key(2048)) != p * q


def _public_modulus(kms: Any, key_id: str) -> int:
    der = kms.get_public_key(KeyId=key_id)["PublicKey"]
    public = serialization.load_der_public_key(der)
    assert isinstance(public, rsa.RSAPublicKey)
    return _modulus(public)


def test_two_rsa_keys_never_share_material(kms: Any) -> None:
    """A signature verifies under the key that made it and under no other key, as in AWS
    where every key has its own material; and their public keys differ."""
    first, second = (
        kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        for _ in range(2)
    )
    assert _public_modulus(kms, first) != _public_modulus(kms, second)
    signed = kms.sign(KeyId=first, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")
    params = {"Message": b"m", "Signature": signed["Signature"]}
    params["SigningAlgorithm"] = "RSASSA_PSS_SHA_256"
    assert kms.verify(KeyId=first, **params)["SignatureValid"] is True
    with pytest.raises(kms.exceptions.KMSInvalidSignatureException):
        kms.verify(KeyId=second, **params)


def test_fakes_one_after_another_in_a_process_give_new_keys() -> None:
    """The pool is per process, not per fake: the next test's fake gets other keys."""
    moduli = []
    for _ in range(2):
        with FakeKMS():
            kms = boto3.client("kms", region_name=REGION)
            key_id = kms.create_key(KeySpec="RSA_3072", KeyUsage="ENCRYPT_DECRYPT")
            moduli.append(_public_modulus(kms, key_id["KeyMetadata"]["KeyId"]))
    assert moduli[0] != moduli[1]


def test_an_imported_rsa_key_is_not_given_to_a_later_key(kms: Any) -> None:
    """ImportKeyMaterial of the key the pool would hand out next: the next new RSA key
    still gets material of its own."""
    external = kms.create_key(Origin="EXTERNAL", KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    external_id = external["KeyMetadata"]["KeyId"]
    wrapping = kms.get_parameters_for_import(  # its wrapping key comes from the pool too
        KeyId=external_id, WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    p, q = rsa_pool._pool()[2048][rsa_pool._next.get(2048, 0)]
    upcoming = rsa_pool._private_key(p, q)
    der = upcoming.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    kms.import_key_material(
        KeyId=external_id,
        ImportToken=wrapping["ImportToken"],
        EncryptedKeyMaterial=wrap_key_material(
            wrapping["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256", der
        ),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    assert _public_modulus(kms, external_id) == p * q
    later = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    assert _public_modulus(kms, later) != p * q
