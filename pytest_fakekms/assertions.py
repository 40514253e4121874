"""Assertion helpers over a :class:`~pytest_fakekms.recorder.CallList`.

``FakeKMS.assert_called`` and its siblings delegate here. Each helper raises
``AssertionError`` explicitly (never a bare ``assert``), so it works under
``--assert=plain`` and ``python -O``, and hides its own frame from the traceback.
A failure message says what was expected and what happened, shows how the
nearest calls differ when the operation was called with other parameters, and
ends with every KMS call recorded, numbered, with its outcome.

Every recorded attempt counts as a call: a request botocore retried twice is
three calls (the message points this out when it matters).

Mistakes in using a helper (``"put_key_policy"``, ``key_id=...``, a negative
count) raise ``TypeError``/``ValueError`` at once rather than a failed assertion.
"""

from __future__ import annotations

from typing import Any

from pytest_fakekms.matching import check_member_names, check_operation_name
from pytest_fakekms.recorder import CallList, describe_expectation, explain_failure

__all__ = [
    "assert_call_count",
    "assert_called",
    "assert_called_once",
    "assert_not_called",
]


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _as_call_list(calls: CallList) -> CallList:
    return calls if isinstance(calls, CallList) else CallList(calls)


def _not_matched(calls: CallList, operation: str) -> str:
    if not calls.filter(operation):
        return f"{operation} was never called"
    return f"no {operation} call had those parameters"


def assert_called(calls: CallList, operation: str, **params: Any) -> None:
    """Assert that ``operation`` was called at least once with ``params`` (a subset)."""
    __tracebackhide__ = True
    check_operation_name(operation)
    check_member_names(params)
    calls = _as_call_list(calls)
    if calls.filter(operation, **params):
        return
    wanted = describe_expectation(operation, params)
    headline = f"Expected {wanted} to be called, but {_not_matched(calls, operation)}."
    raise AssertionError(explain_failure(headline, calls, operation, params))


def assert_called_once(calls: CallList, operation: str, **params: Any) -> None:
    """Assert that exactly one call of ``operation`` matched ``params``."""
    __tracebackhide__ = True
    check_operation_name(operation)
    check_member_names(params)
    calls = _as_call_list(calls)
    count = len(calls.filter(operation, **params))
    if count == 1:
        return
    wanted = describe_expectation(operation, params)
    happened = f"it was called {_times(count)}" if count else _not_matched(calls, operation)
    headline = f"Expected {wanted} to be called once, but {happened}."
    raise AssertionError(explain_failure(headline, calls, operation, params))


def assert_not_called(calls: CallList, operation: str) -> None:
    """Assert that ``operation`` was never called (no attempt of it reached the fake)."""
    __tracebackhide__ = True
    check_operation_name(operation)
    calls = _as_call_list(calls)
    count = len(calls.filter(operation))
    if count == 0:
        return
    headline = f"Expected {operation} not to be called, but it was called {_times(count)}."
    raise AssertionError(explain_failure(headline, calls, operation, {}))


def assert_call_count(calls: CallList, operation: str, n: int) -> None:
    """Assert that ``operation`` was called exactly ``n`` times (every attempt counts)."""
    __tracebackhide__ = True
    check_operation_name(operation)
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"the expected call count must be an int, not {n!r}")
    if n < 0:
        raise ValueError(f"the expected call count cannot be negative ({n})")
    calls = _as_call_list(calls)
    count = len(calls.filter(operation))
    if count == n:
        return
    headline = f"Expected {operation} to be called {_times(n)}, but it was called {_times(count)}."
    raise AssertionError(explain_failure(headline, calls, operation, {}))
