"""GenerateDataKey, GenerateDataKeyPair (and their WithoutPlaintext twins) and GenerateRandom
through real boto3 clients. Every data key decrypts to its plaintext with Decrypt.

Recorded AWS answers are cited by their aws-recorded snapshot entry names."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from conftest import REGION, error_of, recorded
from cryptography.hazmat.primitives import serialization
from cryptography_helpers import assert_wire_valid

CONTEXT = {"context-key": "context-value"}
PAIR_SPECS = [
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "ECC_NIST_EDWARDS25519",
    "RSA_2048",
]
DRY_RUN = "TestKMSGenerateKeys::test_generate_data_key_pair_dry_run"


def fails(kms: Any, call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(kms.exceptions.ClientError) as raised:
        call(**params)
    return error_of(raised)


@pytest.fixture
def unvalidated(fake_kms: Any) -> Any:
    """A client that leaves min/max checks to the server (botocore checks ``min`` itself)."""
    config = Config(parameter_validation=False, retries={"total_max_attempts": 1})
    return boto3.client(
        "kms",
        region_name=REGION,
        aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="secret",
        config=config,
    )


def arn(kms: Any, key_id: str) -> str:
    return str(kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"])


# --- GenerateDataKey -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "length"),
    [({"KeySpec": "AES_128"}, 16), ({"KeySpec": "AES_256"}, 32)]
    + [({"NumberOfBytes": n}, n) for n in (1, 64, 1024)],
)
def test_generate_data_key(
    kms: Any, fake_kms: Any, key_id: str, size: dict[str, Any], length: int
) -> None:
    """aws-recorded TestKMSGenerateKeys::test_generate_data_key: CiphertextBlob, Plaintext,
    KeyId (the key ARN); the ciphertext decrypts to the plaintext."""
    response = kms.generate_data_key(KeyId=key_id, **size)
    assert_wire_valid(fake_kms, "GenerateDataKey")
    assert set(response) - {"ResponseMetadata"} == {
        "CiphertextBlob",
        "Plaintext",
        "KeyId",
        "KeyMaterialId",
    }
    assert len(response["Plaintext"]) == length
    assert response["KeyId"] == arn(kms, key_id)
    current = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    assert response["KeyMaterialId"] == current
    decrypted = kms.decrypt(CiphertextBlob=response["CiphertextBlob"], KeyId=key_id)
    assert decrypted["Plaintext"] == response["Plaintext"]


def test_data_keys_are_random(kms: Any, key_id: str) -> None:
    keys = {kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")["Plaintext"] for _ in range(3)}
    assert len(keys) == 3


def test_generate_data_key_without_plaintext(kms: Any, fake_kms: Any, key_id: str) -> None:
    """aws-recorded test_generate_data_key_without_plaintext: no Plaintext member."""
    response = kms.generate_data_key_without_plaintext(
        KeyId=key_id, KeySpec="AES_256", EncryptionContext=CONTEXT
    )
    assert_wire_valid(fake_kms, "GenerateDataKeyWithoutPlaintext")
    assert "Plaintext" not in response
    assert response["KeyId"] == arn(kms, key_id)
    decrypted = kms.decrypt(CiphertextBlob=response["CiphertextBlob"], EncryptionContext=CONTEXT)
    assert len(decrypted["Plaintext"]) == 32


@pytest.mark.parametrize("operation", ["generate_data_key", "generate_data_key_without_plaintext"])
def test_data_key_is_bound_to_its_context(kms: Any, key_id: str, operation: str) -> None:
    """aws-recorded test_encryption_context_generate_data_key (and ..._without_plaintext)
    "decrypt-without-encryption-context"."""
    expected = recorded(
        "TestKMSGenerateKeys::test_encryption_context_generate_data_key",
        "decrypt-without-encryption-context",
    )["Error"]
    response = getattr(kms, operation)(KeyId=key_id, KeySpec="AES_256", EncryptionContext=CONTEXT)
    error = fails(kms, kms.decrypt, CiphertextBlob=response["CiphertextBlob"], KeyId=key_id)
    assert error == (expected["Code"], expected["Message"], 400)


@pytest.mark.parametrize("operation", ["generate_data_key", "generate_data_key_without_plaintext"])
def test_size_is_required_exactly_once(kms: Any, key_id: str, operation: str) -> None:
    """Neither: the text AWS gave for an empty GenerateRandom in 2019 (INFERRED,
    nsmithuk/local-kms#6); both: the fake's wording (the docs say "but not both")."""
    call = getattr(kms, operation)
    assert fails(kms, call, KeyId=key_id) == (
        "ValidationException",
        "Please specify either number of bytes or key spec.",
        400,
    )
    code, _, _ = fails(kms, call, KeyId=key_id, KeySpec="AES_256", NumberOfBytes=32)
    assert code == "ValidationException"


@pytest.mark.parametrize(("value", "bound"), [(0, "greater than or equal to 1"),
                                              (1025, "less than or equal to 1024")])  # fmt: skip
def test_number_of_bytes_range(unvalidated: Any, key_id: str, value: int, bound: str) -> None:
    """The model's range, in the format recorded for GenerateRandom
    (test_generate_random_invalid_number_of_bytes[0] and [1025])."""
    kms = unvalidated
    message = fails(kms, kms.generate_data_key, KeyId=key_id, NumberOfBytes=value)[1]
    assert message == (
        f"1 validation error detected: Value '{value}' at 'numberOfBytes' failed to satisfy "
        f"constraint: Member must have value {bound}"
    )


def test_data_keys_need_a_symmetric_key(kms: Any) -> None:
    """An RSA key gets Encrypt's real-AWS answer for the default algorithm (INFERRED);
    a signing key gets the recorded key-usage error form."""
    rsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    assert fails(kms, kms.generate_data_key, KeyId=rsa_key["KeyId"], KeySpec="AES_256") == (
        "InvalidKeyUsageException",
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
        400,
    )
    signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    error = fails(kms, kms.generate_data_key_pair, KeyId=signing["KeyId"], KeyPairSpec="RSA_2048")
    assert error[:2] == (
        "InvalidKeyUsageException",
        f"{signing['Arn']} key usage is SIGN_VERIFY which is not valid for GenerateDataKeyPair.",
    )


def test_generate_data_key_dry_run(kms: Any, key_id: str) -> None:
    """The recorded DryRun text (INFERRED for GenerateDataKey)."""
    expected = recorded(DRY_RUN, "dryrun_exception")["Error"]
    error = fails(kms, kms.generate_data_key, KeyId=key_id, KeySpec="AES_256", DryRun=True)
    assert error == (expected["Code"], expected["Message"], 400)


# --- GenerateDataKeyPair --------------------------------------------------------------------


@pytest.mark.parametrize("spec", PAIR_SPECS)
def test_generate_data_key_pair(kms: Any, fake_kms: Any, key_id: str, spec: str) -> None:
    """aws-recorded test_generate_data_key_pair: PrivateKeyCiphertextBlob decrypts to
    PrivateKeyPlaintext (DER PKCS#8), whose public half is PublicKey (DER SPKI)."""
    response = kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec=spec)
    assert_wire_valid(fake_kms, "GenerateDataKeyPair")
    assert (response["KeyId"], response["KeyPairSpec"]) == (arn(kms, key_id), spec)
    private: Any = serialization.load_der_private_key(response["PrivateKeyPlaintext"], None)
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public == response["PublicKey"]
    decrypted = kms.decrypt(CiphertextBlob=response["PrivateKeyCiphertextBlob"], KeyId=key_id)
    assert decrypted["Plaintext"] == response["PrivateKeyPlaintext"]


