"""Virtual time: every timestamp the fake produces comes from a :class:`VirtualClock`.

The clock starts at the wall-clock time the fake was created and then moves only
when a test advances it (or when botocore's retry back-off would have slept), so
tests that wait for a deletion window or a retry never wait in wall time.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

UTC = dt.timezone.utc


class VirtualClock:
    """A thread-safe clock that moves only when told to."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime.now(UTC)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[dt.datetime], None]] = []

    def now(self) -> dt.datetime:
        """The current virtual time (UTC, tz-aware)."""
        return self._now

    def advance(self, delta: float | dt.timedelta) -> dt.datetime:
        """Move the clock forward by seconds or a timedelta; returns the new time."""
        step = delta if isinstance(delta, dt.timedelta) else dt.timedelta(seconds=delta)
        if step < dt.timedelta(0):
            raise ValueError(f"the virtual clock cannot go backwards (advance({delta!r}))")
        with self._lock:
            self._now += step
            now = self._now
        for listener in list(self._listeners):
            listener(now)
        return now

    def on_advance(self, listener: Callable[[dt.datetime], None]) -> None:
        """Call ``listener(now)`` after every advance (used for deletions coming due)."""
        self._listeners.append(listener)

    def __repr__(self) -> str:
        return f"VirtualClock({self._now.isoformat()})"
