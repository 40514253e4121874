"""The model access helpers (pytest_fakekms.model) and the output checker."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from pytest_fakekms import model

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = f"arn:aws:kms:us-east-1:111122223333:key/{KEY_ID}"


def fresh_key_metadata() -> dict[str, Any]:
    """DescribeKey's KeyMetadata for a fresh symmetric key (kms-facts §7.1), wire form."""
    return {
        "AWSAccountId": "111122223333",
        "Arn": ARN,
        "CreationDate": 1571767572.317,
        "CurrentKeyMaterialId": "a" * 64,
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "Description": "",
        "Enabled": True,
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "KeyId": KEY_ID,
        "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyState": "Enabled",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "MultiRegion": False,
        "Origin": "AWS_KMS",
    }


def test_importing_the_modules_does_not_import_botocore() -> None:
    code = (
        "import sys, pytest_fakekms.model, pytest_fakekms.validation; "
        "sys.exit('botocore' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


_ADOPTION = """
import boto3
from pytest_fakekms import FakeKMS, model

client = boto3.client("kms", region_name="us-east-1", aws_access_key_id="AKIAEXAMPLE",
                      aws_secret_access_key="secret")
with FakeKMS():
    client.create_key()
own = client.meta.service_model._service_description
assert model._service_description() is own, "the fake parsed the model a second time"
assert model.service_model().operation_names == client.meta.service_model.operation_names
print("adopted")
"""


def test_the_first_request_hands_over_the_clients_model() -> None:
    """Issue #8 (first fake_kms test of a session): the fake checks requests against the
    very ``service-2`` document the client was built from, handed over by the interceptor
    with the first request, rather than reading and parsing it again (about 13 ms). A
    fresh interpreter, so that no earlier test has loaded the model."""
    done = subprocess.run(
        [sys.executable, "-c", _ADOPTION], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "adopted"


def test_a_model_loaded_first_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model loaded before any client asked (a marker naming an operation, the HTTP
    server) stays: a later hand-over changes nothing."""
    loaded = model._service_description()
    monkeypatch.setattr(model, "_adopted", None)
    model.adopt({"metadata": {}, "operations": {}, "shapes": {}})
    assert model._service_description() is loaded


def test_service_model_is_kms_and_cached() -> None:
    service = model.service_model()
    assert service.service_name == "kms"
    assert service.metadata["targetPrefix"] == "TrentService"
    assert model.service_model() is service


def test_operation_names() -> None:
    names = model.operation_names()
    assert len(names) >= 54  # 54 in botocore 1.43; newer releases add operations
    assert {"PutKeyPolicy", "GetKeyPolicy", "CreateKey", "ScheduleKeyDeletion"} <= names
    assert model.operation_names() is names


def test_declared_errors_of_put_key_policy() -> None:
    """kms-facts §1.1 (VERIFIED against botocore 1.43.11)."""
    assert model.declared_errors("PutKeyPolicy") == {
        "NotFoundException",
        "InvalidArnException",
        "MalformedPolicyDocumentException",
        "DependencyTimeoutException",
        "UnsupportedOperationException",
        "KMSInternalException",
        "LimitExceededException",
        "KMSInvalidStateException",
    }


def test_unknown_operation_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="Frobnicate"):
        model.declared_errors("Frobnicate")
    with pytest.raises(KeyError):
        model.output_member_names("Frobnicate")


@pytest.mark.parametrize(
    ("code", "fault"),
    [
        ("KMSInternalException", True),
        ("DependencyTimeoutException", True),
        ("KeyUnavailableException", True),
        ("NotFoundException", False),
        ("MalformedPolicyDocumentException", False),
        ("ValidationException", False),  # not a model shape at all
        ("ThrottlingException", False),
        ("KeyMetadata", False),  # a shape, but not an error
    ],
)
def test_is_server_fault(code: str, fault: bool) -> None:
    """kms-facts §5.3: the three fault=true shapes."""
    assert model.is_server_fault(code) is fault


def test_member_names() -> None:
    assert model.output_member_names("PutKeyPolicy") == frozenset()
    assert model.output_member_names("GetKeyPolicy") == {"Policy", "PolicyName"}
    assert model.input_member_names("PutKeyPolicy") == {
        "KeyId",
        "PolicyName",
        "Policy",
        "BypassPolicyLockoutSafetyCheck",
    }


# --- validate_output -------------------------------------------------------------


def test_fresh_key_description_is_valid() -> None:
    assert model.validate_output("DescribeKey", {"KeyMetadata": fresh_key_metadata()}) == []
    assert model.validate_output("CreateKey", {"KeyMetadata": fresh_key_metadata()}) == []


def test_operation_without_output_must_answer_an_empty_object() -> None:
    assert model.validate_output("PutKeyPolicy", {}) == []
    problems = model.validate_output("PutKeyPolicy", {"KeyId": KEY_ID})
    assert problems == ["<body>: PutKeyPolicy has no output, got members ['KeyId']"]


def test_unknown_member() -> None:
    metadata = fresh_key_metadata() | {"Colour": "blue"}
    assert model.validate_output("DescribeKey", {"KeyMetadata": metadata}) == [
        "<body>.KeyMetadata: unknown member 'Colour' (not in KeyMetadata)"
    ]


@pytest.mark.parametrize(
    ("member", "value", "problem"),
    [
        ("Enabled", "true", "expected a boolean, got string"),
        ("KeyId", 5, "expected a string, got number"),
        ("CreationDate", "2024-01-01", "expected epoch seconds (a number), got string"),
        ("KeyState", "Sleeping", "'Sleeping' is not a KeyState value"),
        ("EncryptionAlgorithms", "SYMMETRIC_DEFAULT", "expected an array, got string"),
        ("PendingDeletionWindowInDays", 7.5, "expected an integer, got number 7.5"),
        ("PendingDeletionWindowInDays", True, "expected an integer, got boolean True"),
        ("Description", None, "null is never sent by AWS; omit the member"),
    ],
)
def test_wrong_types_and_enum_values(member: str, value: object, problem: str) -> None:
    metadata = fresh_key_metadata() | {member: value}
    problems = model.validate_output("DescribeKey", {"KeyMetadata": metadata})
    assert len(problems) == 1
    assert problems[0].startswith(f"<body>.KeyMetadata.{member}: {problem}")


def test_list_elements_are_checked() -> None:
    metadata = fresh_key_metadata() | {"EncryptionAlgorithms": ["SYMMETRIC_DEFAULT", "ROT13"]}
    problems = model.validate_output("DescribeKey", {"KeyMetadata": metadata})
    assert len(problems) == 1
    assert problems[0].startswith("<body>.KeyMetadata.EncryptionAlgorithms[1]: 'ROT13' is not")


def test_required_member_missing() -> None:
    metadata = fresh_key_metadata()
    del metadata["KeyId"]
    assert model.validate_output("DescribeKey", {"KeyMetadata": metadata}) == [
        "<body>.KeyMetadata: required member 'KeyId' is missing"
    ]
    tags = {"Tags": [{"TagKey": "k"}], "Truncated": False}
    assert model.validate_output("ListResourceTags", tags) == [
        "<body>.Tags[0]: required member 'TagValue' is missing"
    ]


@pytest.mark.parametrize(
    ("blob", "ok"),
    [("ZGF0YQ==", True), ("", True), ("ZGF0YQ", False), ("not base64!", False), (b"x", False)],
)
def test_blobs_must_be_base64_text(blob: object, ok: bool) -> None:
    response = {"KeyId": ARN, "CiphertextBlob": blob, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    assert (model.validate_output("Encrypt", response) == []) is ok


def test_body_must_be_an_object() -> None:
    assert model.validate_output("DescribeKey", []) == [  # type: ignore[arg-type]
        "<body>: expected an object, got array"
    ]
    assert model.validate_output("PutKeyPolicy", []) == [  # type: ignore[arg-type]
        "<body>: expected an object, got array"
    ]
