"""Where the fake's time and memory go: cProfile and tracemalloc over its hot paths.

Usage::

    python benchmarks/profile_fake.py [--calls N] [--output benchmarks/profile.txt]

Each scenario runs boto3 calls (or seeding helpers) against an active ``FakeKMS``
under ``cProfile`` and prints, restricted to functions in ``pytest_fakekms``, the
top 25 by cumulative time and the top 25 by own time (``tottime``), after a line
that says how much of each call the fake's ``Dispatcher.handle`` accounts for (the
rest is botocore's pipeline, which the benchmark's floor measures). cProfile adds
overhead per Python call, so read shares and rankings, not absolute times.

A breakdown section times the steps of ``Dispatcher.handle`` one by one without
the profiler (best of 5 repeats): it replays a request captured from botocore
straight into the dispatcher, then runs decode, model validation, the operation,
encoding and recording separately. It reaches into the dispatcher's internals
(read-only) and so may need updating when they change.

Another section times the same steps in place, inside real boto3 calls for every
operation the benchmark times (each step is wrapped with a timer while the batch
runs), where they cost two to three times as much as in a tight loop.

The "warm and cold" section replays each case's requests straight into
``Dispatcher.handle``, back to back and with one botocore call before each: that
call alone about doubles the fake's time (the CPU's caches), which is why the in
place steps cost more. It ends with a control, integer arithmetic in generated
functions, which the same call barely slows: what goes cold is the data the fake
touches, not its bytecode.

A last section seeds keys under ``tracemalloc`` and lists the allocation sites
that hold the memory a key costs (grouped by file and line).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import gc
import io
import itertools
import json
import os
import pstats
import statistics
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders

from pytest_fakekms import FakeKMS, dispatch, protocol, validation
from pytest_fakekms.domain.identifiers import partition_for
from pytest_fakekms.operations.base import OPERATIONS, Context
from pytest_fakekms.policy.document import PolicyDocument, parse_policy
from pytest_fakekms.policy.evaluator import check_lockout, context_for, evaluate
from pytest_fakekms.policy.principals import validate_principals
from pytest_fakekms.policy.render import render_aws
from pytest_fakekms.recorder import freeze

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import (  # noqa: E402  (sibling module, path set above)
    CANNED_KEY_ID,
    CASES,
    FIRST_REQUEST_STEPS,
    FULL,
    LARGE_POLICIES,
    LARGE_POLICY,
    SMALL_POLICIES,
    SMALL_POLICY,
    FloorResponder,
    run_first_requests,
)
from shared import make_client  # noqa: E402
from timing import calibrate, interleave, timed_batch  # noqa: E402

TOP = 25
PACKAGE = "pytest_fakekms"


def _handle_share(stats: pstats.Stats, calls: int) -> str:
    """Cumulative time of ``Dispatcher.handle`` against the whole run, per call."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = max(cumulative for (_, _, _, cumulative, _) in table.values())
    handle = 0.0
    for (filename, _, name), (_, _, _, cumulative, _) in table.items():
        if name == "handle" and filename.endswith(os.path.join(PACKAGE, "dispatch.py")):
            handle = cumulative
    return (
        f"profiled: {total / calls * 1e6:,.0f} us per call, of which Dispatcher.handle "
        f"{handle / calls * 1e6:,.0f} us ({handle / total:.0%})"
    )


def profile(title: str, calls: int, setup: Callable[[], Callable[[], object]]) -> str:
    """Profile ``calls`` runs of the callable ``setup()`` returns; a printable report."""
    out = io.StringIO()
    with FakeKMS():
        call = setup()
        call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            call()
        profiler.disable()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"\n=== {title}: {calls} calls ===\n{_handle_share(stats, calls)}\n")
    out.write(f"\n--- top {TOP} by cumulative time, inside {PACKAGE} ---\n")
    stats.sort_stats("cumulative").print_stats(PACKAGE, TOP)
    out.write(f"\n--- top {TOP} by own time (tottime), inside {PACKAGE} ---\n")
    stats.sort_stats("tottime").print_stats(PACKAGE, TOP)
    return out.getvalue()


def _client() -> Any:
    return boto3.client("kms", region_name="us-east-1")


def describe_key() -> Callable[[], object]:
    client = _client()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    return lambda: client.describe_key(KeyId=key_id)


