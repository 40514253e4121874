"""Turning ``kms_fault`` markers into planned faults, and the checks around them.

A fault must name an operation of botocore's KMS model and an error that
operation declares (or ``ThrottlingException``, which AWS sends for any
operation: kms-facts §4.2); anything else is the test author's mistake, reported
before the test runs with the valid choices listed.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from pytest_fakekms.faults import Fault

if TYPE_CHECKING:
    import pytest

    from pytest_fakekms.fake import FakeKMS

ALWAYS_ALLOWED = frozenset({"ThrottlingException"})


def allowed_errors(operation: str) -> frozenset[str]:
    """The errors a fault on ``operation`` may inject."""
    from pytest_fakekms import model

    return model.declared_errors(operation) | ALWAYS_ALLOWED


def check_fault_error(operation: str, error: str) -> None:
    """Raise ValueError naming the problem and the valid choices."""
    from pytest_fakekms import model

    operations = model.operation_names()
    if operation not in operations:
        raise ValueError(
            f"kms_fault: unknown KMS operation {operation!r}; "
            f"valid operations: {', '.join(sorted(operations))}"
        )
    allowed = allowed_errors(operation)
    if error not in allowed:
        raise ValueError(
            f"kms_fault: {operation} cannot raise {error!r}; "
            f"errors {operation} declares: {', '.join(sorted(allowed))}"
        )


def _fault_from_mark(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Fault:
    def signature(
        operation: str,
        error: str,
        *,
        times: int | None = 1,
        after: int = 0,
        message: str | None = None,
        key_id: str | None = None,
        latency: float = 0.0,
    ) -> Fault:
        check_fault_error(operation, error)
        if times is not None and (not isinstance(times, int) or times < 0):
            raise ValueError(f"kms_fault: times must be a whole number >= 0 or None, not {times!r}")
        return Fault(operation, error, times, after, message, key_id, latency, source="marker")

    try:
        inspect.signature(signature).bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(
            f"kms_fault{_render(args, kwargs)}: {error}; usage: kms_fault(operation, error, *, "
            "times=1, after=0, message=None, key_id=None, latency=0.0)"
        ) from None
    return signature(*args, **kwargs)


def _render(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"({', '.join(parts)})"


def plan_marker_faults(fake: FakeKMS, item: pytest.Item) -> None:
    """Plan every ``kms_fault`` marker of the test (test, class and module level)."""
    marks = list(item.iter_markers("kms_fault"))
    for mark in reversed(marks):  # module first, then class, then the test's own
        fake._state.faults.append(_fault_from_mark(mark.args, dict(mark.kwargs)))


def unfired_fault_report(fake: FakeKMS) -> str | None:
    """The teardown failure text for marker faults that never fired, or None."""
    unfired = [f for f in fake.faults if f.source == "marker" and f.triggered == 0]
    if not unfired:
        return None
    seen = ", ".join(fake.calls.operations) or "none"
    lines = [f"Fault {f.describe()} fired 0 times." for f in unfired]
    lines.append(f"KMS calls seen: {seen}.")
    lines.append(
        "If this is on purpose, use @pytest.mark.fake_kms(assert_all_faults_triggered=False)."
    )
    return "\n".join(lines)