def test_generate_data_key_pair_without_plaintext(kms: Any, fake_kms: Any, key_id: str) -> None:
    """aws-recorded test_generate_data_key_pair_without_plaintext: no PrivateKeyPlaintext."""
    response = kms.generate_data_key_pair_without_plaintext(
        KeyId=key_id, KeyPairSpec="ECC_NIST_P256", EncryptionContext=CONTEXT
    )
    assert_wire_valid(fake_kms, "GenerateDataKeyPairWithoutPlaintext")
    assert "PrivateKeyPlaintext" not in response
    private_der = kms.decrypt(
        CiphertextBlob=response["PrivateKeyCiphertextBlob"], EncryptionContext=CONTEXT
    )["Plaintext"]
    private: Any = serialization.load_der_private_key(private_der, None)
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public == response["PublicKey"]


@pytest.mark.parametrize(
    "operation", ["generate_data_key_pair", "generate_data_key_pair_without_plaintext"]
)
def test_data_key_pair_is_bound_to_its_context(kms: Any, key_id: str, operation: str) -> None:
    """aws-recorded test_encryption_context_generate_data_key_pair (and ..._without_plaintext)
    "decrypt-without-encryption-context"."""
    expected = recorded(
        "TestKMSGenerateKeys::test_encryption_context_generate_data_key_pair",
        "decrypt-without-encryption-context",
    )["Error"]
    response = getattr(kms, operation)(
        KeyId=key_id, KeyPairSpec="ECC_NIST_P256", EncryptionContext=CONTEXT
    )
    blob = response["PrivateKeyCiphertextBlob"]
    assert fails(kms, kms.decrypt, CiphertextBlob=blob, KeyId=key_id)[:2] == (
        expected["Code"],
        expected["Message"],
    )


