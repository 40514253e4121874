"""When the virtual clock next has something to do for each key: a heap by date.

A key's dates (its DeletionDate, its NextRotationDate while automatic rotation is on,
the ValidTo of imported material) are read from the key itself
(``KeyRecord.next_clock_date``); the schedule only remembers, for each key, the
earliest of them it was told about, so that an advance touches the keys that are due
and nothing else. A retried botocore call advances the clock by its back-off, so an
advance must not cost anything per key that has nothing due: with a visit per dated
key, 10,000 keys with automatic rotation made each advance 9.6-11.4 ms (issue #8,
second scaling audit).

Three rules keep it exact without a hook on every change of a date:

* :meth:`DueSchedule.watch` is called whenever a key gets a date or an earlier one
  (the backend's callers already do so); a later date needs no call, because the
  key's entry then comes due early, finds nothing to do, and is put back at the
  key's real next date (:meth:`DueSchedule.settle`).
* A key watched again keeps one live entry: the earlier one. Superseded entries
  stay in the heap until their date and are skipped then.
* A key with a date that has passed but whose event cannot happen yet (automatic
  rotation of a key that is not Enabled: it resumes when the key is enabled again)
  is *blocked*: it is handed out on every advance until its date moves on or goes.
  Those are the only keys an advance visits without their date coming.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_fakekms.domain.keys import KeyRecord

#: (date, sequence, key): the sequence orders keys of one date and is never equal, so
#: keys are never compared.
_Entry = tuple[dt.datetime, int, "KeyRecord"]


class DueSchedule:
    """The keys the clock can reach, ordered by their next date. Use under the backend's
    lock; keys are told apart by ``id()`` and held by strong references, so an id is
    never reused while the schedule knows it."""

    __slots__ = ("_blocked", "_heap", "_live", "_sequence")

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        #: id(record) -> the record's live heap entry (the same tuple: no copy per key).
        self._live: dict[int, _Entry] = {}
        self._blocked: dict[int, KeyRecord] = {}
        self._sequence = itertools.count()

    def watch(self, record: KeyRecord) -> None:
        """Schedule ``record`` at its next date, unless it is already scheduled at that
        date or earlier (or blocked: visited at every advance anyway)."""
        ident = id(record)
        when = record.next_clock_date()
        if when is None or ident in self._blocked:
            return
        live = self._live.get(ident)
        if live is not None and live[0] <= when:
            return
        entry = (when, next(self._sequence), record)
        heapq.heappush(self._heap, entry)
        self._live[ident] = entry

    def due(self, now: dt.datetime) -> list[KeyRecord]:
        """Take out and return the blocked keys and the keys whose date is ``now`` or
        before; hand each back to :meth:`settle` once its events are done."""
        records = list(self._blocked.values())
        self._blocked.clear()
        heap, live = self._heap, self._live
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            record = entry[2]
            if live.get(id(record)) is entry:  # else superseded by an earlier one
                del live[id(record)]
                records.append(record)
        return records

    def settle(self, record: KeyRecord, now: dt.datetime) -> None:
        """Put back a key :meth:`due` handed out (and that still exists): at its next
        date, blocked if that date has passed, or not at all if it has none."""
        when = record.next_clock_date()
        if when is None:
            return
        if when <= now:
            self._blocked[id(record)] = record
        else:
            self.watch(record)
