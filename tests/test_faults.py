"""Fault injection end to end: real boto3 clients, botocore's own retry handler.

Which errors botocore retries in which mode is kms-facts §5.4 (VERIFIED [BCR]):
5xx in both modes, ThrottlingException (400) in both, LimitExceededException
only in standard mode. Statuses and default messages come from the error
catalogue (kms-facts §4.2 and §5.3).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from conftest import ACCOUNT, REGION, error_of

from pytest_fakekms import errors
from pytest_fakekms.faults import Fault

ARN_PREFIX = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"


def client(mode: str = "legacy", **retries: Any) -> Any:
    """A boto3 KMS client with the given retry mode (botocore's default is legacy)."""
    return boto3.client(
        "kms",
        region_name=REGION,
        aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="secret",
        config=Config(retries={"mode": mode, **retries}),
    )


def put_same_policy(kms: Any, fake_kms: Any, key_id: str) -> Any:
    return kms.put_key_policy(KeyId=key_id, Policy=fake_kms.key(key_id).policy_text)


# --- retries through botocore -------------------------------------------------------------


@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException", times=2)
def test_two_internal_errors_are_retried_and_the_policy_is_stored_once(fake_kms: Any) -> None:
    kms = client("legacy")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    put_same_policy(kms, fake_kms, key_id)
    attempts = fake_kms.calls.filter("PutKeyPolicy")
    assert [c.attempt for c in attempts] == [1, 2, 3]
    assert [c.injected for c in attempts] == [True, True, False]
    assert [c.http_status for c in attempts] == [500, 500, 200]
    assert [c.error for c in attempts] == ["KMSInternalException", "KMSInternalException", None]
    assert attempts[0].backoff == 0.0
    assert attempts[1].backoff > 0
    assert attempts[2].backoff > 0
    assert [v.operation for v in fake_kms.policy_history(key_id)] == ["CreateKey", "PutKeyPolicy"]
    assert fake_kms.faults[0].triggered == 2


@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException", times=None)
def test_every_request_failing_gives_up_after_three_attempts_in_standard_mode(
    fake_kms: Any,
) -> None:
    kms = client("standard")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(kms.exceptions.KMSInternalException) as raised:
        put_same_policy(kms, fake_kms, key_id)
    assert error_of(raised) == ("KMSInternalException", "An internal error occurred.", 500)
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    assert [c.attempt for c in fake_kms.calls.filter("PutKeyPolicy")] == [1, 2, 3]
    assert len(fake_kms.policy_history(key_id)) == 1


@pytest.mark.parametrize("mode", ["legacy", "standard"])
def test_throttling_is_retried_in_both_modes(fake_kms: Any, mode: str) -> None:
    """ThrottlingException must go out with status 400 for legacy mode to retry it."""
    kms = client(mode)
    key_id = fake_kms.create_key().key_id
    fault = fake_kms.inject_fault("DescribeKey", "ThrottlingException", times=2)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id
    calls = fake_kms.calls.filter("DescribeKey")
    assert [(c.attempt, c.http_status) for c in calls] == [(1, 400), (2, 400), (3, 200)]
    assert calls[0].error_message == errors.THROTTLING_MESSAGE
    assert fault.triggered == 2


def test_throttling_is_a_generic_client_error_with_awss_text(fake_kms: Any) -> None:
    """kms-facts §4.2: not a modeled KMS shape, so botocore raises a plain ClientError."""
    kms = client("standard", total_max_attempts=1)
    fake_kms.inject_fault("ListKeys", "ThrottlingException")
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.list_keys()
    assert type(raised.value).__name__ == "ClientError"
    assert error_of(raised) == (
        "ThrottlingException",
        "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
        400,
    )


@pytest.mark.parametrize(("mode", "attempts"), [("legacy", 1), ("standard", 3)])
def test_limit_exceeded_is_retried_only_in_standard_mode(
    fake_kms: Any, mode: str, attempts: int
) -> None:
    kms = client(mode)
    key_id = fake_kms.create_key().key_id
    fake_kms.inject_fault("PutKeyPolicy", "LimitExceededException", times=None)
    with pytest.raises(kms.exceptions.LimitExceededException):
        put_same_policy(kms, fake_kms, key_id)
    fake_kms.assert_call_count("PutKeyPolicy", attempts)


CALLS = {
    "DescribeKey": lambda kms, key_id: kms.describe_key(KeyId=key_id),
    "Decrypt": lambda kms, key_id: kms.decrypt(KeyId=key_id, CiphertextBlob=b"blob"),
    "PutKeyPolicy": lambda kms, key_id: kms.put_key_policy(KeyId=key_id, Policy="{}"),
}


@pytest.mark.parametrize(
    ("operation", "error", "status"),
    [
        ("DescribeKey", "DependencyTimeoutException", 503),
        ("Decrypt", "KeyUnavailableException", 500),
        ("PutKeyPolicy", "MalformedPolicyDocumentException", 400),
        ("DescribeKey", "NotFoundException", 400),
    ],
)
def test_status_and_default_message_come_from_the_catalogue(
    fake_kms: Any, operation: str, error: str, status: int
) -> None:
    kms = client("standard", total_max_attempts=1)
    key_id = fake_kms.create_key().key_id
    fake_kms.inject_fault(operation, error)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        CALLS[operation](kms, key_id)
    assert error_of(raised) == (error, errors.default_message(error), status)
    assert fake_kms.calls.last.injected


def test_custom_message(fake_kms: Any) -> None:
    fake_kms.inject_fault("ListKeys", "DependencyTimeoutException", message="try later")
    kms = client("standard", total_max_attempts=1)
    with pytest.raises(kms.exceptions.DependencyTimeoutException, match="try later"):
        kms.list_keys()


# --- which requests a fault matches -------------------------------------------------------


def test_after_lets_requests_through_first(fake_kms: Any) -> None:
    kms = client("standard", total_max_attempts=1)
    fault = fake_kms.inject_fault("ListKeys", "DependencyTimeoutException", after=2, times=1)
    kms.list_keys()
    kms.list_keys()
    with pytest.raises(kms.exceptions.DependencyTimeoutException):
        kms.list_keys()
    kms.list_keys()
    assert [c.injected for c in fake_kms.calls] == [False, False, True, False]
    assert (fault.seen, fault.triggered, fault.exhausted) == (4, 1, True)


@pytest.mark.parametrize("form", ["key_id", "arn", "alias", "alias_arn"])
def test_key_id_matches_the_key_by_any_identifier(fake_kms: Any, form: str) -> None:
    kms = client("standard", total_max_attempts=1)
    target = kms.create_key()["KeyMetadata"]["KeyId"]
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/target", TargetKeyId=target)
    identifier = {
        "key_id": target,
        "arn": ARN_PREFIX + target,
        "alias": "alias/target",
        "alias_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/target",
    }[form]
    fault = fake_kms.inject_fault("DescribeKey", "NotFoundException", times=None, key_id=identifier)
    kms.describe_key(KeyId=other)
    for named in (target, ARN_PREFIX + target, "alias/target"):
        with pytest.raises(kms.exceptions.NotFoundException):
            kms.describe_key(KeyId=named)
    assert fault.triggered == 3


def test_key_id_fault_on_an_alias_that_does_not_exist_yet_never_fires(fake_kms: Any) -> None:
    kms = client("standard", total_max_attempts=1)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    fault = fake_kms.inject_fault("DescribeKey", "NotFoundException", key_id="alias/later")
    kms.describe_key(KeyId=key_id)
    kms.create_alias(AliasName="alias/later", TargetKeyId=key_id)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=key_id)
    assert fault.triggered == 1


