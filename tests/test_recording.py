"""What the call log holds for each request (issue #5 point 1, api.md §3)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from botocore.config import Config
from conftest import ACCOUNT, CALLER, REGION


def test_blobs_are_recorded_as_bytes_for_successful_and_refused_requests(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    kms.encrypt(KeyId=key_id, Plaintext=b"secret")
    with pytest.raises(kms.exceptions.ClientError):
        kms.encrypt(KeyId=key_id, Plaintext=b"x" * 4097)  # over the model's 4096 bytes
    ok, refused = fake_kms.calls.filter("Encrypt")
    assert ok.params["Plaintext"] == b"secret"
    assert isinstance(ok.response["CiphertextBlob"], bytes)
    assert refused.error == "ValidationException"
    assert refused.params["Plaintext"] == b"x" * 4097
    assert refused.response is None


def test_a_call_carries_identity_time_and_outcome(kms: Any, fake_kms: Any, key_id: str) -> None:
    kms.describe_key(KeyId=key_id)
    call = fake_kms.calls.last
    assert (call.operation, call.region, call.account_id, call.caller) == (
        "DescribeKey",
        REGION,
        ACCOUNT,
        CALLER,
    )
    assert (call.attempt, call.backoff, call.injected, call.transport) == (
        1,
        0.0,
        False,
        "in-process",
    )
    assert (call.http_status, call.error, call.error_message) == (200, None, None)
    assert call.key_id == key_id
    assert call.at == fake_kms.clock.now()
    assert "Authorization" not in call.params
    assert not any("secret" in repr(v).lower() for v in dataclasses.astuple(call))


def test_the_log_cannot_be_changed(kms: Any, fake_kms: Any, key_id: str) -> None:
    kms.describe_key(KeyId=key_id)
    call = fake_kms.calls.last
    with pytest.raises(TypeError):
        call.params["KeyId"] = "other"  # type: ignore[index]
    with pytest.raises(TypeError):
        call.response["KeyMetadata"]["KeyId"] = "other"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.operation = "Other"  # type: ignore[misc]


def test_each_retry_attempt_is_a_call_with_its_backoff(fake_kms: Any) -> None:
    import boto3

    client = boto3.client("kms", region_name=REGION, config=Config(retries={"mode": "legacy"}))
    fake_kms.inject_fault("ListKeys", "DependencyTimeoutException", times=2)
    client.list_keys()
    calls = fake_kms.calls.filter("ListKeys")
    assert [(c.attempt, c.http_status, c.injected) for c in calls] == [
        (1, 503, True),
        (2, 503, True),
        (3, 200, False),
    ]
    assert calls[0].backoff == 0.0
    assert all(c.backoff > 0 for c in calls[1:])
    assert calls[2].at > calls[0].at  # back-off moved the virtual clock


def test_repeated_strings_of_calls_are_shared(kms: Any, fake_kms: Any, key_id: str) -> None:
    """The log keeps every call for the fake's lifetime: the operation name and the
    Region (parsed from each request's headers) are interned, not a new string per call
    (a DescribeKey's record went from about 950 to 830 B, issue #8)."""
    kms.describe_key(KeyId=key_id)
    kms.describe_key(KeyId=key_id)
    first, second = fake_kms.calls.filter("DescribeKey")
    assert first.operation is second.operation
    assert first.region is second.region