@pytest.mark.parametrize(
    ("operation", "case"),
    [
        ("generate_data_key_pair", DRY_RUN),
        (
            "generate_data_key_pair_without_plaintext",
            "TestKMSGenerateKeys::test_generate_data_key_pair_without_plaintext_dry_run",
        ),
    ],
)
def test_data_key_pair_dry_run(kms: Any, key_id: str, operation: str, case: str) -> None:
    """aws-recorded test_generate_data_key_pair_dry_run and ..._without_plaintext_dry_run."""
    expected = recorded(case, "dryrun_exception")["Error"]
    error = fails(kms, getattr(kms, operation), KeyId=key_id, KeyPairSpec="RSA_2048", DryRun=True)
    assert error == (expected["Code"], expected["Message"], 400)


def test_sm2_pairs_are_unsupported(kms: Any, key_id: str) -> None:
    """SM2 exists only in the AWS China Regions; the fake says so (declared error)."""
    code, message, _ = fails(kms, kms.generate_data_key_pair, KeyId=key_id, KeyPairSpec="SM2")
    assert code == "UnsupportedOperationException"
    assert "SM2" in message


# --- GenerateRandom -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 12, 44, 91, 1024])
def test_generate_random(kms: Any, fake_kms: Any, size: int) -> None:
    """aws-recorded test_generate_random[<size>] "result_length"; not key-scoped."""
    response = kms.generate_random(NumberOfBytes=size)
    assert_wire_valid(fake_kms, "GenerateRandom")
    assert len(response["Plaintext"]) == size
    assert fake_kms.calls.last.key_id is None


@pytest.mark.parametrize("value", [None, 0, 1025])
def test_generate_random_invalid_number_of_bytes(unvalidated: Any, value: int | None) -> None:
    """aws-recorded test_generate_random_invalid_number_of_bytes[None], [0] and [1025]."""
    kms = unvalidated
    expected = recorded(
        f"TestKMS::test_generate_random_invalid_number_of_bytes[{value}]", "generate-random-exc"
    )["Error"]
    params = {} if value is None else {"NumberOfBytes": value}
    assert fails(kms, kms.generate_random, **params) == (
        expected["Code"],
        expected["Message"],
        400,
    )


def test_generate_random_in_a_custom_key_store(kms: Any) -> None:
    """The fake has no custom key stores: UnsupportedOperationException (declared)."""
    code, message, _ = fails(
        kms, kms.generate_random, NumberOfBytes=8, CustomKeyStoreId="cks-1234567890abcdef0"
    )
    assert code == "UnsupportedOperationException"
    assert "custom key store" in message
