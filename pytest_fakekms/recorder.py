"""Recorded KMS calls: immutable :class:`Call` values in a read-only, list-like log.

Every request that reaches the fake becomes one :class:`Call` (failed requests and
each retry attempt included) in a :class:`CallRecorder`: recorded as the tuple of its
fields, and made a ``Call`` when a test first reads it. Tests read the log as a
:class:`CallList`: a snapshot that supports ``len``, indexing, slicing, iteration,
``filter`` and the singular getters ``last`` and ``one``.

A call's ``params`` and ``response`` are deep-frozen when first read: mappings
become :class:`FrozenDict` and lists :class:`FrozenList`. Both compare equal to
plain dicts and lists (so ``call.params == {...}`` and pytest's diffs work as
usual) but refuse every mutation with a ``TypeError``, so a test cannot rewrite
history by accident. :func:`thaw` gives back plain, mutable copies.

Taking a snapshot is O(1): the recorder only ever appends to its list (and
``clear`` swaps in a new one), so a snapshot is the list plus its length then.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import islice
from typing import Any, NoReturn, SupportsIndex, cast, overload

from pytest_fakekms.matching import (
    ANY,
    check_member_names,
    check_operation_name,
    describe_mismatch,
    matches,
)

__all__ = [
    "Call",
    "CallList",
    "CallRecorder",
    "FrozenDict",
    "FrozenList",
    "describe_expectation",
    "explain_failure",
    "format_call",
    "format_value",
    "freeze",
    "thaw",
]

#: Longest string shown whole in a summary; longer ones are cut with an ellipsis.
MAX_STRING = 60
#: ARNs get more room: the key id at their end is what tells two calls apart.
MAX_ARN = 120
#: Members of a mapping (or items of a list) shown in a summary before eliding.
MAX_ITEMS = 3
#: Calls listed in failure messages before the middle of the log is elided.
MAX_LISTED = 100
#: Near misses explained in failure messages.
MAX_NEAR_MISSES = 5


# --- read-only containers ------------------------------------------------------------


def _read_only(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(
        f"pytest-fakekms hands out recorded calls, policy history and key views read-only: "
        f"this {type(self).__name__} cannot be changed; "
        "make a mutable copy first with pytest_fakekms.recorder.thaw(value)"
    )


class FrozenDict(dict[str, Any]):
    """A dict that refuses mutation; nested values are frozen too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) == 1 and not kwargs and type(args[0]) is dict:
            source: dict[str, Any] = args[0]  # read only: no copy needed
        else:
            source = dict(*args, **kwargs)
        dict.__init__(self, zip(source, map(freeze, source.values()), strict=True))

    __setitem__ = _read_only
    __delitem__ = _read_only
    __ior__ = _read_only
    clear = _read_only
    pop = _read_only
    popitem = _read_only
    setdefault = _read_only
    update = _read_only

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return (FrozenDict, (dict(self),))


class FrozenList(list[Any]):
    """A list that refuses mutation; nested values are frozen too."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        list.__init__(self, map(freeze, items))

    __setitem__ = _read_only
    __delitem__ = _read_only
    __iadd__ = _read_only
    __imul__ = _read_only
    append = _read_only
    extend = _read_only
    insert = _read_only
    pop = _read_only
    remove = _read_only
    clear = _read_only
    sort = _read_only
    reverse = _read_only

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __copy__(self) -> FrozenList:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenList:
        return self

    def __reduce__(self) -> tuple[type[FrozenList], tuple[list[Any]]]:
        return (FrozenList, (list(self),))


_LAZY_FROZEN = frozenset({"params", "response"})


#: Types freeze() gives back as they are, found by one set look-up: nearly every value
#: of a policy or a call is one of them, and the isinstance() checks below (an ABC's
#: among them) cost about five times as much. With the two constructors above, a 30 KB
#: policy document freezes in 0.55 ms instead of 1.5.
_ATOMS = frozenset({str, int, float, bool, type(None), bytes})


def freeze(value: Any) -> Any:
    """Deep-freeze JSON-like data: mappings, lists/tuples and bytearrays become immutable."""
    if value.__class__ in _ATOMS:
        return value
    if isinstance(value, (FrozenDict, FrozenList)):
        return value
    if isinstance(value, Mapping):
        return FrozenDict(value)
    if isinstance(value, (list, tuple)):
        return FrozenList(value)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, set):
        return frozenset(value)
    return value


def thaw(value: Any) -> Any:
    """A plain, mutable deep copy of frozen data (dicts and lists all the way down)."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(item) for item in value]
    return value


# --- formatting --------------------------------------------------------------------