def put_key_policy(policies: Sequence[str]) -> Callable[[], Callable[[], object]]:
    """PutKeyPolicy cycling through ``policies`` (more than the parse cache holds)."""
    texts = itertools.cycle(policies)

    def setup() -> Callable[[], object]:
        client = _client()
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        return lambda: client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=next(texts))

    return setup


def profile_seeding(count: int) -> str:
    """``fake.create_key()`` (no botocore involved) under cProfile."""
    out = io.StringIO()
    fake = FakeKMS()
    fake.create_key()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        fake.create_key()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"\n=== fake.create_key() seeding: {count} keys ===\n")
    out.write(f"\n--- top {TOP} by cumulative time, inside {PACKAGE} ---\n")
    stats.sort_stats("cumulative").print_stats(PACKAGE, TOP)
    out.write(f"\n--- top {TOP} by own time (tottime), inside {PACKAGE} ---\n")
    stats.sort_stats("tottime").print_stats(PACKAGE, TOP)
    return out.getvalue()


def profile_list_page(keys: int, pages: int) -> str:
    """ListKeys pages deep into a large store (the Marker look-up and the page copy)."""
    out = io.StringIO()
    with FakeKMS() as fake:
        for _ in range(keys):
            fake.create_key()
        client = _client()
        # Markers are opaque: walk to the last full page and reuse the marker that led there.
        marker, page = None, client.list_keys(Limit=1000)
        while page.get("Truncated") and len(page["Keys"]) == 1000:
            marker = page["NextMarker"]
            page = client.list_keys(Limit=1000, Marker=marker)
        assert marker is not None, "need more than 1000 keys"
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(pages):
            client.list_keys(Limit=1000, Marker=marker)
        profiler.disable()
    stats = pstats.Stats(profiler, stream=out)
    out.write(
        f"\n=== ListKeys page (Limit 1000) near the end of {keys:,} keys: {pages} calls ===\n"
    )
    out.write(f"{_handle_share(stats, pages)}\n")
    out.write(f"\n--- top {TOP} by own time (tottime), inside {PACKAGE} ---\n")
    stats.sort_stats("tottime").print_stats(PACKAGE, TOP)
    return out.getvalue()


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def capture(call: Callable[[Any], object]) -> tuple[str, Any, bytes]:
    """The (url, headers, body) botocore would send for ``call(client)``; nothing is sent."""
    client = _client()
    captured: dict[str, Any] = {}

    def grab(request: Any, **_: Any) -> AWSResponse:
        captured.update(url=request.url, headers=request.headers, body=request.body)
        return AWSResponse(request.url, 200, HTTPHeaders(), _Raw(b"{}"))

    client.meta.events.register_first("before-send.kms", grab)
    with contextlib.suppress(Exception):
        call(client)
    body = captured["body"]
    return captured["url"], captured["headers"], body if isinstance(body, bytes) else body.encode()


def _best(function: Callable[[], object], number: int) -> float:
    """Seconds per call: the best of 5 repeats of ``number`` calls."""
    return min(timeit.repeat(function, number=number, repeat=5)) / number


def breakdown(title: str, call: Callable[[Any, str], object], number: int) -> str:
    """Each step of ``Dispatcher.handle`` timed on its own, for one captured request."""
    fake = FakeKMS()
    key_id = fake.create_key().key_id
    url, headers, body = capture(lambda client: call(client, key_id))
    dispatcher = fake._dispatcher
    state = fake._state
    request = protocol.decode(url, headers, body)
    operation = OPERATIONS[request.operation]
    params = validation.validate_request(request.operation, request.params)

    def context() -> Context:
        return Context(state, request.operation, fake.region, fake.account_id, fake.caller)

    def run_operation() -> dict[str, Any]:
        with state.backend.lock:
            return operation(context(), params)

    result = run_operation()
    ctx = context()

    def record() -> None:
        dispatcher._record(ctx, params, 1, result, None, 200, False, 0.0, "in-process")

    steps: list[tuple[str, Callable[[], object]]] = [
        ("Dispatcher.handle (all of it)", lambda: dispatcher.handle(url, headers, body)),
        ("  protocol.decode (headers, json.loads)", lambda: protocol.decode(url, headers, body)),
        (
            "  validation.validate_request",
            lambda: validation.validate_request(request.operation, request.params),
        ),
        (f"  operation {request.operation}", run_operation),
        ("  protocol.encode_result (never reused)", lambda: protocol.encode_result(result)),
        ("  _record (Call + freeze)", record),
    ]
    timings = [(name, _best(step, number)) for name, step in steps]
    total = timings[0][1]
    lines = [
        f"\n=== {title}: steps of Dispatcher.handle, unprofiled, best of 5 x {number} ===",
        f"{'us/call':>9} {'share':>6}  step",
    ]
    lines += [f"{t * 1e6:9.1f} {t / total:6.0%}  {name}" for name, t in timings]
    return "\n".join(lines) + "\n"


