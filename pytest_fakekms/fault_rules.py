"""From markers to plans: ``kms_fault``, ``kms_throttle``, ``kms_eventual_consistency``.

Each marker is read by one pure function into a plain value (a :class:`Fault`,
a throttle rule, a number of seconds) and checked at once, so a mistake by the
test author is reported before the test body runs, naming the marker, the
problem and the valid choices. A fault must name an operation of botocore's KMS
model and an error that operation declares (or ``ThrottlingException``, which AWS
sends for any operation: kms-facts §4.2).

The teardown check lives here too: a ``kms_fault`` marker that never fired
usually means the test did not test what it meant to.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pytest_fakekms.faults import Fault

if TYPE_CHECKING:
    import pytest

    from pytest_fakekms.fake import FakeKMS

ALWAYS_ALLOWED = frozenset({"ThrottlingException"})

FAULT_USAGE = (
    "kms_fault(operation, error, *, times=1, after=0, message=None, key_id=None, latency=0.0)"
)
THROTTLE_USAGE = "kms_throttle(rate=None, operation=None)"
CONSISTENCY_USAGE = "kms_eventual_consistency(seconds=5.0)"

#: A throttle rule: (rate or None for AWS's quota, operation or None for all).
ThrottleRule = tuple[float | None, str | None]


# --- checks shared by the markers and the FakeKMS methods ------------------------------


def allowed_errors(operation: str) -> frozenset[str]:
    """The errors a fault on ``operation`` may inject."""
    from pytest_fakekms import model

    return model.declared_errors(operation) | ALWAYS_ALLOWED


def check_operation(operation: object) -> None:
    """Raise ValueError unless ``operation`` names an operation of botocore's KMS model."""
    from pytest_fakekms import model

    operations = model.operation_names()
    if operation not in operations:
        raise ValueError(
            f"unknown KMS operation {operation!r}; "
            f"valid operations: {', '.join(sorted(operations))}"
        )


def check_fault_error(operation: str, error: str) -> None:
    """Raise ValueError naming the problem and the valid choices."""
    check_operation(operation)
    allowed = allowed_errors(operation)
    if error not in allowed:
        raise ValueError(
            f"{operation} cannot raise {error!r}; errors {operation} can raise "
            f"(declared in botocore's model, plus ThrottlingException): "
            f"{', '.join(sorted(allowed))}"
        )


def check_fault_key(operation: str, key_id: str | None) -> None:
    """Raise ValueError when ``key_id`` is given for an operation whose requests name no key."""
    from pytest_fakekms import model
    from pytest_fakekms.consistency import KEY_MEMBERS

    if key_id is None:
        return
    if not set(KEY_MEMBERS) & model.input_member_names(operation):
        raise ValueError(
            f"{operation} requests name no key ({', '.join(KEY_MEMBERS)}), "
            f"so key_id={key_id!r} could never match; drop key_id or pick another operation"
        )


def new_fault(operation: str, error: str, *, source: str = "inject_fault", **options: Any) -> Fault:
    """A checked :class:`Fault` (ValueError for anything AWS could not answer)."""
    fault = Fault(operation, error, source=source, **options)
    check_fault_error(operation, error)
    check_fault_key(operation, fault.key_id)
    return fault


def check_throttle_rule(rate: object, operation: object) -> None:
    """Raise ValueError for a rate or operation ``kms_throttle`` cannot apply."""
    from pytest_fakekms.domain.quotas import REQUESTS_PER_SECOND

    if rate is not None and (
        not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate < 0
    ):
        raise ValueError(
            f"rate must be a number of requests per second >= 0 "
            f"(0 throttles every request), or None for AWS's quota; got {rate!r}"
        )
    if operation is None:
        return
    check_operation(operation)
    if rate is None and operation not in REQUESTS_PER_SECOND:
        raise ValueError(
            f"AWS publishes no request quota for {operation}; give a rate, "
            f"e.g. kms_throttle(rate=5, operation={operation!r})"
        )


# --- markers -> plans (pure) -------------------------------------------------------------


def _bind(
    mark: pytest.Mark, signature: Callable[..., Any] | inspect.Signature, usage: str
) -> inspect.BoundArguments:
    """The mark's arguments bound to ``signature``, or a TypeError showing the usage."""
    if not isinstance(signature, inspect.Signature):
        signature = inspect.signature(signature)
    try:
        bound = signature.bind(*mark.args, **mark.kwargs)
    except TypeError as error:
        raise TypeError(f"{_render(mark)}: {error}; usage: @pytest.mark.{usage}") from None
    bound.apply_defaults()
    return bound