def test_key_id_matches_target_key_id_members(fake_kms: Any) -> None:
    kms = client("standard", total_max_attempts=1)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    fake_kms.inject_fault("CreateAlias", "LimitExceededException", key_id=key_id)
    with pytest.raises(kms.exceptions.LimitExceededException):
        kms.create_alias(AliasName="alias/a", TargetKeyId=key_id)
    assert kms.list_aliases()["Aliases"] == []


def test_faults_fire_in_planning_order(fake_kms: Any) -> None:
    kms = client("standard", total_max_attempts=1)
    first = fake_kms.inject_fault("ListKeys", "DependencyTimeoutException")
    second = fake_kms.inject_fault("ListKeys", "KMSInternalException")
    codes = []
    for _ in range(3):
        try:
            kms.list_keys()
            codes.append(None)
        except kms.exceptions.ClientError as error:
            codes.append(error.response["Error"]["Code"])
    assert codes == ["DependencyTimeoutException", "KMSInternalException", None]
    assert (first.triggered, second.triggered) == (1, 1)


def test_latency_advances_the_virtual_clock_not_the_wall_clock(fake_kms: Any) -> None:
    kms = client("standard", total_max_attempts=1)
    fake_kms.inject_fault("ListKeys", "DependencyTimeoutException", latency=30.0)
    before = fake_kms.clock.now()
    started = time.perf_counter()
    with pytest.raises(kms.exceptions.DependencyTimeoutException):
        kms.list_keys()
    assert time.perf_counter() - started < 1.0
    assert fake_kms.clock.now() - before == dt.timedelta(seconds=30)
    assert fake_kms.calls.last.at == before + dt.timedelta(seconds=30)


def test_cancel_stops_a_fault(fake_kms: Any) -> None:
    kms = client("standard", total_max_attempts=1)
    fault = fake_kms.inject_fault("ListKeys", "KMSInternalException", times=None)
    with pytest.raises(kms.exceptions.KMSInternalException):
        kms.list_keys()
    fault.cancel()
    kms.list_keys()
    assert (fault.triggered, fault.exhausted) == (1, True)


# --- faults change no state ---------------------------------------------------------------