def policy_steps(title: str, policies: Sequence[str], number: int) -> str:
    """The steps of PutKeyPolicy's policy handling, each timed on its own."""
    texts = itertools.cycle(policies)
    text = policies[0]
    document = parse_policy(text)
    arn = f"arn:aws:kms:us-east-1:123456789012:key/{CANNED_KEY_ID}"
    caller = "arn:aws:iam::123456789012:role/fakekms-caller"
    now = dt.datetime.now(dt.timezone.utc)
    uncached = parse_policy.__wrapped__

    def validate(document: PolicyDocument) -> None:
        validate_principals(document, partition=partition_for("us-east-1"))

    def lockout(document: PolicyDocument) -> None:
        check_lockout(document, caller_arn=caller, key_arn=arn, region="us-east-1", now=now)

    def validate_afresh() -> None:
        document.principals_valid_in.clear()
        validate(document)

    def lockout_afresh() -> None:
        document.lockout_decisions.clear()
        lockout(document)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("parse_policy, cache miss (distinct texts)", lambda: uncached(next(texts))),
        ("parse_policy, cache hit (same text)", lambda: parse_policy(text)),
        ("validate_principals, a new document (its memo emptied first)", validate_afresh),
        ("validate_principals, the same document again", lambda: validate(document)),
        ("check_lockout, a new document (its memo emptied first)", lockout_afresh),
        ("check_lockout, the same document again", lambda: lockout(document)),
        (
            "evaluate (a kms:Decrypt request)",
            lambda: evaluate(
                document, context_for(caller, "kms:Decrypt", arn, region="us-east-1", now=now)
            ),
        ),
        (
            "render_aws (GetKeyPolicy text, on the first read after a put)",
            lambda: render_aws(document.value),
        ),
        ("freeze(document) (a history version, on its first read)", lambda: freeze(document.value)),
    ]
    lines = [
        f"\n=== PutKeyPolicy {title}: policy steps, unprofiled, best of 5 x {number} ===",
        f"{'us/call':>9}  step",
    ]
    lines += [f"{_best(step, number) * 1e6:9.1f}  {name}" for name, step in steps]
    return "\n".join(lines) + "\n"


