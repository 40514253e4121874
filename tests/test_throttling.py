"""Throttling simulation: AWS's per-operation request quotas (kms-facts §4.2) on the
virtual clock, a sliding one-second window per account, Region and operation."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import boto3
import pytest
from botocore.config import Config
from conftest import ACCOUNT, ROOT, allow, error_of, policy

from pytest_fakekms import errors
from pytest_fakekms.throttling import Allowance, Throttle

THROTTLED = ("ThrottlingException", errors.THROTTLING_MESSAGE, 400)
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
GOOD = policy(allow({"AWS": ROOT}))


def outcomes(fake_kms: Any, operation: str) -> list[str | None]:
    return [c.error for c in fake_kms.calls.filter(operation)]


@pytest.mark.kms_throttle(rate=1, operation="PutKeyPolicy")
def test_second_call_in_the_same_virtual_second_is_throttled(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    kms.put_key_policy(KeyId=key_id, Policy=GOOD)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.put_key_policy(KeyId=key_id, Policy=GOOD)
    assert error_of(raised) == THROTTLED
    throttled = fake_kms.calls.last
    assert (throttled.injected, throttled.http_status) == (True, 400)
    assert len(fake_kms.policy_history(key_id)) == 2  # the throttled request stored nothing
    fake_kms.clock.advance(1)
    kms.put_key_policy(KeyId=key_id, Policy=GOOD)
    assert len(fake_kms.policy_history(key_id)) == 3
    assert outcomes(fake_kms, "PutKeyPolicy") == [None, "ThrottlingException", None]


@pytest.mark.kms_throttle
def test_awss_quotas_apply_by_default(kms: Any, fake_kms: Any) -> None:
    """CreateKey: 5 requests per second (kms-facts §4.2)."""
    for _ in range(5):
        kms.create_key()
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.create_key()
    assert error_of(raised) == THROTTLED
    assert len(fake_kms.keys()) == 5
    fake_kms.clock.advance(1)
    kms.create_key()
    assert len(fake_kms.keys()) == 6


def test_quotas_are_data_the_test_may_change(kms: Any, fake_kms: Any, key_id: str) -> None:
    fake_kms.quotas.requests_per_second["DescribeKey"] = 2
    fake_kms.throttle()
    kms.describe_key(KeyId=key_id)
    kms.describe_key(KeyId=key_id)
    with pytest.raises(kms.exceptions.ClientError):
        kms.describe_key(KeyId=key_id)


def test_window_slides_rather_than_resetting_on_whole_seconds(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    fake_kms.throttle(rate=2, operation="DescribeKey")
    kms.describe_key(KeyId=key_id)  # t
    fake_kms.clock.advance(0.5)
    kms.describe_key(KeyId=key_id)  # t + 0.5
    fake_kms.clock.advance(0.4)
    with pytest.raises(kms.exceptions.ClientError):
        kms.describe_key(KeyId=key_id)  # t + 0.9: two in (t - 0.1, t + 0.9]
    fake_kms.clock.advance(0.1)
    kms.describe_key(KeyId=key_id)  # t + 1.0: the first left the window


def test_throttled_requests_take_no_slot(kms: Any, fake_kms: Any, key_id: str) -> None:
    throttle = fake_kms.throttle(rate=1, operation="DescribeKey")
    kms.describe_key(KeyId=key_id)
    for _ in range(3):
        with pytest.raises(kms.exceptions.ClientError):
            kms.describe_key(KeyId=key_id)
    fake_kms.clock.advance(1)
    kms.describe_key(KeyId=key_id)
    assert throttle.throttled == 3


def test_rate_for_all_operations_and_the_operation_override_wins(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    throttle = fake_kms.throttle(rate=1)
    fake_kms.throttle(rate=3, operation="DescribeKey")
    assert (throttle.rate, throttle.rates) == (1.0, {"DescribeKey": 3.0})
    for _ in range(3):
        kms.describe_key(KeyId=key_id)
    with pytest.raises(kms.exceptions.ClientError):
        kms.describe_key(KeyId=key_id)
    kms.list_keys()
    with pytest.raises(kms.exceptions.ClientError):
        kms.list_keys()


def test_each_operation_account_and_region_has_its_own_window(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    fake_kms.throttle(rate=1)
    kms.describe_key(KeyId=key_id)
    kms.list_keys()  # another operation
    west = boto3.client("kms", region_name="us-west-2", config=Config(retries={"mode": "standard"}))
    west.list_keys()  # another Region
    fake_kms.add_principal(
        "arn:aws:iam::111122223333:role/other", access_key_id="AKIAOTHER0000000000"
    )
    other = boto3.client(
        "kms",
        region_name="us-east-1",
        aws_access_key_id="AKIAOTHER0000000000",
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    other.list_keys()  # another account
    assert [(c.operation, c.region, c.account_id, c.error) for c in fake_kms.calls[1:]] == [
        ("DescribeKey", "us-east-1", ACCOUNT, None),
        ("ListKeys", "us-east-1", ACCOUNT, None),
        ("ListKeys", "us-west-2", ACCOUNT, None),
        ("ListKeys", "us-east-1", "111122223333", None),
    ]


def test_rate_below_one_admits_one_request_per_period(kms: Any, fake_kms: Any) -> None:
    """GetParametersForImport's quota is 0.25 per second: one request per 4 s."""
    fake_kms.throttle(rate=0.5, operation="ListKeys")
    kms.list_keys()
    fake_kms.clock.advance(1.9)
    with pytest.raises(kms.exceptions.ClientError):
        kms.list_keys()
    fake_kms.clock.advance(0.1)
    kms.list_keys()


