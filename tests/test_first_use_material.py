"""A key's first material is made on its first cryptographic use, and kept only if that
request succeeds.

A failed request changes no state (the fuzz test's property, ``tests/test_fuzz_operations.py``).
The one change an operation makes before it can still fail is the key material a first
use generates: AWS's DryRun answer comes once every other check has passed (VERIFIED for
GenerateDataKeyPair, aws-recorded ``test_generate_data_key_pair_dry_run``; see
``operations/crypto_common.py``), and a wrong signature is only known once the key's
public half exists. Until 2026-11-27 such a request
left the new material on the key, visible in ``dump_state``; now the dispatcher takes it
back. Each case below is a first use through boto3 that fails, on a key with no material.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import error_of, state_of

from pytest_fakekms import FakeKMS

ECC_SIGN = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}
RSA_SIGN = {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}
RSA_ENCRYPT = {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}
HMAC = {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}
ECDH = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"}
#: A DER ECDSA signature (r = s = 1) no P-256 key made.
NOT_A_SIGNATURE = bytes.fromhex("3006020101020101")

CASES: list[tuple[str, dict[str, Any], str, dict[str, Any], str]] = [
    (
        "Encrypt DryRun",
        {},
        "encrypt",
        {"Plaintext": b"x", "DryRun": True},
        "DryRunOperationException",
    ),
    (
        "GenerateDataKey DryRun",
        {},
        "generate_data_key",
        {"KeySpec": "AES_256", "DryRun": True},
        "DryRunOperationException",
    ),
    (
        "Sign DryRun, ECC",
        ECC_SIGN,
        "sign",
        {"Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256", "DryRun": True},
        "DryRunOperationException",
    ),
    (
        "Sign DryRun, RSA",
        RSA_SIGN,
        "sign",
        {"Message": b"m", "SigningAlgorithm": "RSASSA_PSS_SHA_256", "DryRun": True},
        "DryRunOperationException",
    ),
    (
        "Verify, a signature the key never made",
        ECC_SIGN,
        "verify",
        {"Message": b"m", "Signature": NOT_A_SIGNATURE, "SigningAlgorithm": "ECDSA_SHA_256"},
        "KMSInvalidSignatureException",
    ),
    (
        "GenerateMac DryRun",
        HMAC,
        "generate_mac",
        {"Message": b"m", "MacAlgorithm": "HMAC_SHA_256", "DryRun": True},
        "DryRunOperationException",
    ),
    (
        "VerifyMac, a MAC the key never made",
        HMAC,
        "verify_mac",
        {"Message": b"m", "Mac": bytes(32), "MacAlgorithm": "HMAC_SHA_256"},
        "KMSInvalidMacException",
    ),
    (
        "Encrypt, a plaintext too long for RSA_2048 with OAEP SHA-256",
        RSA_ENCRYPT,
        "encrypt",
        {"Plaintext": bytes(300), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"},
        "ValidationException",
    ),
    (
        "Decrypt with an RSA key, a ciphertext it never made",
        RSA_ENCRYPT,
        "decrypt",
        {"CiphertextBlob": bytes(256), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"},
        "InvalidCiphertextException",
    ),
    (
        "DeriveSharedSecret, not a public key",
        ECDH,
        "derive_shared_secret",
        {"KeyAgreementAlgorithm": "ECDH", "PublicKey": b"not a key"},
        "ValidationException",
    ),
]


@pytest.mark.parametrize(
    ("create", "method", "extra", "code"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_failed_first_use_keeps_no_material(
    fake_kms: FakeKMS,
    kms: Any,
    create: dict[str, Any],
    method: str,
    extra: dict[str, Any],
    code: str,
) -> None:
    key_id = kms.create_key(**create)["KeyMetadata"]["KeyId"]
    before = state_of(fake_kms)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        getattr(kms, method)(KeyId=key_id, **extra)
    assert error_of(raised)[0] == code
    assert state_of(fake_kms) == before
    assert fake_kms._find(key_id).materials == ()


def test_the_key_works_after_a_failed_first_use(fake_kms: FakeKMS, kms: Any) -> None:
    """The material a later, successful use makes is kept, and is the key's from then on:
    its signature verifies, under the public key GetPublicKey gives."""
    key_id = kms.create_key(**ECC_SIGN)["KeyMetadata"]["KeyId"]
    with pytest.raises(kms.exceptions.KMSInvalidSignatureException):
        kms.verify(
            KeyId=key_id,
            Message=b"m",
            Signature=NOT_A_SIGNATURE,
            SigningAlgorithm="ECDSA_SHA_256",
        )
    signature = kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    assert len(fake_kms._find(key_id).materials) == 1
    public_key = kms.get_public_key(KeyId=key_id)["PublicKey"]
    assert kms.verify(
        KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm="ECDSA_SHA_256"
    )["SignatureValid"]
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    loaded = serialization.load_der_public_key(public_key)
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    loaded.verify(signature, b"m", ec.ECDSA(hashes.SHA256()))


def test_a_failed_request_leaves_existing_material_alone(fake_kms: FakeKMS, kms: Any) -> None:
    """Only material the failed request made is taken back: a key that had material keeps
    it, and ciphertexts made before still decrypt."""
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"kept")["CiphertextBlob"]
    before = state_of(fake_kms)
    with pytest.raises(kms.exceptions.DryRunOperationException):
        kms.encrypt(KeyId=key_id, Plaintext=b"x", DryRun=True)
    assert state_of(fake_kms) == before
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"


def test_a_failed_reencrypt_keeps_no_material_on_its_destination(
    fake_kms: FakeKMS, kms: Any
) -> None:
    """ReEncrypt resolves two keys: the destination's first use is taken back too."""
    source = kms.create_key()["KeyMetadata"]["KeyId"]
    destination = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=source, Plaintext=b"p")["CiphertextBlob"]
    before = state_of(fake_kms)
    with pytest.raises(kms.exceptions.DryRunOperationException):
        kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=destination, DryRun=True)
    assert state_of(fake_kms) == before
    assert fake_kms._find(destination).materials == ()