def conditioned_policy(variant: int = 0) -> str:
    """~30 KB of the policy engine's harder case: 100 statements with two principals, four
    actions and a condition each (one in ten a Deny), then an admin statement."""
    account = "123456789012"
    statements: list[dict[str, object]] = [
        {
            "Sid": f"Statement {i}-{variant}",
            "Effect": "Deny" if i % 10 == 0 else "Allow",
            "Principal": {
                "AWS": [f"arn:aws:iam::{account}:role/app-{i}", f"arn:aws:iam::{account}:user/u{i}"]
            },
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.r{i}.amazonaws.com"}},
        }
        for i in range(100)
    ]
    statements.append(
        {
            "Sid": "Admin",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def first_requests(runs: int = 5) -> str:
    """One-off costs of a session's first fake and first requests, each run in a fresh
    interpreter (bytecode caching on, as in a user's virtualenv): bench.py's table."""
    medians = run_first_requests(runs)
    lines = [
        f"\n=== first requests of a session, fresh interpreters, median of {runs} runs ===",
        f"{'ms':>7}  step",
    ]
    lines += [
        f"{seconds * 1e3:7.1f}  {step}"
        for step, seconds in zip(FIRST_REQUEST_STEPS, medians, strict=True)
    ]
    return "\n".join(lines) + "\n"


def interceptor_overhead(rounds: int = 7) -> str:
    """DescribeKey: floor, the fake with ``Dispatcher.handle`` stubbed, and the real fake."""
    floor = FloorResponder()
    floor_client = make_client()
    floor.install(floor_client)
    body = floor.bodies["DescribeKey"]
    canned = protocol.WireResponse(
        200,
        {
            "x-amzn-RequestId": "r",
            "Content-Type": protocol.CONTENT_TYPE,
            "Content-Length": str(len(body)),
        },
        body,
    )
    stubbed = FakeKMS()
    setattr(stubbed._dispatcher, "handle", lambda *_, **__: canned)  # noqa: B010
    real = FakeKMS()
    key_id = real.create_key().key_id
    client = make_client()

    def floor_call() -> Callable[[], object]:
        return lambda: floor_client.describe_key(KeyId=CANNED_KEY_ID)

    def fake_call() -> Callable[[], object]:
        return lambda: client.describe_key(KeyId=key_id)

    columns: dict[str, Callable[[], float]] = {}
    for name, activate, prepare in (
        ("floor", contextlib.nullcontext, floor_call),
        ("fake, handle stubbed (interceptor only)", lambda: stubbed, fake_call),
        ("fake", lambda: real, fake_call),
    ):
        n = calibrate(activate, prepare, FULL.batch_seconds, FULL.max_batch)
        columns[name] = functools.partial(timed_batch, activate, prepare, n)
    series = interleave(columns, rounds)
    base = statistics.median(series["floor"].values)
    lines = [
        f"\n=== DescribeKey: where the fake's extra time goes ({rounds} interleaved rounds) ===",
        f"{'median us':>10} {'min us':>8} {'+us':>9}  column (+us: median over the floor)",
    ]
    for name, values in series.items():
        median = statistics.median(values.values)
        extra = (median - base) * 1e6
        lines.append(f"{median * 1e6:10.1f} {min(values.values) * 1e6:8.1f} {extra:+9.1f}  {name}")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def _step_timers(totals: dict[str, int]) -> Iterator[None]:
    """Add the nanoseconds spent in each step of ``Dispatcher.handle`` to ``totals``
    while the block runs, by wrapping the module attributes and table entries the
    dispatcher calls through (each wrapper adds well under a microsecond)."""

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0) + time.perf_counter_ns() - start

        return wrapper

    patches: list[tuple[Any, str, Any]] = [
        (protocol, "decode", "decode"),
        (validation, "validate_request", "validate"),
        (protocol, "result_body", "encode"),  # encode_result calls both by name
        (protocol, "success", "encode"),
        (dispatch.Dispatcher, "_record", "record"),
        (dispatch.Dispatcher, "handle", "handle"),
    ]
    saved_operations = dict(OPERATIONS)
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in patches]
    try:
        for owner, attr, name in patches:
            setattr(owner, attr, timed(name, getattr(owner, attr)))
        for operation, implementation in saved_operations.items():
            OPERATIONS[operation] = timed("operation", implementation)
        yield
    finally:
        for owner, attr, original in saved:
            setattr(owner, attr, original)
        OPERATIONS.update(saved_operations)


def in_place_steps(calls: int, batches: int = 7) -> str:
    """The steps of ``Dispatcher.handle`` timed inside real boto3 calls, between
    botocore's own work, for every operation the benchmark times: they cost two to
    three times what the tight-loop breakdown above shows."""
    columns = ["decode", "validate", "operation", "encode", "record", "handle"]
    lines = [
        f"\n=== Steps of Dispatcher.handle in place (inside boto3 calls), us per call, "
        f"median of {batches} batches of {calls} ===",
        f"{'':52}" + "".join(f"{c:>10}" for c in columns) + f"{'call':>10}",
    ]
    client = make_client()
    for case in CASES:
        per_batch: dict[str, list[float]] = {}
        for _ in range(batches):
            totals: dict[str, int] = {}
            with FakeKMS():
                call = case.prepare(client)
                call()
                gc.collect()
                with _step_timers(totals):
                    start = time.perf_counter_ns()
                    for _ in range(calls):
                        call()
                    totals["call"] = time.perf_counter_ns() - start
            for name, nanoseconds in totals.items():
                per_batch.setdefault(name, []).append(nanoseconds / calls / 1e3)
        row = "".join(
            f"{statistics.median(per_batch.get(c, [0.0])):10.1f}" for c in [*columns, "call"]
        )
        lines.append(f"{case.name[:52]:52}{row}")
    return "\n".join(lines) + "\n"