def _render(mark: pytest.Mark) -> str:
    parts = [repr(a) for a in mark.args] + [f"{k}={v!r}" for k, v in mark.kwargs.items()]
    return f"@pytest.mark.{mark.name}({', '.join(parts)})"


def _throttle_signature(rate: float | None = None, operation: str | None = None) -> None:
    """The signature of ``kms_throttle`` (bound, never called)."""


def _consistency_signature(seconds: float = 5.0) -> None:
    """The signature of ``kms_eventual_consistency`` (bound, never called)."""


def fault_from_mark(mark: pytest.Mark) -> Fault:
    """The fault one ``kms_fault`` marker plans (TypeError/ValueError for a bad marker)."""
    from pytest_fakekms.fake import FakeKMS

    # The marker takes exactly inject_fault's arguments (api.md §4): bind to that one
    # signature rather than a copy of it.
    method = inspect.signature(FakeKMS.inject_fault)
    signature = method.replace(parameters=list(method.parameters.values())[1:])  # no self
    arguments = dict(_bind(mark, signature, FAULT_USAGE).arguments)
    try:
        return new_fault(source="marker", **arguments)
    except ValueError as error:
        raise ValueError(f"{_render(mark)}: {error}") from None


def _outermost_first(item: pytest.Item, name: str) -> list[pytest.Mark]:
    """The item's marks named ``name``: module, then class, then the test's, top-down."""
    return list(reversed(list(item.iter_markers(name))))


def evaluate_fault_marks(item: pytest.Item) -> tuple[Fault, ...]:
    """Every ``kms_fault`` of the test in planning order (module, class, test; top-down)."""
    return tuple(fault_from_mark(mark) for mark in _outermost_first(item, "kms_fault"))


def evaluate_throttle_marks(item: pytest.Item) -> tuple[ThrottleRule, ...]:
    """Every ``kms_throttle`` rule of the test, outermost first (closer rules win)."""
    rules = []
    for mark in _outermost_first(item, "kms_throttle"):
        arguments = _bind(mark, _throttle_signature, THROTTLE_USAGE).arguments
        rate, operation = arguments["rate"], arguments["operation"]
        try:
            check_throttle_rule(rate, operation)
        except ValueError as error:
            raise ValueError(f"{_render(mark)}: {error}") from None
        rules.append((rate, operation))
    return tuple(rules)


def evaluate_consistency_mark(item: pytest.Item) -> float | None:
    """The seconds of the closest ``kms_eventual_consistency`` marker, or None without one."""
    mark = item.get_closest_marker("kms_eventual_consistency")
    if mark is None:
        return None
    seconds = _bind(mark, _consistency_signature, CONSISTENCY_USAGE).arguments["seconds"]
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        raise ValueError(
            f"{_render(mark)}: seconds must be a number of virtual seconds >= 0; got {seconds!r}"
        )
    return float(seconds)


def apply_markers(fake: FakeKMS, item: pytest.Item) -> None:
    """Plan the test's faults and turn on the simulations its markers ask for."""
    faults = evaluate_fault_marks(item)
    rules = evaluate_throttle_marks(item)
    seconds = evaluate_consistency_mark(item)
    fake._state.faults.extend(faults)
    for rate, operation in rules:
        fake.throttle(rate=rate, operation=operation)
    if seconds is not None:
        fake.eventual_consistency(seconds)


# --- the check after the test ----------------------------------------------------------------


def unfired_fault_report(fake: FakeKMS) -> str | None:
    """The failure text for marker faults that never fired, or None."""
    unfired = [f for f in fake.faults if f.source == "marker" and f.triggered == 0]
    if not unfired:
        return None
    lines = [f"Fault {f.describe()} fired 0 times{_why(f)}." for f in unfired]
    lines.append(f"KMS calls seen: {', '.join(fake.calls.operations) or 'none'}.")
    lines.append(
        "If this is on purpose, use @pytest.mark.fake_kms(assert_all_faults_triggered=False)."
    )
    return "\n".join(lines)


def _why(fault: Fault) -> str:
    """Why a fault that saw matching requests let them all through."""
    if not fault.seen:
        return ""
    requests = "request" if fault.seen == 1 else "requests"
    return f" ({fault.seen} matching {requests} seen, none failed)"