def _short_string(text: str) -> str:
    text = str.__str__(text)  # a str enum (KeyState) shows as its value
    if len(text) <= (MAX_ARN if text.startswith("arn:") else MAX_STRING):
        return repr(text)
    # Display only: a policy's newlines and indentation would drown the summary.
    text = " ".join(text.split())
    if len(text) <= MAX_STRING:
        return repr(text)
    quoted = repr(text[: MAX_STRING - 1])
    return f"{quoted[:-1]}…{quoted[-1]}"


def _elided(parts: list[str], total: int) -> str:
    if total > len(parts):
        parts.append(f"…(+{total - len(parts)})")
    return ", ".join(parts)


def format_value(value: Any) -> str:
    """A short, readable rendering of a request value: long strings cut, blobs as sizes."""
    if value is ANY:
        return "ANY"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, str):
        return _short_string(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        shown = [f"{k!r}: {format_value(v)}" for k, v in islice(value.items(), MAX_ITEMS)]
        return "{" + _elided(shown, len(value)) + "}"
    if isinstance(value, (list, tuple)):
        shown = [format_value(item) for item in value[:MAX_ITEMS]]
        return "[" + _elided(shown, len(value)) + "]"
    text = repr(value)
    return text if len(text) <= MAX_STRING else text[: MAX_STRING - 1] + "…"


def _format_params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={format_value(value)}" for name, value in params.items())


def format_call(operation: str, params: Mapping[str, Any]) -> str:
    """``PutKeyPolicy(KeyId='…', PolicyName='default')``: an operation and its members."""
    return f"{operation}({_format_params(params)})"


def describe_expectation(operation: str | None, params: Mapping[str, Any]) -> str:
    """What a filter or assertion looks for, e.g. ``PutKeyPolicy(KeyId='k1')``."""
    if operation is None:
        return f"any operation with {_format_params(params)}" if params else "any operation"
    return format_call(operation, params) if params else operation


def _filter_expression(operation: str | None, params: Mapping[str, Any]) -> str:
    args = [repr(operation)] if operation is not None else []
    args += [f"{name}={format_value(value)}" for name, value in params.items()]
    return f"fake_kms.calls.filter({', '.join(args)})"


# --- one call ------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request that reached the fake, with its outcome; immutable."""

    operation: str
    params: Mapping[str, Any]
    response: Mapping[str, Any] | None
    error: str | None
    error_message: str | None
    http_status: int
    region: str
    account_id: str
    caller: str
    attempt: int
    at: datetime
    injected: bool
    backoff: float
    key_id: str | None = None
    transport: str = "in-process"

    @classmethod
    def _of(cls, fields: dict[str, Any]) -> Call:
        """The request path's constructor: ``fields`` names every field, in order.

        A frozen dataclass's ``__init__`` sets its 15 fields one ``object.__setattr__`` at a
        time (about 3 µs a call); this sets the instance dictionary once.
        """
        call = object.__new__(cls)
        object.__setattr__(call, "__dict__", fields)
        return call

    def __getattribute__(self, name: str) -> Any:
        # ``params`` and ``response`` are deep-frozen on first read, not on the request
        # path: recording stays cheap, and the dispatcher hands over fresh objects that
        # nothing else holds, so the log can never be changed behind a test's back.
        value = object.__getattribute__(self, name)
        if name in _LAZY_FROZEN and value is not None and not isinstance(value, FrozenDict):
            value = freeze(value)
            object.__setattr__(self, name, value)
        return value

    @property
    def succeeded(self) -> bool:
        """True when the request got a successful response (no error code)."""
        return self.error is None

    @property
    def outcome(self) -> str:
        """``ok``, or the error code and HTTP status: ``NotFoundException (400)``."""
        return "ok" if self.error is None else f"{self.error} ({self.http_status})"

    def summary(self) -> str:
        """One line: ``PutKeyPolicy(KeyId=…) -> MalformedPolicyDocumentException (400)``."""
        text = f"{format_call(self.operation, self.params)} -> {self.outcome}"
        tags = []
        if self.attempt > 1:
            tags.append(f"attempt {self.attempt}")
        if self.backoff > 0:
            tags.append(f"after {self.backoff:g}s back-off")
        if self.injected:
            tags.append("injected")
        if self.transport != "in-process":
            tags.append(f"via {self.transport}")
        return f"{text} [{', '.join(tags)}]" if tags else text


# --- the log as tests see it ---------------------------------------------------------


def _numbered(entries: Iterable[tuple[int, Call]]) -> list[str]:
    return [f"  {position}. {call.summary()}" for position, call in entries]


def _count(n: int, noun: str = "call") -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _positions(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return f"call {numbers[0]}"
    listed = ", ".join(str(n) for n in numbers[:-1])
    return f"calls {listed} and {numbers[-1]}"


#: A call as the request path records it: the values of :class:`Call`'s fields, in order.
CallFields = tuple[
    str, Mapping[str, Any], Mapping[str, Any] | None, str | None, str | None, int, str, str,
    str, int, datetime, bool, float, str | None, str,
]  # fmt: skip
_FIELD_NAMES = tuple(field.name for field in fields(Call))
#: Held while an entry recorded as fields becomes a :class:`Call` (on its first read only).
_MAKING_CALLS = threading.Lock()


def _as_call(entry: CallFields) -> Call:
    """The :class:`Call` of fields the request path recorded."""
    return Call._of(dict(zip(_FIELD_NAMES, entry, strict=True)))


class CallList(Sequence[Call]):
    """A read-only, list-like sequence of recorded :class:`Call` values, oldest first.

    A snapshot of the log views the recorder's own list, where the request path left
    each call as a tuple of its fields: an entry becomes a :class:`Call` when it is
    first read, in that list, so that reading a few calls out of 100,000 (a failing
    test's report) makes only those.
    """

    __slots__ = ("_items", "_length")

    def __init__(self, calls: Iterable[Call] = ()) -> None:
        self._items: Sequence[Call | CallFields] = tuple(calls)
        self._length = len(self._items)

    @classmethod
    def _view(cls, items: list[Call | CallFields], length: int) -> CallList:
        """The first ``length`` items of an append-only list, without copying them."""
        view = cls.__new__(cls)
        view._items = items
        view._length = length
        return view

    def _at(self, index: int) -> Call:
        """Item ``index``, made a :class:`Call` (once, in place) if it is still fields."""
        entry = self._items[index]
        if isinstance(entry, tuple):  # only in a view: its list is the recorder's
            with _MAKING_CALLS:
                entry = self._make(index)
        return entry

    def _make(self, index: int) -> Call:
        """Item ``index``, made a :class:`Call` in place if it is still fields; call it
        with ``_MAKING_CALLS`` held, so that threads (the HTTP server's, a test's) reading
        the same entry at once make one Call between them and all get that one."""
        entry = self._items[index]
        if isinstance(entry, tuple):
            entry = _as_call(entry)
            cast("list[Call | CallFields]", self._items)[index] = entry
        return entry

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: SupportsIndex) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> CallList: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Call | CallList:
        bounds = range(self._length)
        if isinstance(index, slice):
            return CallList(map(self._at, bounds[index]))
        try:
            return self._at(bounds[index])
        except IndexError:
            raise IndexError(f"CallList index out of range ({_count(self._length)})") from None

    def __iter__(self) -> Iterator[Call]:
        items, length = self._items, self._length
        # One scan in C finds whether any entry is still fields; iterating then makes them
        # all Calls, and the loop over them stays islice's (a generator doubled a filter).
        if tuple in map(type, islice(items, length)):
            with _MAKING_CALLS:  # once for the whole list, not per entry (~15 % of it)
                for index in range(length):
                    self._make(index)
        return cast("Iterator[Call]", islice(items, length))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (CallList, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<CallList of {_count(self._length)}: {', '.join(self.operations)}>"

    @property
    def operations(self) -> list[str]:
        """The operation names, in arrival order."""
        return [call.operation for call in self]

    @property
    def last(self) -> Call:
        """The most recent call; an AssertionError if the list is empty."""
        __tracebackhide__ = True
        if not self._length:
            raise AssertionError("There is no last KMS call: this list of recorded calls is empty.")
        return self._at(self._length - 1)

    def filter(self, operation: str | None = None, **params: Any) -> CallList:
        """The calls of ``operation`` (any, if None) whose params include ``params``."""
        _check_criteria(operation, params)
        return CallList(call for call in self if _is_match(call, operation, params))

    def one(self, operation: str | None = None, **params: Any) -> Call:
        """The only call matching, as in :meth:`filter`; else an AssertionError."""
        __tracebackhide__ = True
        _check_criteria(operation, params)
        found = self.filter(operation, **params)
        if len(found) == 1:
            return found[0]
        wanted = describe_expectation(operation, params)
        count = len(found) or "none"
        headline = f"Expected exactly one KMS call matching {wanted}, but {count} matched."
        advice = []
        if found:
            advice.append(
                f"Use {_filter_expression(operation, params)} to get all of them, "
                "or give more parameters to single one out."
            )
        raise AssertionError(explain_failure(headline, self, operation, params, advice=advice))

    def render(self, *, limit: int | None = None) -> str:
        """Every call numbered with its summary, one per line (the middle elided past ``limit``)."""
        if not self._length:
            return "  (no KMS calls were recorded)"
        if limit is None or self._length <= limit:
            return "\n".join(_numbered(enumerate(self, start=1)))
        # Only the calls shown are touched: a failing test may have made 100,000.
        head = max(limit // 2, 1)
        tail = max(limit - head, 1)
        omitted = self._length - head - tail
        lines = [*self._numbered_range(0, head), f"  … {_count(omitted)} omitted …"]
        return "\n".join(lines + self._numbered_range(self._length - tail, self._length))

    def _numbered_range(self, start: int, stop: int) -> list[str]:
        return _numbered((index + 1, self._at(index)) for index in range(start, stop))


def _check_criteria(operation: str | None, params: Mapping[str, Any]) -> None:
    if operation is not None:
        check_operation_name(operation)
    check_member_names(params)


def _matches(calls: CallList, operation: str | None, params: Mapping[str, Any]) -> list[int]:
    return [
        position
        for position, call in enumerate(calls, start=1)
        if _is_match(call, operation, params)
    ]


def _is_match(call: Call, operation: str | None, params: Mapping[str, Any]) -> bool:
    """Whether ``call`` is of ``operation`` (any, if None) and its params include ``params``.

    The params are matched as recorded, not frozen first: matching only reads them, and
    freezing every call of a 20,000-call log took most of a filter's 78 ms.
    """
    if operation is not None and call.operation != operation:
        return False
    return not params or matches(_unfrozen(call, "params"), params)


_unfrozen = object.__getattribute__  # Call's own __getattribute__ freezes params


def _retry_note(calls: CallList, positions: Sequence[int]) -> list[str]:
    retries = [position for position in positions if calls[position - 1].attempt > 1]
    if not retries:
        return []
    verb = "is a retry" if len(retries) == 1 else "are retries"
    return [
        f"Note: {_positions(retries)} {verb} (attempt > 1): every attempt botocore makes "
        "is recorded as a call. To count requests instead, keep the calls with attempt == 1."
    ]


def _near_misses(calls: CallList, operation: str | None, params: Mapping[str, Any]) -> list[str]:
    if not params:
        return []
    misses = [
        (position, call)
        for position, call in enumerate(calls, start=1)
        if operation is None or call.operation == operation
    ]
    if not misses:
        return []
    subject = f"{operation} was" if operation else "KMS was"
    lines = [f"{subject} called with other parameters ({_count(len(misses))}):"]
    for position, call in misses[:MAX_NEAR_MISSES]:
        lines.append(f"  call {position}: {describe_mismatch(call.params, params)}")
    if len(misses) > MAX_NEAR_MISSES:
        lines.append(f"  … and {len(misses) - MAX_NEAR_MISSES} more")
    return lines


def explain_failure(
    headline: str,
    calls: CallList,
    operation: str | None,
    params: Mapping[str, Any],
    *,
    advice: Sequence[str] = (),
) -> str:
    """A whole failure message: headline, matches or near misses, advice, then the call log."""
    lines = [headline]
    positions = _matches(calls, operation, params)
    if positions:
        lines.append(f"Matched: {_positions(positions)}.")
        lines += _retry_note(calls, positions)
    else:
        lines += _near_misses(calls, operation, params)
    lines += advice
    if calls:
        lines.append(f"KMS calls recorded ({len(calls)}):")
        lines.append(calls.render(limit=MAX_LISTED))
    else:
        lines.append("No KMS calls were recorded.")
    return "\n".join(lines)


# --- the writer's side ---------------------------------------------------------------


class CallRecorder:
    """A thread-safe log of calls (the HTTP server records from many threads): every
    call, or with ``limit`` only the most recent ``limit`` of them (0: none).

    The request path records a call as a tuple of its fields, which becomes a
    :class:`Call` when a test first reads it (:class:`CallList`): an object and a
    15-entry dictionary less per request, about 1 % of a call through boto3 (issue #8),
    and ~370 B less memory per call that is never read.
    """

    def __init__(self, limit: int | None = None) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call | CallFields] = []
        self._limit = limit

    def record(self, call: Call | CallFields) -> None:
        """Append one call, or its fields; O(1), no copying (amortized, with a limit)."""
        limit = self._limit
        if limit == 0:
            return
        with self._lock:
            calls = self._calls
            calls.append(call)
            if limit is not None and len(calls) >= 2 * limit:
                # A new list, as in clear(): snapshots view the old one. Trimming only at
                # twice the limit keeps each call's share of the copying constant.
                self._calls = calls[-limit:]

    @property
    def calls(self) -> CallList:
        """A snapshot of the calls recorded so far (later calls do not appear in it)."""
        with self._lock:
            calls, limit = self._calls, self._limit
            if limit is not None and len(calls) > limit:
                # Trimmed now rather than copied at every read, so that the log's entries
                # become Calls once (in the new list) and snapshots stay views.
                calls = self._calls = calls[-limit:]
            return CallList._view(calls, len(calls))

    def clear(self) -> None:
        """Forget every call; snapshots taken before keep their calls."""
        with self._lock:
            # A new list rather than list.clear(): existing snapshots view the old one.
            self._calls = []

    def __len__(self) -> int:
        count = len(self._calls)
        return count if self._limit is None else min(count, self._limit)
