"""GenerateMac and VerifyMac through real boto3 clients, HMAC key spec by key spec.

Recorded AWS answers are cited by their aws-recorded snapshot entry names."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import error_of, recorded
from cryptography_helpers import assert_wire_valid

HMAC_CASES = [
    ("HMAC_224", "HMAC_SHA_224", 28),
    ("HMAC_256", "HMAC_SHA_256", 32),
    ("HMAC_384", "HMAC_SHA_384", 48),
    ("HMAC_512", "HMAC_SHA_512", 64),
]
MESSAGE = b"some important message"


def fails(kms: Any, call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(kms.exceptions.ClientError) as raised:
        call(**params)
    return error_of(raised)


def hmac_key(kms: Any, spec: str = "HMAC_256") -> dict[str, Any]:
    return dict(kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"])


@pytest.mark.parametrize(("spec", "algorithm", "length"), HMAC_CASES)
def test_generate_and_verify(
    kms: Any, fake_kms: Any, spec: str, algorithm: str, length: int
) -> None:
    """aws-recorded test_generate_and_verify_mac[<spec>-<algorithm>] "generate-mac" and
    "verify-mac": Mac, MacAlgorithm, KeyId / KeyId, MacValid true, MacAlgorithm."""
    key = hmac_key(kms, spec)
    generated = kms.generate_mac(KeyId=key["KeyId"], Message=MESSAGE, MacAlgorithm=algorithm)
    assert_wire_valid(fake_kms, "GenerateMac")
    assert len(generated["Mac"]) == length
    assert (generated["KeyId"], generated["MacAlgorithm"]) == (key["Arn"], algorithm)
    verified = kms.verify_mac(
        KeyId=key["KeyId"], Message=MESSAGE, MacAlgorithm=algorithm, Mac=generated["Mac"]
    )
    assert_wire_valid(fake_kms, "VerifyMac")
    assert (verified["KeyId"], verified["MacValid"], verified["MacAlgorithm"]) == (
        key["Arn"],
        True,
        algorithm,
    )


def test_mac_is_deterministic_per_key(kms: Any) -> None:
    """HMAC: the same key and message give the same tag; another key gives another."""
    first, second = hmac_key(kms), hmac_key(kms)
    request = {"Message": MESSAGE, "MacAlgorithm": "HMAC_SHA_256"}
    tag = kms.generate_mac(KeyId=first["KeyId"], **request)["Mac"]
    assert kms.generate_mac(KeyId=first["Arn"], **request)["Mac"] == tag
    assert kms.generate_mac(KeyId=second["KeyId"], **request)["Mac"] != tag


def test_wrong_mac_is_invalid(kms: Any) -> None:
    """aws-recorded test_invalid_verify_mac[HMAC_256-HMAC_SHA_256-some different important
    message] "verify-mac": KMSInvalidMacException with no message."""
    expected = recorded(
        "TestKMS::test_invalid_verify_mac[HMAC_256-HMAC_SHA_256-some different important message]",
        "verify-mac",
    )["Error"]
    key_id = hmac_key(kms)["KeyId"]
    request = {"KeyId": key_id, "MacAlgorithm": "HMAC_SHA_256"}
    tag = kms.generate_mac(Message=MESSAGE, **request)["Mac"]
    other = hmac_key(kms)["KeyId"]
    for message, mac, key in (
        (b"some different important message", tag, key_id),
        (MESSAGE, tag[:-1] + bytes([tag[-1] ^ 1]), key_id),
        (MESSAGE, tag, other),
    ):
        params = {**request, "KeyId": key}
        error = fails(kms, kms.verify_mac, Message=message, Mac=mac, **params)
        assert error == (expected["Code"], expected["Message"], 400)


@pytest.mark.parametrize(
    ("case", "entry", "operation"),
    [
        ("test_invalid_generate_mac[HMAC_224-HMAC_SHA_256]", "generate-mac", "generate_mac"),
        (
            "test_invalid_verify_mac[HMAC_256-HMAC_SHA_512-some important message]",
            "verify-mac",
            "verify_mac",
        ),
        ("test_invalid_generate_mac[HMAC_256-INVALID]", "generate-mac", "generate_mac"),
    ],
)
def test_algorithm_of_another_spec(kms: Any, case: str, entry: str, operation: str) -> None:
    """aws-recorded InvalidKeyUsageException for a MAC algorithm of another HMAC spec, and
    the model's ValidationException for an algorithm that does not exist."""
    spec, algorithm = case.split("[")[1].rstrip("]").split("-")[:2]
    expected = recorded(f"TestKMS::{case}", entry)["Error"]
    request = {"KeyId": hmac_key(kms, spec)["KeyId"], "Message": MESSAGE, "MacAlgorithm": algorithm}
    if operation == "verify_mac":
        request["Mac"] = b"0" * 32
    error = fails(kms, getattr(kms, operation), **request)
    assert error == (expected["Code"], expected["Message"], 400)


def test_invalid_key_id(kms: Any) -> None:
    """aws-recorded test_generate_and_verify_mac[*] "generate-mac-invalid-key-id" and
    "verify-mac-invalid-key-id"."""
    case = "TestKMS::test_generate_and_verify_mac[HMAC_256-HMAC_SHA_256]"
    request = {"KeyId": "key_id", "Message": MESSAGE, "MacAlgorithm": "HMAC_SHA_256"}
    expected = recorded(case, "generate-mac-invalid-key-id")["Error"]
    assert fails(kms, kms.generate_mac, **request)[:2] == (expected["Code"], expected["Message"])
    expected = recorded(case, "verify-mac-invalid-key-id")["Error"]
    error = fails(kms, kms.verify_mac, Mac=b"0" * 32, **request)
    assert error[:2] == (expected["Code"], expected["Message"])


def test_mac_with_an_encryption_key(kms: Any, key_id: str) -> None:
    """aws-recorded test_error_messaging_for_invalid_keys "generate-mac-invalid-key-id"."""
    expected = recorded(
        "TestKMS::test_error_messaging_for_invalid_keys", "generate-mac-invalid-key-id"
    )["Error"]
    arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    request = {"KeyId": key_id, "Message": MESSAGE, "MacAlgorithm": "HMAC_SHA_224"}
    code, message, _ = fails(kms, kms.generate_mac, **request)
    assert (code, message) == (expected["Code"], expected["Message"].replace("<key-arn>", arn))
    assert fails(kms, kms.verify_mac, Mac=b"0" * 28, **request)[:2] == (
        "InvalidKeyUsageException",
        f"{arn} key usage is ENCRYPT_DECRYPT which is not valid for VerifyMac.",
    )


def test_mac_dry_run(kms: Any) -> None:
    """DryRunOperationException, recorded text (INFERRED for the MAC operations)."""
    expected = recorded(
        "TestKMSGenerateKeys::test_generate_data_key_pair_dry_run", "dryrun_exception"
    )
    request = {"KeyId": hmac_key(kms)["KeyId"], "Message": MESSAGE, "MacAlgorithm": "HMAC_SHA_256"}
    error = fails(kms, kms.generate_mac, DryRun=True, **request)
    assert error[:2] == (expected["Error"]["Code"], expected["Error"]["Message"])
    tag = kms.generate_mac(**request)["Mac"]
    assert fails(kms, kms.verify_mac, Mac=tag, DryRun=True, **request)[0] == (
        "DryRunOperationException"
    )
