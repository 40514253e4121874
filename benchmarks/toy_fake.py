"""How much of the 1.15x allowance the least stateful fake would use: a toy beside the fake.

Usage::

    python benchmarks/toy_fake.py [--rounds 15] [--only PREFIX ...] [--output FILE]

The report is printed and written to ``benchmarks/toy_fake.md`` (or ``--output``).

The toy is botocore's floor (``bench.FloorResponder``, canned answers) plus, on every
request, the least work any in-process fake that keeps state and a call log does: it
reads the operation and the ``Authorization`` header, decodes the JSON body, looks
the ``KeyId`` up in a dict, encodes a small JSON answer, draws a random request id
(``uuid.uuid4``) and appends a tuple to a list. It validates nothing, refuses nothing,
keeps no key states, evaluates no policy and does no cryptography, so it is not a
KMS; it is the part of the fake's price that no design of a stateful fake escapes.

For each case of ``bench.py``, the floor, the fake and the toy run in the same
interleaved rounds (as ``bench.py`` times them); the report gives toy / floor, fake /
floor and fake / toy, each the median of per-round ratios. fake / toy is the price of
everything that makes the fake faithful, on top of the toy's.

In the cases with unavoidable work (``bench.WORK_CASES``: Sign, Encrypt + Decrypt, a new
30 KB policy), a fourth column, *toy + work*, is the toy that also does that work on
the body it decoded (``bench.WORK``: the signature, AES-GCM, the policy's
``json.loads``). (toy + work) / floor is the least a correct stateful fake can cost
there: what remains of the 1.15x allowance above it is all there is for validation,
key states, policies and the record.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bench
from shared import make_client
from timing import paired_ratio, progress

HERE = Path(__file__).resolve().parent

#: What the toy keeps: its keys (none: every look-up misses, as cheap as a hit) and its log.
_KEYS: dict[str, object] = {}
_LOG: list[tuple[object, ...]] = []


def toy_work(request: Any) -> dict[str, Any]:
    """The toy's work on one request, before the floor's canned answer goes back; returns
    the decoded body."""
    headers = request.headers
    operation = headers["X-Amz-Target"]
    authorization = headers["Authorization"]
    params = json.loads(request.body)
    key_id = params.get("KeyId")
    answer = json.dumps({"KeyId": key_id, "Found": _KEYS.get(key_id) is not None}).encode()
    _LOG.append((operation, authorization, params, answer, str(uuid.uuid4())))
    return params  # type: ignore[no-any-return]  # the bench's bodies are JSON objects


def toy_backend() -> bench.Backend:
    """A client answered by the floor with :func:`toy_work` on every operation it times."""
    operations = [*bench.FloorResponder().bodies, "ListKeys"]
    responder = bench.FloorResponder(work=dict.fromkeys(operations, toy_work))
    client = make_client()
    responder.install(client)
    return bench.Backend("toy", client, contextlib.nullcontext)


TOY_AND_WORK = "toy + work"


def toy_and_work_backend() -> bench.Backend:
    """The toy, which also does ``bench.WORK`` (a signature, AES-GCM, the policy's
    ``json.loads``) on the body it decoded: the least any fake that keeps state and
    answers these operations correctly can cost."""
    work = {op: bench.on_body(w, read=toy_work) for op, (_, w) in bench.WORK.items()}
    operations = [*bench.FloorResponder().bodies, "ListKeys"]
    responder = bench.FloorResponder(work={op: work.get(op, toy_work) for op in operations})
    client = make_client()
    responder.install(client)
    return bench.Backend(TOY_AND_WORK, client, contextlib.nullcontext, work_only=True)


def report(results: Sequence[bench.CaseResult], command: str, rounds: int) -> str:
    lines = [
        f"`{command}`",
        "",
        "| Case | toy / floor | (toy + work) / floor | fake / floor | fake / toy "
        "| fake / (toy + work) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        series = result.series
        if not {"floor", "fake", "toy"} <= set(series):
            continue
        toy = paired_ratio(series["toy"], series["floor"])
        fake = paired_ratio(series["fake"], series["floor"])
        price = paired_ratio(series["fake"], series["toy"])
        worked = series.get(TOY_AND_WORK)  # timed only where there is work (work_only)
        if worked is None:
            with_work = beyond_work = "—"
        else:
            with_work = f"{paired_ratio(worked, series['floor']):.3f}"
            beyond_work = f"{paired_ratio(series['fake'], worked):.3f}"
        lines.append(
            f"| {result.case.name} | {toy:.3f} | {with_work} | {fake:.3f} | {price:.3f} "
            f"| {beyond_work} |"
        )
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines += [
        "",
        f"_{rounds} interleaved rounds per case; Python {platform.python_version()}; {when}._",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The fake beside a toy fake and the floor.")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per case")
    parser.add_argument("--only", action="append", default=[], help="case-name prefix")
    parser.add_argument("--output", type=Path, default=HERE / "toy_fake.md")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAFAKEKMSBENCHMARK")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "fakekms-benchmark-secret")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    cases = [c for c in bench.CASES if not args.only or c.name.startswith(tuple(args.only))]
    settings = dataclasses.replace(bench.FULL, rounds=args.rounds)
    backends = [*bench.floor_and_fake(), toy_backend(), toy_and_work_backend()]
    progress(f"{len(cases)} cases, {args.rounds} rounds: floor, fake, toy (+ work)", tag="toy")
    results = bench.run_cases(backends, settings, cases)
    command = "python benchmarks/toy_fake.py " + " ".join(argv or sys.argv[1:])
    text = report(results, command.strip(), args.rounds)
    print(text)
    args.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
