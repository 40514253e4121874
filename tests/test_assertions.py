"""Unit tests for parameter matching and the assert_* helpers (no botocore involved)."""

from __future__ import annotations

import copy
import operator
import pickle
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from typing import Any

import pytest

from pytest_fakekms.assertions import (
    assert_call_count,
    assert_called,
    assert_called_once,
    assert_not_called,
)
from pytest_fakekms.matching import ANY, describe_mismatch, matches
from pytest_fakekms.recorder import Call, CallList

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def make_call(
    operation: str = "PutKeyPolicy", *, error: str | None = None, attempt: int = 1, **params: Any
) -> Call:
    """A recorded call with plausible defaults; params are the keyword arguments."""
    return Call(
        operation=operation,
        params=params,
        response=None if error else {},
        error=error,
        error_message=None,
        http_status=400 if error else 200,
        region="us-east-1",
        account_id="123456789012",
        caller="arn:aws:iam::123456789012:role/fakekms-caller",
        attempt=attempt,
        at=T0,
        injected=False,
        backoff=0.0,
    )


@pytest.fixture
def calls() -> CallList:
    """CreateKey, PutKeyPolicy on k1, then a throttled PutKeyPolicy on k2 and its retry."""
    return CallList(
        [
            make_call("CreateKey"),
            make_call(KeyId="k1", Policy="{}"),
            make_call(KeyId="k2", Policy="{}", error="ThrottlingException"),
            make_call(KeyId="k2", Policy="{}", attempt=2),
        ]
    )


LOG = (
    "KMS calls recorded (4):\n"
    "  1. CreateKey() -> ok\n"
    "  2. PutKeyPolicy(KeyId='k1', Policy='{}') -> ok\n"
    "  3. PutKeyPolicy(KeyId='k2', Policy='{}') -> ThrottlingException (400)\n"
    "  4. PutKeyPolicy(KeyId='k2', Policy='{}') -> ok [attempt 2]"
)
RETRY_NOTE = (
    "Note: call 4 is a retry (attempt > 1): every attempt botocore makes is recorded as a call. "
    "To count requests instead, keep the calls with attempt == 1.\n"
)


def failure(action: Any, *args: Any, **kwargs: Any) -> str:
    """The message of the AssertionError that ``action`` raises."""
    with pytest.raises(AssertionError) as raised:
        action(*args, **kwargs)
    return str(raised.value)


# --- ANY and matches ---------------------------------------------------------------------


class TestAny:
    def test_equals_everything(self) -> None:
        for value in ("x", b"x", 1, None, {"a": 1}, [1], object()):
            assert value == ANY
            assert operator.eq(ANY, value)  # ANY on the left: its own __eq__
            assert not operator.ne(ANY, value)
            assert not operator.ne(value, ANY)

    def test_is_a_singleton_with_a_short_repr(self) -> None:
        assert repr(ANY) == "ANY"
        assert type(ANY)() is ANY
        assert copy.deepcopy(ANY) is ANY
        assert pickle.loads(pickle.dumps(ANY)) is ANY
        assert hash(ANY) == hash(ANY)


