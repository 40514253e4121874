"""Planned faults: "the next N matching requests fail with this error".

A :class:`Fault` is checked before the backend runs, so a faulted request changes
no state. Its status and default message come from the error catalogue, so
botocore retries exactly what it would retry against AWS (kms-facts §5.4).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from pytest_fakekms import errors
from pytest_fakekms.errors import KMSError


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
        if self.times is not None and self.times < 0:
            raise ValueError(f"times must be >= 0 or None, not {self.times}")
        if self.after < 0:
            raise ValueError(f"after must be >= 0, not {self.after}")
        if self.latency < 0:
            raise ValueError(f"latency must be >= 0, not {self.latency}")

    def describe(self) -> str:
        """The fault as the marker that would plan it."""
        extras = "".join(
            f", {name}={getattr(self, name)!r}"
            for name, default in (("times", 1), ("after", 0), ("message", None),
                                  ("key_id", None), ("latency", 0.0))
            if getattr(self, name) != default
        )  # fmt: skip
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

    @property
    def exhausted(self) -> bool:
        """True when the fault will not fire again."""
        return self.times is not None and self.triggered >= self.times
