"""How the benchmarks time things: batches, interleaved rounds, paired ratios.

Shared by ``bench.py`` (the goals of issue #8) and ``sweep.py`` (every operation).
A *batch* is ``n`` back-to-back calls made inside ``activate()`` after an untimed
set-up and one untimed warm-up call, timed after a ``gc.collect()``. Rounds run one
batch of every column, in an order that rotates from round to round, so drift and
noise on a busy machine hit every column alike; ratios are paired per round.
"""

from __future__ import annotations

import dataclasses
import gc
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from botocore.awsrequest import AWSResponse

Call = Callable[[], object]
Client = Any

CONTENT_TYPE = "application/x-amz-json-1.1"


def progress(message: str, *, tag: str = "bench") -> None:
    """Progress goes to stderr, so that stdout carries only the results."""
    print(f"[{tag}] {message}", file=sys.stderr, flush=True)


@dataclasses.dataclass
class Series:
    """Per-call times (seconds) of one column, one value per round."""

    values: list[float] = dataclasses.field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def min(self) -> float:
        return min(self.values)


def paired_ratio(numerator: Series, denominator: Series) -> float:
    """Median over rounds of the per-round ratio."""
    return statistics.median(
        a / b for a, b in zip(numerator.values, denominator.values, strict=True)
    )


def min_ratio(numerator: Series, denominator: Series) -> float:
    """Ratio of the best rounds."""
    return numerator.min / denominator.min


def interleave(columns: dict[str, Callable[[], float]], rounds: int) -> dict[str, Series]:
    """Run one batch of every column per round, rotating the order round by round."""
    names = list(columns)
    results = {name: Series() for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].values.append(columns[name]())
    return results


def timed_batch(activate: Callable[[], AbstractContextManager[Any]], prepare: Callable[[], Call],
                n: int) -> float:  # fmt: skip
    """Per-call seconds of ``n`` calls made inside ``activate()``, after an untimed set-up."""
    with activate():
        call = prepare()
        call()  # warm-up: one-off work (lazy material, first look-ups) is not counted
        gc.collect()
        start = time.perf_counter_ns()
        for _ in range(n):
            call()
        elapsed = time.perf_counter_ns() - start
    return elapsed / n / 1e9


def calibrate(activate: Callable[[], AbstractContextManager[Any]], prepare: Callable[[], Call],
              batch_seconds: float, max_batch: int) -> int:  # fmt: skip
    """Calls per batch so that a batch lasts about ``batch_seconds`` (at most ``max_batch``)."""
    single = min(timed_batch(activate, prepare, 1) for _ in range(3))
    return max(1, min(max_batch, round(batch_seconds / max(single, 1e-9))))


class RawBody:
    """The raw body object an ``AWSResponse`` streams its content from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def canned_response(url: str, body: bytes, status: int = 200) -> AWSResponse:
    """What a floor's ``before-send`` handler returns: ``body`` as KMS would send it."""
    headers = {
        "x-amzn-RequestId": "7d2c6a52-3c3f-4a5e-9b1e-6f0c1f1b2a3c",
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(len(body)),
    }
    # A plain dict, as the interceptor passes: botocore only reads it.
    return AWSResponse(url, status, headers, RawBody(body))  # type: ignore[arg-type]
