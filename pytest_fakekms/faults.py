"""Planned faults: "the next N matching requests fail with this error".

A :class:`Fault` is checked after model validation and before the backend runs,
so a faulted request changes no state. Its status and default message come from
the error catalogue (:mod:`pytest_fakekms.errors`), so botocore retries exactly
what it would retry against AWS (kms-facts §5.4). Whether the error is one the
operation may raise is checked against botocore's model by
:mod:`pytest_fakekms.fault_rules`; this module only checks the numbers.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from pytest_fakekms import errors
from pytest_fakekms.errors import KMSError

#: The optional arguments of a fault with their defaults, in signature order.
FAULT_DEFAULTS: tuple[tuple[str, object], ...] = (
    ("times", 1),
    ("after", 0),
    ("message", None),
    ("key_id", None),
    ("latency", 0.0),
)


@dataclasses.dataclass(eq=False)
class Fault:
    """One planned fault; ``triggered`` counts the requests it failed."""

    operation: str
    error: str
    times: int | None = 1
    after: int = 0
    message: str | None = None
    key_id: str | None = None
    latency: float = 0.0
    source: str = "inject_fault"  # "marker" for faults planned by @pytest.mark.kms_fault
    triggered: int = 0
    seen: int = 0
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        problem = _argument_problem(self)
        if problem is not None:
            raise ValueError(problem)

    def describe(self) -> str:
        """The fault as the marker that would plan it."""
        extras = "".join(
            f", {name}={getattr(self, name)!r}"
            for name, default in FAULT_DEFAULTS
            if getattr(self, name) != default
        )
        return f"kms_fault({self.operation!r}, {self.error!r}{extras})"

    def check(self, operation: str, names_key: Callable[[str], bool]) -> KMSError | None:
        """The error for this request if the fault fires on it, else None."""
        if operation != self.operation:
            return None
        if self.key_id is not None and not names_key(self.key_id):
            return None
        with self._lock:
            self.seen += 1
            if self.seen <= self.after:
                return None
            if self.times is not None and self.triggered >= self.times:
                return None
            self.triggered += 1
        message = self.message if self.message is not None else errors.default_message(self.error)
        return KMSError(self.error, message)

    def cancel(self) -> None:
        """Stop firing from now on (``triggered`` keeps its count)."""
        with self._lock:
            self.times = self.triggered

    @property
    def exhausted(self) -> bool:
        """True when the fault will not fire again."""
        return self.times is not None and self.triggered >= self.times


def _argument_problem(fault: Fault) -> str | None:
    """What is wrong with the fault's arguments, as a sentence, or None."""
    for name in ("operation", "error"):
        if not isinstance(getattr(fault, name), str):
            return f"{name} must be a string, not {getattr(fault, name)!r}"
    if fault.times is not None and not _is_count(fault.times):
        return f"times must be a whole number >= 0, or None for every request; got {fault.times!r}"
    if not _is_count(fault.after):
        return f"after must be a whole number >= 0; got {fault.after!r}"
    if not _is_number(fault.latency) or fault.latency < 0:
        return f"latency must be a number of virtual seconds >= 0; got {fault.latency!r}"
    for name in ("message", "key_id"):
        value = getattr(fault, name)
        if value is not None and not isinstance(value, str):
            return f"{name} must be a string or None; got {value!r}"
    return None


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