def warm_and_cold(calls: int, rounds: int = 5) -> str:
    """Why steps cost more in place: the same requests replayed straight into
    ``Dispatcher.handle``, back to back ("warm"), and with one untimed botocore call
    (DescribeKey answered by the floor) before each ("cold"). That one call pushes the
    fake's code and data out of the CPU caches, and the fake's time about doubles: the
    in-place figures above pay this on every request, and it is why fewer Python calls
    and objects on the request path count for more than the tight loop suggests.

    Each case's requests are captured from one real boto3 call, then replayed as they
    were (a PutKeyPolicy case thus sends the same text again)."""
    floor = FloorResponder()
    floor_client = make_client()
    floor.install(floor_client)

    def pollute() -> None:
        floor_client.describe_key(KeyId=CANNED_KEY_ID)

    lines = [
        f"\n=== Dispatcher.handle warm (back to back) and cold (after one botocore call), "
        f"us per request, median of {rounds} rounds of {calls} ===",
        f"{'':52}{'warm':>10}{'cold':>10}{'cold/warm':>11}",
    ]
    client = make_client()
    for case in CASES:
        with FakeKMS() as fake:
            call = case.prepare(client)
            captured: list[tuple[Any, ...]] = []
            dispatcher = fake._dispatcher
            real_handle = dispatcher.handle

            def capture(
                url: str,
                headers: Any,
                body: Any,
                captured: list[tuple[Any, ...]] = captured,
                real_handle: Callable[..., Any] = real_handle,
                **kwargs: Any,
            ) -> Any:
                captured.append((url, dict(headers), body))
                return real_handle(url, headers, body, **kwargs)

            setattr(dispatcher, "handle", capture)  # noqa: B010
            call()
            delattr(dispatcher, "handle")
        # Replayed with the fake stopped, so that the floor's client reaches the floor.
        replays = [functools.partial(real_handle, *request) for request in captured]
        warm, cold = _warm_and_cold(replays, pollute, calls, rounds)
        lines.append(f"{case.name[:52]:52}{warm:10.1f}{cold:10.1f}{cold / warm:10.2f}x")
    lines.append("control: integer arithmetic, 2,400 bytecodes a call, no objects made")
    for functions in (1, 200):
        warm, cold = _warm_and_cold([_arithmetic(functions)], pollute, calls, rounds)
        name = f"  in {functions} function{'s' if functions > 1 else ''}"
        lines.append(f"{name:52}{warm:10.1f}{cold:10.1f}{cold / warm:10.2f}x")
    return "\n".join(lines) + "\n"


def _warm_and_cold(
    replays: Sequence[Callable[[], object]], pollute: Callable[[], object], calls: int, rounds: int
) -> tuple[float, float]:
    """µs per replay, median over ``rounds``: back to back, and each after ``pollute()``."""
    for _ in range(calls):  # warm-up: the interpreter specializes what it runs often
        for replay in replays:
            pollute()
            replay()
    timings: dict[str, list[float]] = {"warm": [], "cold": []}
    for _ in range(rounds):
        for mode, before in (("warm", None), ("cold", pollute)):
            total = 0
            for _ in range(calls):
                for replay in replays:
                    if before is not None:
                        before()
                    start = time.perf_counter_ns()
                    replay()
                    total += time.perf_counter_ns() - start
            timings[mode].append(total / (calls * len(replays)) / 1e3)
    warm, cold = (statistics.median(timings[m]) for m in ("warm", "cold"))
    return warm, cold