class TestMatches:
    @pytest.mark.parametrize(
        ("actual", "expected"),
        [
            ({"KeyId": "k"}, {}),
            ({"KeyId": "k", "Policy": "{}"}, {"KeyId": "k"}),
            ({"KeyId": "k"}, {"KeyId": ANY}),
            ({"Ctx": {"a": "1", "b": "2"}}, {"Ctx": {"b": "2"}}),
            ({"Ctx": {"a": {"deep": 1, "x": 2}}}, {"Ctx": {"a": {"deep": 1}}}),
            ({"Tags": [{"K": "a", "V": "b"}]}, {"Tags": [{"K": "a"}]}),
            ({"Tokens": ["a", "b"]}, {"Tokens": ["a", ANY]}),
            ({"Tokens": ["a", "b"]}, {"Tokens": ("a", "b")}),
            ({"Plaintext": b"hi"}, {"Plaintext": b"hi"}),
            ({"Plaintext": b"hi"}, {"Plaintext": bytearray(b"hi")}),
            ({"Bypass": True}, {"Bypass": True}),
            ({"Days": 7}, {"Days": 7.0}),
            ({"Policy": '{"a": 1}'}, {"Policy": '{"a": 1}'}),
        ],
    )
    def test_matching(self, actual: dict[str, Any], expected: dict[str, Any]) -> None:
        assert matches(actual, expected)
        assert describe_mismatch(actual, expected) == ""

    @pytest.mark.parametrize(
        ("actual", "expected", "explanation"),
        [
            (
                {"KeyId": "k1"},
                {"KeyId": "k2"},
                "params['KeyId']: expected 'k2' but was 'k1'",
            ),
            (
                {"KeyId": "k1"},
                {"PolicyName": "default"},
                "params['PolicyName']: expected 'default' but it was absent",
            ),
            (
                {},
                {"KeyId": ANY},
                "params['KeyId']: expected ANY but it was absent",
            ),
            (
                {"Ctx": {"a": "1"}},
                {"Ctx": {"a": "2"}},
                "params['Ctx']['a']: expected '2' but was '1'",
            ),
            (
                {"Ctx": "a"},
                {"Ctx": {"a": "2"}},
                "params['Ctx']: expected a mapping but was 'a'",
            ),
            (
                {"Tokens": ["a", "b"]},
                {"Tokens": ["a"]},
                "params['Tokens']: expected a list of 1 items but was a list of 2 items: "
                "['a', 'b']",
            ),
            (
                {"Tokens": "a"},
                {"Tokens": ["a"]},
                "params['Tokens']: expected a list but was 'a'",
            ),
            (
                {"Tags": [{"K": "a"}, {"K": "b"}]},
                {"Tags": [{"K": "a"}, {"K": "c"}]},
                "params['Tags'][1]['K']: expected 'c' but was 'b'",
            ),
            (
                {"Plaintext": b"hi"},
                {"Plaintext": "hi"},
                "params['Plaintext']: expected 'hi' but was b'hi'",
            ),
            (
                {"Plaintext": b"x" * 40},
                {"Plaintext": b"y" * 40},
                "params['Plaintext']: expected <40 bytes> but was <40 bytes>",
            ),
            (
                {"Bypass": 1},
                {"Bypass": True},
                "params['Bypass']: expected True but was 1",
            ),
            (
                {"Days": True},
                {"Days": 1},
                "params['Days']: expected 1 but was True",
            ),
        ],
    )
    def test_not_matching(
        self, actual: dict[str, Any], expected: dict[str, Any], explanation: str
    ) -> None:
        assert not matches(actual, expected)
        assert describe_mismatch(actual, expected) == explanation

    def test_policy_strings_compare_as_strings(self) -> None:
        assert not matches({"Policy": '{"a": 1}'}, {"Policy": '{"a":1}'})

    def test_long_strings_show_a_window_around_the_difference(self) -> None:
        actual = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*"}]}'
        expected = actual.replace("kms:*", "kms:Decrypt")
        assert actual.index("*") == 75  # the window starts 20 characters before it
        assert describe_mismatch({"Policy": actual}, {"Policy": expected}) == (
            'params[\'Policy\']: expected …\'ow", "Action": "kms:Decrypt"}]}\' '
            'but was …\'ow", "Action": "kms:*"}]}\' '
            "(they differ from character 75 on)"
        )

    def test_custom_root(self) -> None:
        assert describe_mismatch({"a": 1}, {"a": 2}, root="response") == (
            "response['a']: expected 2 but was 1"
        )


# --- assert_called -----------------------------------------------------------------------


class TestAssertCalled:
    def test_passes(self, calls: CallList) -> None:
        assert_called(calls, "CreateKey")
        assert_called(calls, "PutKeyPolicy", KeyId="k2")
        assert_called(calls, "PutKeyPolicy", KeyId="k1", Policy=ANY)

    def test_never_called(self, calls: CallList) -> None:
        assert failure(assert_called, calls, "GetKeyPolicy", KeyId="k1") == (
            "Expected GetKeyPolicy(KeyId='k1') to be called, but GetKeyPolicy was never called.\n"
            + LOG
        )

    def test_called_with_other_parameters(self, calls: CallList) -> None:
        assert failure(assert_called, calls, "PutKeyPolicy", KeyId="k3") == (
            "Expected PutKeyPolicy(KeyId='k3') to be called, "
            "but no PutKeyPolicy call had those parameters.\n"
            "PutKeyPolicy was called with other parameters (3 calls):\n"
            "  call 2: params['KeyId']: expected 'k3' but was 'k1'\n"
            "  call 3: params['KeyId']: expected 'k3' but was 'k2'\n"
            "  call 4: params['KeyId']: expected 'k3' but was 'k2'\n" + LOG
        )

    def test_nothing_recorded(self) -> None:
        assert failure(assert_called, CallList(), "CreateKey") == (
            "Expected CreateKey to be called, but CreateKey was never called.\n"
            "No KMS calls were recorded."
        )

    def test_many_near_misses_are_capped(self) -> None:
        log = CallList(make_call("DescribeKey", KeyId=f"k{i}") for i in range(1, 8))
        message = failure(assert_called, log, "DescribeKey", KeyId="other")
        assert "DescribeKey was called with other parameters (7 calls):" in message
        assert "  call 5: params['KeyId']: expected 'other' but was 'k5'\n" in message
        assert "  call 6:" not in message
        assert (
            "  call 5: params['KeyId']: expected 'other' but was 'k5'\n  … and 2 more\n" in message
        )

    def test_works_on_a_plain_list(self, calls: CallList) -> None:
        assert_called(list(calls), "CreateKey")  # type: ignore[arg-type]

    def test_hides_its_frame(self) -> None:
        for helper in (assert_called, assert_called_once, assert_not_called, assert_call_count):
            assert "__tracebackhide__" in helper.__code__.co_varnames


