"""The markers as a pytest user meets them (pytester, in-process): planning from module,
class and test level, usage errors reported before the test body runs, and the check
that fails a test whose kms_fault marker never fired."""

from __future__ import annotations

import pytest

from pytest_fakekms.fault_rules import (
    evaluate_consistency_mark,
    evaluate_fault_marks,
    evaluate_throttle_marks,
)

HEADER = """
import boto3
import pytest
from botocore.config import Config

def kms(mode="standard", attempts=1):
    return boto3.client(
        "kms", region_name="us-east-1",
        config=Config(retries={"mode": mode, "total_max_attempts": attempts}),
    )
"""

#: Inner runs skip plugins that cost time at every in-process start and play no part here.
INNER_OPTIONS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark")


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(HEADER + source)
    return pytester.runpytest(*INNER_OPTIONS, *args)


# --- markers -> plans (pure) ---------------------------------------------------------------------


def test_fault_marks_are_planned_module_then_class_then_test_top_down(
    pytester: pytest.Pytester,
) -> None:
    item = pytester.getitem(
        """
import pytest

pytestmark = pytest.mark.kms_fault("ListKeys", "KMSInternalException")

@pytest.mark.kms_fault("DescribeKey", "NotFoundException", times=None)
class TestIt:
    @pytest.mark.kms_fault("PutKeyPolicy", "LimitExceededException", after=1)
    @pytest.mark.kms_fault("CreateKey", "ThrottlingException", latency=2.5)
    def test_it(self, fake_kms):
        pass
""",
        "test_it",
    )
    faults = evaluate_fault_marks(item)
    assert [f.describe() for f in faults] == [
        "kms_fault('ListKeys', 'KMSInternalException')",
        "kms_fault('DescribeKey', 'NotFoundException', times=None)",
        "kms_fault('PutKeyPolicy', 'LimitExceededException', after=1)",
        "kms_fault('CreateKey', 'ThrottlingException', latency=2.5)",
    ]
    assert {f.source for f in faults} == {"marker"}


def test_throttle_and_consistency_marks(pytester: pytest.Pytester) -> None:
    item = pytester.getitem(
        """
import pytest

pytestmark = [pytest.mark.kms_throttle(rate=2), pytest.mark.kms_eventual_consistency(seconds=1)]

@pytest.mark.kms_throttle(operation="PutKeyPolicy")
@pytest.mark.kms_eventual_consistency(30)
def test_it(fake_kms):
    pass
""",
        "test_it",
    )
    assert evaluate_throttle_marks(item) == ((2, None), (None, "PutKeyPolicy"))
    assert evaluate_consistency_mark(item) == 30.0


# --- end to end -------------------------------------------------------------------------------


def test_module_and_class_level_faults_apply_to_every_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
pytestmark = pytest.mark.kms_fault("ListKeys", "DependencyTimeoutException")

def test_module_level(fake_kms):
    with pytest.raises(kms().exceptions.DependencyTimeoutException):
        kms().list_keys()

@pytest.mark.kms_fault("ListKeys", "KMSInternalException")
class TestClassLevel:
    def test_both_fire_in_order(self, fake_kms):
        client = kms()
        with pytest.raises(client.exceptions.DependencyTimeoutException):
            client.list_keys()
        with pytest.raises(client.exceptions.KMSInternalException):
            client.list_keys()
        client.list_keys()
        assert [f.triggered for f in fake_kms.faults] == [1, 1]
""",
    )
    result.assert_outcomes(passed=2)


def test_put_key_policy_retried_through_two_internal_errors(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException", times=2)
def test_it(fake_kms):
    client = kms("legacy", 5)
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    client.put_key_policy(KeyId=key_id, Policy=fake_kms.key(key_id).policy_text)
    assert [c.attempt for c in fake_kms.calls.filter("PutKeyPolicy")] == [1, 2, 3]
    assert len(fake_kms.policy_history(key_id)) == 2
""",
    )
    result.assert_outcomes(passed=1)