def _arithmetic(functions: int, bytecodes: int = 2400) -> Callable[[], object]:
    """The control: ``bytecodes`` of integer arithmetic spread over ``functions``
    generated functions, touching no object but small ints. Cold, it costs about what
    it costs warm: the fake's penalty is in the data and C code it touches, not in
    how many bytecodes or Python functions it runs."""
    statements = "\n".join(f"    a = (a + {k}) ^ b" for k in range(bytecodes // functions // 4))
    source = [f"def f{f}(a, b):\n{statements}\n    return a" for f in range(functions)]
    calls = "\n".join(f"    a = f{f}(a, b)" for f in range(functions))
    source.append(f"def run():\n    a, b = 1, 3\n{calls}\n    return a")
    namespace: dict[str, Any] = {}
    exec(compile("\n\n".join(source), f"<control {functions}>", "exec"), namespace)
    return cast("Callable[[], object]", namespace["run"])


def _short(frame: tracemalloc.Frame) -> str:
    path = frame.filename
    marker = path.rfind(PACKAGE)
    return f"{path[marker:] if marker >= 0 else Path(path).name}:{frame.lineno}"


def _site(traceback: tracemalloc.Traceback) -> str:
    """The innermost frame inside the package, and the allocating line if elsewhere."""
    frames = list(traceback)  # oldest first
    innermost = frames[-1]
    for frame in reversed(frames):
        if PACKAGE in frame.filename:
            if frame is innermost:
                return _short(frame)
            return f"{_short(frame)} <- {_short(innermost)}"
    return _short(innermost)


def memory_sites(count: int, top: int = 15) -> str:
    """Where the memory of ``count`` seeded keys is allocated (tracemalloc, by line)."""
    fake = FakeKMS()
    fake.create_key()
    gc.collect()
    tracemalloc.start(5)
    before = tracemalloc.take_snapshot()
    for _ in range(count):
        fake.create_key()
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    diff = after.compare_to(before, "traceback")
    by_site: dict[str, list[int]] = {}
    for stat in diff:
        site = _site(stat.traceback)
        totals = by_site.setdefault(site, [0, 0])
        totals[0] += stat.size_diff
        totals[1] += stat.count_diff
    total = sum(size for size, _ in by_site.values())
    lines = [
        f"\n=== memory of {count:,} keys seeded with fake.create_key(): "
        f"{total / count:,.0f} B per key ===",
        "(site: the innermost pytest_fakekms line on the allocating stack; "
        "'<-' names the library line that allocated)",
        f"{'B/key':>8} {'blocks/key':>10}  site",
    ]
    ranked = sorted(by_site.items(), key=lambda item: -item[1][0])
    for site, (size, blocks) in ranked[:top]:
        lines.append(f"{size / count:8,.0f} {blocks / count:10.2f}  {site}")
    del fake
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile the fake's hot paths.")
    parser.add_argument("--calls", type=int, default=300, help="calls per boto3 scenario")
    parser.add_argument("--output", type=Path, default=HERE / "profile.txt")
    args = parser.parse_args(argv)
    os.environ.update(
        AWS_ACCESS_KEY_ID="AKIAFAKEKMSBENCHMARK",
        AWS_SECRET_ACCESS_KEY="fakekms-benchmark-secret",
        AWS_DEFAULT_REGION="us-east-1",
    )
    os.environ.pop("AWS_PROFILE", None)
    started = time.perf_counter()
    calls = args.calls
    sections = [
        f"policies: small {len(SMALL_POLICY)} B, large {len(LARGE_POLICY)} B "
        f"({len(json.loads(LARGE_POLICY)['Statement'])} statements)",
        breakdown("DescribeKey", lambda c, k: c.describe_key(KeyId=k), calls),
        breakdown(
            "PutKeyPolicy (small)",
            lambda c, k: c.put_key_policy(KeyId=k, PolicyName="default", Policy=SMALL_POLICY),
            calls,
        ),
        breakdown(
            "PutKeyPolicy (~30 KB)",
            lambda c, k: c.put_key_policy(KeyId=k, PolicyName="default", Policy=LARGE_POLICY),
            max(1, calls // 10),
        ),
        profile("DescribeKey", calls, describe_key),
        policy_steps("small", SMALL_POLICIES, calls),
        policy_steps("~30 KB", LARGE_POLICIES, max(1, calls // 10)),
        policy_steps(
            "~30 KB with a condition in every statement",
            [conditioned_policy(n) for n in range(10)],
            max(1, calls // 10),
        ),
        interceptor_overhead(),
        first_requests(),
        in_place_steps(max(1, calls // 3)),
        warm_and_cold(max(1, calls // 3)),
        profile("PutKeyPolicy (small, distinct texts)", calls, put_key_policy(SMALL_POLICIES)),
        profile(
            "PutKeyPolicy (~30 KB, 100 statements, distinct texts)",
            max(1, calls // 5),
            put_key_policy(LARGE_POLICIES),
        ),
        profile_seeding(calls * 10),
        profile_list_page(10_000, 20),
        memory_sites(10_000),
    ]
    report = "\n".join(sections)
    args.output.write_text(report, encoding="utf-8")
    print(report)
    print(f"[profile] done in {time.perf_counter() - started:.0f} s; wrote {args.output}",
          file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