def test_a_failed_first_use_gives_its_rsa_key_back_to_the_pool(
    fake_kms: FakeKMS, kms: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RSA keys come from a pool made ahead of time (crypto/rsa_pool.py), one per key in a
    process. The key a failed first use made was never seen outside the fake, so it goes
    back: the next RSA_2048 key to need material gets it, and failures do not use the pool
    up (each would otherwise cost a generated key, 50-130 ms, once the pool is empty)."""
    from pytest_fakekms.crypto import rsa_pool

    monkeypatch.setattr(rsa_pool, "_returned", {})  # none given back by earlier tests
    failing = kms.create_key(**RSA_SIGN)["KeyMetadata"]["KeyId"]
    position = rsa_pool._next.get(2048, 0)
    for _ in range(3):
        with pytest.raises(kms.exceptions.DryRunOperationException):
            kms.sign(
                KeyId=failing, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256", DryRun=True
            )
    assert rsa_pool._next.get(2048, 0) == position + 1  # one pool key, taken and given back
    first = kms.create_key(**RSA_SIGN)["KeyMetadata"]["KeyId"]
    second = kms.create_key(**RSA_SIGN)["KeyMetadata"]["KeyId"]
    public = {kms.get_public_key(KeyId=key)["PublicKey"] for key in (first, second, failing)}
    assert len(public) == 3  # still no two keys share material
    assert rsa_pool._next.get(2048, 0) == position + 3


def test_imported_material_is_never_given_to_the_pool() -> None:
    """Only material the fake made goes back: a key given to the fake (imported, or read
    from a saved state) must never be handed out to another key."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from pytest_fakekms.crypto import rsa_pool
    from pytest_fakekms.crypto.material import Material, discard_unseen

    given = rsa.generate_private_key(65537, 2048)
    before = {bits: list(keys) for bits, keys in rsa_pool._returned.items()}
    discard_unseen(Material("RSA_2048", 1, "0" * 64, private_key=given, generated=False))
    assert {bits: list(keys) for bits, keys in rsa_pool._returned.items()} == before