def test_rate_zero_throttles_everything(kms: Any, fake_kms: Any) -> None:
    fake_kms.throttle(rate=0, operation="ListKeys")
    with pytest.raises(kms.exceptions.ClientError):
        kms.list_keys()
    fake_kms.clock.advance(days=1)
    with pytest.raises(kms.exceptions.ClientError):
        kms.list_keys()


def test_disable(kms: Any, fake_kms: Any) -> None:
    fake_kms.throttle(rate=0).disable()
    kms.list_keys()


def test_botocore_retries_ride_out_throttling_on_the_virtual_clock(
    fake_kms: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Legacy back-off is rand * 2**(n-1) (kms-facts §5.4); with rand fixed at 0.5 the
    retries come 0.5 s and 1.5 s after the throttled attempt, the second one outside the
    window."""
    monkeypatch.setattr(random, "random", lambda: 0.5)
    kms = boto3.client("kms", region_name="us-east-1", config=Config(retries={"mode": "legacy"}))
    fake_kms.throttle(rate=1, operation="ListKeys")
    kms.list_keys()
    kms.list_keys()
    assert [(c.attempt, c.error, c.backoff) for c in fake_kms.calls] == [
        (1, None, 0.0),
        (1, "ThrottlingException", 0.0),
        (2, "ThrottlingException", 0.5),
        (3, None, 1.0),
    ]


def test_throttling_comes_after_planned_faults(kms: Any, fake_kms: Any) -> None:
    fake_kms.throttle(rate=1, operation="ListKeys")
    fake_kms.inject_fault("ListKeys", "DependencyTimeoutException")
    with pytest.raises(kms.exceptions.DependencyTimeoutException):
        kms.list_keys()
    kms.list_keys()  # the faulted request took no slot


# --- mistakes by the test author --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"rate": -1}, r"rate must be a number of requests per second >= 0"),
        ({"rate": "fast"}, r"rate must be a number"),
        ({"operation": "PutKeyPolicies"}, r"unknown KMS operation 'PutKeyPolicies'; valid"),
        ({"operation": "ListKeyRotations"}, r"no request quota for ListKeyRotations; give a rate"),
    ],
)
def test_bad_throttle_arguments(fake_kms: Any, kwargs: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        fake_kms.throttle(**kwargs)


# --- the window as a unit ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "limit", "seconds"), [(15, 15, 1), (2.5, 2, 1), (0.25, 1, 4), (0, 0, 1)]
)
def test_allowance_for_rate(rate: float, limit: int, seconds: float) -> None:
    assert Allowance.for_rate(rate) == Allowance(limit, dt.timedelta(seconds=seconds))


def test_operations_without_a_quota_are_not_throttled() -> None:
    throttle = Throttle()
    throttle.enable()
    for _ in range(100):
        assert throttle.check("RotateKeyOnDemand", ACCOUNT, "us-east-1", T0, {}) is None