class TestAssertCalledOnce:
    def test_passes(self, calls: CallList) -> None:
        assert_called_once(calls, "CreateKey")
        assert_called_once(calls, "PutKeyPolicy", KeyId="k1")

    def test_called_more_than_once(self, calls: CallList) -> None:
        assert failure(assert_called_once, calls, "PutKeyPolicy", KeyId="k2") == (
            "Expected PutKeyPolicy(KeyId='k2') to be called once, but it was called 2 times.\n"
            "Matched: calls 3 and 4.\n" + RETRY_NOTE + LOG
        )

    def test_never_called(self, calls: CallList) -> None:
        assert failure(assert_called_once, calls, "Decrypt") == (
            "Expected Decrypt to be called once, but Decrypt was never called.\n" + LOG
        )

    def test_called_with_other_parameters(self, calls: CallList) -> None:
        message = failure(assert_called_once, calls, "PutKeyPolicy", Policy="{ }")
        assert message.startswith(
            "Expected PutKeyPolicy(Policy='{ }') to be called once, "
            "but no PutKeyPolicy call had those parameters.\n"
            "PutKeyPolicy was called with other parameters (3 calls):\n"
            "  call 2: params['Policy']: expected '{ }' but was '{}'\n"
        )


class TestAssertNotCalled:
    def test_passes(self, calls: CallList) -> None:
        assert_not_called(calls, "ScheduleKeyDeletion")
        assert_not_called(CallList(), "CreateKey")

    def test_fails(self, calls: CallList) -> None:
        assert failure(assert_not_called, calls, "PutKeyPolicy") == (
            "Expected PutKeyPolicy not to be called, but it was called 3 times.\n"
            "Matched: calls 2, 3 and 4.\n" + RETRY_NOTE + LOG
        )

    def test_fails_once(self, calls: CallList) -> None:
        assert failure(assert_not_called, calls, "CreateKey").startswith(
            "Expected CreateKey not to be called, but it was called once.\nMatched: call 1.\n"
        )


class TestAssertCallCount:
    def test_passes(self, calls: CallList) -> None:
        assert_call_count(calls, "PutKeyPolicy", 3)
        assert_call_count(calls, "CreateKey", 1)
        assert_call_count(calls, "Decrypt", 0)

    def test_too_few(self, calls: CallList) -> None:
        assert failure(assert_call_count, calls, "CreateKey", 2) == (
            "Expected CreateKey to be called 2 times, but it was called once.\n"
            "Matched: call 1.\n" + LOG
        )

    def test_too_many_with_retries(self, calls: CallList) -> None:
        assert failure(assert_call_count, calls, "PutKeyPolicy", 2) == (
            "Expected PutKeyPolicy to be called 2 times, but it was called 3 times.\n"
            "Matched: calls 2, 3 and 4.\n" + RETRY_NOTE + LOG
        )

    def test_none_at_all(self) -> None:
        assert failure(assert_call_count, CallList(), "CreateKey", 1) == (
            "Expected CreateKey to be called once, but it was called 0 times.\n"
            "No KMS calls were recorded."
        )

    @pytest.mark.parametrize(
        ("n", "error", "message"),
        [
            (-1, ValueError, r"cannot be negative \(-1\)"),
            (True, TypeError, "must be an int, not True"),
            ("2", TypeError, "must be an int, not '2'"),
        ],
    )
    def test_bad_counts_are_usage_errors(
        self, calls: CallList, n: Any, error: type[Exception], message: str
    ) -> None:
        with pytest.raises(error, match=message):
            assert_call_count(calls, "CreateKey", n)


class TestUsageErrors:
    @pytest.mark.parametrize(
        "helper", [assert_called, assert_called_once, assert_not_called], ids=lambda h: h.__name__
    )
    def test_boto3_method_names_are_refused(self, calls: CallList, helper: Any) -> None:
        with pytest.raises(ValueError, match=r"'put_key_policy' is not a KMS operation name"):
            helper(calls, "put_key_policy")

    def test_snake_case_members_are_refused(self, calls: CallList) -> None:
        with pytest.raises(ValueError, match=r"key_id=\.\.\. is not a KMS request member"):
            assert_called(calls, "PutKeyPolicy", key_id="k1")
        with pytest.raises(ValueError, match="policy_name"):
            assert_called_once(calls, "PutKeyPolicy", policy_name="default")


def test_helpers_work_under_python_dash_o(tmp_path: Any) -> None:
    """No bare assert anywhere: the helpers still fail when assertions are compiled out."""
    script = tmp_path / "check.py"
    script.write_text(
        textwrap.dedent(
            """
            from datetime import datetime, timezone
            from pytest_fakekms.assertions import assert_called, assert_call_count
            from pytest_fakekms.recorder import CallList
            for check in (lambda: assert_called(CallList(), "CreateKey"),
                          lambda: assert_call_count(CallList(), "CreateKey", 1),
                          lambda: CallList().one("CreateKey"),
                          lambda: CallList().last):
                try:
                    check()
                except AssertionError:
                    pass
                else:
                    raise SystemExit("no AssertionError under -O")
            print("ok")
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-O", str(script)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout.strip()) == (0, "ok"), result.stderr