def test_throttle_and_consistency_markers_take_effect(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.kms_throttle(rate=1, operation="ListKeys")
def test_throttled(fake_kms):
    kms().list_keys()
    with pytest.raises(kms().exceptions.ClientError, match="ThrottlingException"):
        kms().list_keys()

@pytest.mark.kms_eventual_consistency(seconds=5)
def test_not_yet_visible(fake_kms):
    key_id = kms().create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(kms().exceptions.NotFoundException):
        kms().describe_key(KeyId=key_id)
""",
    )
    result.assert_outcomes(passed=2)


# --- usage errors: an error at setup, the session goes on --------------------------------------

USAGE_ERRORS = [
    (
        '@pytest.mark.kms_fault("PutKeyPolicies", "KMSInternalException")',
        "*kms_fault('PutKeyPolicies', 'KMSInternalException'): unknown KMS operation "
        "'PutKeyPolicies'; valid operations: CancelKeyDeletion, ConnectCustomKeyStore, *",
    ),
    (
        '@pytest.mark.kms_fault("PutKeyPolicy", "DisabledException")',
        "*PutKeyPolicy cannot raise 'DisabledException'; errors PutKeyPolicy can raise "
        "(declared in botocore's model, plus ThrottlingException): DependencyTimeoutException, "
        "InvalidArnException, KMSInternalException, *, ThrottlingException, "
        "UnsupportedOperationException",
    ),
    (
        '@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException", times=-1)',
        "*times=-1): times must be a whole number >= 0, or None for every request; got -1",
    ),
    (
        '@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException", tims=2)',
        "*kms_fault('PutKeyPolicy', 'KMSInternalException', tims=2): got an unexpected "
        "keyword argument 'tims'; usage: @pytest.mark.kms_fault(operation, error, *, times=1, "
        "after=0, message=None, key_id=None, latency=0.0)",
    ),
    (
        '@pytest.mark.kms_fault("PutKeyPolicy")',
        "*kms_fault('PutKeyPolicy'): missing a required argument: 'error'; usage: *",
    ),
    (
        '@pytest.mark.kms_fault("CreateKey", "KMSInternalException", key_id="alias/x")',
        "*CreateKey requests name no key (KeyId, TargetKeyId, SourceKeyId, DestinationKeyId), "
        "so key_id='alias/x' could never match*",
    ),
    (
        "@pytest.mark.fake_kms(assert_all_fault_triggered=False)",
        "*unknown option(s) assert_all_fault_triggered; valid options: account_id, "
        "assert_all_faults_triggered, *",
    ),
    (
        "@pytest.mark.kms_throttle(rate=-5)",
        "*kms_throttle(rate=-5): rate must be a number of requests per second >= 0*",
    ),
    (
        '@pytest.mark.kms_throttle(operation="Nope")',
        "*kms_throttle(operation='Nope'): unknown KMS operation 'Nope'; valid operations: *",
    ),
    (
        "@pytest.mark.kms_throttle(1, 'ListKeys', 3)",
        "*kms_throttle(1, 'ListKeys', 3): too many positional arguments; "
        "usage: @pytest.mark.kms_throttle(rate=None, operation=None)",
    ),
    (
        "@pytest.mark.kms_eventual_consistency(seconds=-1)",
        "*kms_eventual_consistency(seconds=-1): seconds must be a number of virtual seconds >= 0*",
    ),
]


@pytest.mark.parametrize(("marker", "message"), USAGE_ERRORS)
def test_usage_errors_are_reported_before_the_test_runs(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    result = run(
        pytester,
        f"""
{marker}
def test_mistake(fake_kms):
    raise AssertionError("the body must not run")

def test_next(fake_kms):
    pass
""",
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at setup of test_mistake*", "fake_kms cannot be set up: " + message]
    )
    assert "the body must not run" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str()


# --- the check that every marker fault fired ---------------------------------------------------


def test_a_marker_fault_that_never_fired_fails_the_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException", times=2)
@pytest.mark.kms_fault("ListKeys", "KMSInternalException", after=3)
def test_forgot(fake_kms):
    kms().create_key()
    kms().list_keys()
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_forgot _*",
            "Fault kms_fault('PutKeyPolicy', 'KMSInternalException', times=2) fired 0 times.",
            "Fault kms_fault('ListKeys', 'KMSInternalException', after=3) fired 0 times "
            "(1 matching request seen, none failed).",
            "KMS calls seen: CreateKey, ListKeys.",
            "If this is on purpose, use @pytest.mark.fake_kms(assert_all_faults_triggered=False).",
            "*- fake KMS calls -*",
            "  1. CreateKey() -> ok",
            "  2. ListKeys() -> ok",
        ]
    )
    assert "ERROR at teardown" not in result.stdout.str()


def test_no_calls_at_all(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException")
def test_forgot(fake_kms):
    pass
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["KMS calls seen: none."])


def test_opting_out_and_what_the_check_ignores(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.fake_kms(assert_all_faults_triggered=False)
@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException")
def test_opted_out(fake_kms):
    pass

@pytest.mark.kms_fault("ListKeys", "KMSInternalException", times=3)
def test_fired_once_is_enough(fake_kms):
    with pytest.raises(kms().exceptions.KMSInternalException):
        kms().list_keys()

def test_injected_faults_are_the_tests_business(fake_kms):
    fake_kms.inject_fault("PutKeyPolicy", "KMSInternalException")

@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException")
def test_a_failing_body_reports_its_own_failure(fake_kms):
    assert 1 == 2
""",
    )
    result.assert_outcomes(passed=3, failed=1)
    assert "fired 0 times" not in result.stdout.str()


def test_opting_out_at_module_level(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
pytestmark = pytest.mark.fake_kms(assert_all_faults_triggered=False)

@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException")
def test_opted_out(fake_kms):
    pass
""",
    )
    result.assert_outcomes(passed=1)