def test_a_faulted_create_key_creates_nothing(fake_kms: Any) -> None:
    kms = client("standard", total_max_attempts=1)
    fake_kms.inject_fault("CreateKey", "KMSInternalException")
    with pytest.raises(kms.exceptions.KMSInternalException):
        kms.create_key()
    assert fake_kms.keys() == []
    assert fake_kms.calls.one("CreateKey").injected


def test_a_faulted_schedule_key_deletion_leaves_the_key_enabled(fake_kms: Any) -> None:
    kms = client("standard", total_max_attempts=1)
    key = fake_kms.create_key()
    fake_kms.inject_fault("ScheduleKeyDeletion", "KMSInvalidStateException", key_id=key.key_id)
    with pytest.raises(kms.exceptions.KMSInvalidStateException):
        kms.schedule_key_deletion(KeyId=key.key_id)
    assert fake_kms.key(key.key_id).state.value == "Enabled"
    assert fake_kms.key(key.key_id).deletion_date is None


def test_an_invalid_request_gets_its_validation_error_and_does_not_count(fake_kms: Any) -> None:
    kms = boto3.client(
        "kms",
        region_name=REGION,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )
    key_id = fake_kms.create_key().key_id
    fault = fake_kms.inject_fault("PutKeyPolicy", "KMSInternalException")
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.put_key_policy(KeyId=key_id)
    assert error_of(raised)[0] == "ValidationException"
    assert (fault.seen, fault.triggered) == (0, 0)


# --- mistakes by the test author -------------------------------------------------------------


def test_unknown_operation_lists_the_valid_ones(fake_kms: Any) -> None:
    with pytest.raises(
        ValueError, match=r"unknown KMS operation 'PutKeyPolicies'; valid.*PutKeyPolicy"
    ):
        fake_kms.inject_fault("PutKeyPolicies", "KMSInternalException")


def test_error_the_operation_cannot_raise_lists_the_ones_it_can(fake_kms: Any) -> None:
    with pytest.raises(
        ValueError, match=r"^PutKeyPolicy cannot raise 'DisabledException'"
    ) as raised:
        fake_kms.inject_fault("PutKeyPolicy", "DisabledException")
    message = str(raised.value)
    assert "KMSInternalException, KMSInvalidStateException, LimitExceededException" in message
    assert "ThrottlingException" in message
    assert fake_kms.faults == []


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"times": -1}, "times must be a whole number >= 0, or None"),
        ({"times": 1.5}, "times must be a whole number >= 0, or None"),
        ({"times": True}, "times must be a whole number >= 0, or None"),
        ({"after": -2}, "after must be a whole number >= 0"),
        ({"latency": -0.5}, "latency must be a number of virtual seconds >= 0"),
        ({"message": 42}, "message must be a string or None"),
        ({"key_id": 7}, "key_id must be a string or None"),
    ],
)
def test_bad_numbers_are_value_errors(fake_kms: Any, kwargs: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        fake_kms.inject_fault("ListKeys", "KMSInternalException", **kwargs)


def test_key_id_on_an_operation_that_names_no_key(fake_kms: Any) -> None:
    with pytest.raises(ValueError, match=r"CreateKey requests name no key .* could never match"):
        fake_kms.inject_fault("CreateKey", "KMSInternalException", key_id="alias/x")


def test_describe_reads_like_the_marker() -> None:
    assert Fault("PutKeyPolicy", "KMSInternalException").describe() == (
        "kms_fault('PutKeyPolicy', 'KMSInternalException')"
    )
    assert Fault("ListKeys", "ThrottlingException", times=None, latency=2.0).describe() == (
        "kms_fault('ListKeys', 'ThrottlingException', times=None, latency=2.0)"
    )


def test_faults_naming_one_key_resolve_it_once_per_request(
    fake_kms: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Used-up faults stay planned (their ``seen`` keeps counting), so each request checks
    them all; the key they name is resolved once per request, not once per fault (issue
    #8 scaling audit: 1,000 used-up faults on one key made a DescribeKey 6.9x slower)."""
    import pytest_fakekms.dispatch as dispatch

    kms = client("standard", total_max_attempts=1)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    faults = [
        fake_kms.inject_fault("DescribeKey", "KMSInternalException", key_id=key_id, times=1)
        for _ in range(50)
    ]
    for _ in range(50):  # each request uses up one fault
        with pytest.raises(kms.exceptions.KMSInternalException):
            kms.describe_key(KeyId=key_id)
    lookups: list[str] = []
    find_key = dispatch.find_key

    def counted(state: Any, identifier: str, **where: str) -> Any:
        lookups.append(identifier)
        return find_key(state, identifier, **where)

    monkeypatch.setattr(dispatch, "find_key", counted)
    kms.describe_key(KeyId=key_id)
    assert set(lookups) == {key_id}
    assert 1 <= len(lookups) <= 2  # the fault's key, and the request's (was 50 + 50)
    assert [fault.seen for fault in faults] == list(range(51, 1, -1))
    assert all(fault.exhausted for fault in faults)
