"""What the fake adds to a call, counted rather than timed: bytecodes and instructions.

Usage::

    python benchmarks/instructions.py [--calls 20] [--top 8] [--only PREFIX ...]
                                      [--valgrind [--cache-sim]]
                                      [--output benchmarks/instructions.md]
    python benchmarks/instructions.py --base BASE [--new NEW] [--valgrind [--cache-sim]]
                                      [--runs 3] ...

Every case of ``bench.py`` is run against the floor (botocore's own pipeline, a canned
answer) and against the fake, in this interpreter, and counted two ways:

* **bytecodes** (always): ``sys.settrace`` with opcode events counts the Python
  bytecodes each call executes, in botocore, the standard library and the fake alike,
  and which of the fake's functions they belong to (``--top``). It needs nothing but
  Python and takes seconds.
* **machine instructions** (``--valgrind``): the same calls under valgrind's callgrind,
  which counts every instruction the CPU runs (Ir), the C work too (JSON, base64,
  OpenSSL) that bytecodes miss. Counting is switched on only inside the timed calls (they
  run inside ``functools.reduce``, whose C function ``functools_reduce`` callgrind
  toggles on). It needs valgrind and a libpython with its symbols, and takes about 30 s
  per case and side.
* **simulated misses** (``--valgrind --cache-sim``): callgrind also simulates this
  machine's first-level caches and a branch predictor, and counts the code-cache and
  data-cache misses and the mispredicted branches of the same calls (about twice as
  slow). A change can run fewer instructions and still take as long, if the
  instructions it removes were warm and the code it adds is cold: the twelfth
  session's KeyMetadata template saved 13,300 instructions a CreateKey and added 81
  code-cache misses, 172 data-cache misses and 120 mispredictions, and timed the same
  (docs/performance.md). The simulation is simpler than the CPU (weighted as cycles,
  its misses explain a fifth to a half of the gap between the fake's share of
  instructions and of time), so read its counts as a direction, not as cycles.

Bytecode counts are the same from run to run of one command on one machine and
version (a call's botocore bytecodes depend a little on which cases ran before it in
the process, through botocore's caches: DescribeKey's floor reads 24,947 after the
other cases and 25,035 alone; the fake's own do not), machine
instructions within about 0.2 % (up to 6,000 of 2.5-5.6 million a call between two
processes, though hash seeds are fixed: ``PYTHONHASHSEED=0``; three runs a side
resolve a few thousand). So unlike ``bench.py`` and ``compare.py`` they show a change
of a few bytecodes. Bytecodes are a proxy: a change that saves bytecodes can still
add instructions (docs/performance.md has one), so confirm with ``--valgrind``.

With ``--base``, two versions are compared instead, as ``compare.py`` compares their
times: ``BASE`` and ``NEW`` are git revisions (temporary worktrees) or directories,
``NEW`` defaulting to the working tree. Each side's fake runs in its own interpreters
(``PYTHONPATH`` on its tree, checked): its own bytecodes per call once (they repeat
exactly), and with ``--valgrind`` its machine instructions ``--runs`` times,
alternating sides; the report gives each side's median and NEW - BASE.

Counts are not the goal: issue #8's goals are times. On 2026-11-27 the fake added
4-12 % instructions to the cases whose times it raised by 10-26 %: its code runs once
per call between long stretches of botocore's, and finds the CPU's caches and branch
predictors cold (docs/performance.md, "instructions and time").
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import bench
from compare import PACKAGE, Side, check_package, checked_out, selected
from timing import progress

import pytest_fakekms

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "instructions.md"
#: The C function the measured calls run inside; callgrind counts only within it.
TOGGLE = "functools_reduce"
WARM_UP = 30
SIDES = ("floor", "fake")


@dataclasses.dataclass
class Bytecodes:
    """Bytecodes per call of one case on one side, and the fake's share by function."""

    total: float
    fake: float
    functions: list[tuple[str, float]]  # the fake's functions, most executed first


@contextlib.contextmanager
def _ready(side: str, case: bench.Case) -> Iterator[Callable[[], object]]:
    """The case's call on ``side``, set up and warmed up (caches filled, material made),
    and the garbage collected: as ``bench.py`` does before each batch, so that a few
    counted calls do not pay a full collection that the set-up and warm-up made due (one
    walked botocore's heap inside a 40-call count: 1,300 last-level cache misses a call)."""
    backend = next(backend for backend in bench.floor_and_fake() if backend.name == side)
    with backend.activate():
        call = case.prepare(backend.client)
        for _ in range(WARM_UP):
            call()
        gc.collect()
        yield call


def count_bytecodes(side: str, case: bench.Case, calls: int) -> Bytecodes:
    """Bytecodes executed per call of ``case`` on ``side``, over ``calls`` calls."""
    counts: collections.Counter[tuple[str, int, str]] = collections.Counter()

    def tracer(frame: FrameType, event: str, arg: object) -> Callable[..., Any]:
        frame.f_trace_opcodes = True
        code = frame.f_code
        name = getattr(code, "co_qualname", code.co_name)  # co_qualname: Python 3.11+
        key = (code.co_filename, code.co_firstlineno, name)

        def opcode(frame: FrameType, event: str, arg: object) -> Callable[..., Any]:
            if event == "opcode":
                counts[key] += 1
            return opcode

        return opcode

    with _ready(side, case) as call:
        previous = sys.gettrace()  # a debugger's or coverage's, put back afterwards
        sys.settrace(tracer)
        try:
            for _ in range(calls):
                call()
        finally:
            sys.settrace(previous)
    ours = {key: n for key, n in counts.items() if f"{os.sep}{PACKAGE}{os.sep}" in key[0]}
    functions = [
        (f"{_module(filename)}.{name} (line {line})", n / calls)
        for (filename, line, name), n in sorted(ours.items(), key=lambda item: -item[1])
    ]
    return Bytecodes(sum(counts.values()) / calls, sum(ours.values()) / calls, functions)


def _module(filename: str) -> str:
    path = Path(filename)
    parts = path.with_suffix("").parts
    return ".".join(parts[len(parts) - 1 - parts[::-1].index(PACKAGE) :])


# --- machine instructions: callgrind --------------------------------------------------------


def run_measured(side: str, case_name: str, calls: int) -> None:
    """In a callgrind child: the case's calls, inside ``functools.reduce``; prints the
    package it measured."""
    case = next(case for case in bench.CASES if case.name == case_name)
    with _ready(side, case) as call:
        functools.reduce(lambda _, __: call(), range(calls), None)
    print(_package())


def _package() -> Path:
    return Path(pytest_fakekms.__file__).resolve().parent


def _environment(tree: Path | None) -> dict[str, str]:
    """This environment, with ``tree``'s package first on the path when given."""
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    return env


_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def parse_collected(stderr: str) -> int:
    """The instruction count callgrind prints at exit ("Collected : N")."""
    found = _COLLECTED.findall(stderr)
    if not found:
        raise RuntimeError(f"no instruction count in callgrind's output:\n{stderr[-1500:]}")
    return int(found[-1])


#: ``--cache-sim``: callgrind's simulated caches set to this machine's first level (64 KiB
#: of code and 48 KiB of data a core; the second level is taken from the host), and its
#: branch predictor. The simulation is simpler than the CPU: read its counts as shares.
CACHE_SIMULATION = ("--cache-sim=yes", "--branch-sim=yes", "--I1=65536,8,64", "--D1=49152,12,64")
#: What a simulated run reports, per call: label -> callgrind's summary line.
SIMULATED = {
    "code-cache misses": "I1  misses",
    "data-cache misses": "D1  misses",
    "branch mispredictions": "Mispredicts",
}


def parse_simulated(stderr: str) -> dict[str, int]:
    """The simulated misses callgrind prints at exit (only those of the collected calls)."""
    counts = {}
    for label, line in SIMULATED.items():
        found = re.findall(rf"{line}:\s*([\d,]+)", stderr)
        if not found:
            raise RuntimeError(f"no {label} in callgrind's output:\n{stderr[-1500:]}")
        counts[label] = int(found[-1].replace(",", ""))
    return counts


def count_events(
    side: str, case: bench.Case, calls: int, tree: Path | None = None, *, simulate: bool = False
) -> dict[str, float]:
    """Per call of ``case`` on ``side``, counted by callgrind (with the package in ``tree``
    when given): ``instructions``, and with ``simulate`` the :data:`SIMULATED` misses."""
    command = [
        "valgrind", "--tool=callgrind", "--collect-atstart=no", f"--toggle-collect={TOGGLE}",
        "--callgrind-out-file=/dev/null", *(CACHE_SIMULATION if simulate else ()),
        sys.executable, str(Path(__file__).resolve()), "--measured", side, case.name, str(calls),
    ]  # fmt: skip
    done = subprocess.run(
        command, env=_environment(tree), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"callgrind run failed ({side}, {case.name}):\n{done.stderr[-1500:]}")
    if tree is not None:
        check_package(done.stdout, tree, f"the callgrind run of {case.name}")
    count = parse_collected(done.stderr)
    if count == 0:
        raise RuntimeError(f"callgrind counted nothing: is {TOGGLE} among libpython's symbols?")
    events = {"instructions": count / calls}
    if simulate:
        events.update((label, n / calls) for label, n in parse_simulated(done.stderr).items())
    return events


# --- two versions side by side ----------------------------------------------------------


def own_bytecodes_worker(calls: int, prefixes: Sequence[str]) -> dict[str, object]:
    """In a worker interpreter: the fake's own bytecodes per call of each selected case."""
    counts = {
        case.name: count_bytecodes("fake", case, calls).fake
        for case in selected(bench.CASES, prefixes)
    }
    return {"package": str(_package()), "bytecodes": counts}


def own_bytecodes(tree: Path, calls: int, prefixes: Sequence[str]) -> dict[str, float]:
    """:func:`own_bytecodes_worker` for the package in ``tree``, in a fresh interpreter."""
    command = [sys.executable, str(Path(__file__).resolve()), "--own-bytecodes", str(calls)]
    command += [f"--only={prefix}" for prefix in prefixes]
    done = subprocess.run(
        command, env=_environment(tree), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the bytecode worker failed for {tree}:\n{done.stderr[-1500:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    check_package(str(answer["package"]), tree, "the bytecode worker")
    return {str(name): float(value) for name, value in answer["bytecodes"].items()}


@dataclasses.dataclass
class Versions:
    """Each side's counts per case: the fake's own bytecodes, instructions per run."""

    bytecodes: dict[str, dict[str, float]]  # side label -> case -> bytecodes
    instructions: dict[str, dict[str, list[float]]]  # side label -> case -> one per run
    #: With --cache-sim: side label -> case -> SIMULATED label -> one per run.
    misses: dict[str, dict[str, dict[str, list[float]]]] = dataclasses.field(default_factory=dict)


def count_versions(
    sides: Sequence[Side],
    calls: int,
    prefixes: Sequence[str],
    runs: int,
    *,
    simulate: bool = False,
) -> Versions:
    """Bytecodes once per side; with ``runs`` > 0, callgrind ``runs`` times per side and
    case (``simulate``: with simulated caches), alternating sides and which goes first."""
    result = Versions({}, {})
    for side in sides:
        progress(f"{side.label} ({side.commit}): bytecodes", tag="instructions")
        result.bytecodes[side.label] = own_bytecodes(side.tree, calls, prefixes)
        result.instructions[side.label] = {}
    for case in selected(bench.CASES, prefixes):
        for index in range(runs):
            order = list(sides) if index % 2 == 0 else list(sides)[::-1]
            for side in order:
                progress(f"{case.name}: callgrind {index + 1}/{runs}, {side.label}",
                         tag="instructions")  # fmt: skip
                events = count_events("fake", case, calls, side.tree, simulate=simulate)
                count = events.pop("instructions")
                result.instructions[side.label].setdefault(case.name, []).append(count)
                misses = result.misses.setdefault(side.label, {}).setdefault(case.name, {})
                for label, n in events.items():
                    misses.setdefault(label, []).append(n)
    return result


def versions_report(base: Side, new: Side, counts: Versions, command: str, calls: int) -> str:
    """NEW against BASE: the fake's own bytecodes, and instructions when counted."""
    valgrind = any(counts.instructions[base.label].values())
    header = "| Case | BASE bytecodes | NEW bytecodes | NEW - BASE |"
    rule = "|---|---:|---:|---:|"
    if valgrind:
        header += " BASE instructions | NEW instructions | NEW - BASE | NEW / BASE |"
        rule += "---:|---:|---:|---:|"
    lines = [
        f"`{command}`",
        "",
        f"BASE: {base.spec} ({base.commit}); NEW: {new.spec} ({new.commit}). Per call of the",
        "fake: its own bytecodes (they repeat exactly), and its machine instructions, the",
        "median of the runs with their range (they vary by up to about 0.2 % between runs).",
        "",
        header,
        rule,
    ]
    for name, b in counts.bytecodes[base.label].items():
        n = counts.bytecodes[new.label].get(name)
        if n is None:
            continue
        row = f"| {name} | {b:,.0f} | {n:,.0f} | {n - b:+,.0f} |"
        if valgrind:
            b_runs = counts.instructions[base.label].get(name, [])
            n_runs = counts.instructions[new.label].get(name, [])
            if b_runs and n_runs:
                bi, ni = statistics.median(b_runs), statistics.median(n_runs)
                row += (
                    f" {bi:,.0f} ({_spread(b_runs)}) | {ni:,.0f} ({_spread(n_runs)}) "
                    f"| {ni - bi:+,.0f} | {ni / bi:.4f} |"
                )
        lines.append(row)
    lines += _misses_table(base, new, counts)
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines += ["", f"_{calls} counted calls per run after {WARM_UP} warm-up calls; Python "
              f"{sys.version.split()[0]}; {when}._"]  # fmt: skip
    return "\n".join(lines) + "\n"


def _misses_table(base: Side, new: Side, counts: Versions) -> list[str]:
    """With --cache-sim: per case, each simulated count's medians and NEW - BASE."""
    cases = counts.misses.get(base.label, {})
    if not any(cases.values()):
        return []
    header, rule = "| Case |", "|---|"
    for label in SIMULATED:
        header += f" {label}: BASE | NEW | NEW - BASE |"
        rule += "---:|---:|---:|"
    lines = ["", "Simulated caches and branch predictor (`--cache-sim`), per call, medians:", "",
             header, rule]  # fmt: skip
    for name, b_events in cases.items():
        n_events = counts.misses.get(new.label, {}).get(name)
        if not b_events or not n_events:
            continue
        row = f"| {name} |"
        for label in SIMULATED:
            b, n = statistics.median(b_events[label]), statistics.median(n_events[label])
            row += f" {b:,.0f} | {n:,.0f} | {n - b:+,.0f} |"
        lines.append(row)
    return lines


def _spread(values: Sequence[float]) -> str:
    return f"{min(values):,.0f}-{max(values):,.0f}"


# --- the report --------------------------------------------------------------------------


@dataclasses.dataclass
class CaseCounts:
    name: str
    bytecodes: dict[str, Bytecodes]
    instructions: dict[str, float]  # empty without --valgrind
    #: With --cache-sim: side -> SIMULATED label -> per call.
    misses: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)


def report(results: Sequence[CaseCounts], command: str, calls: int, top: int) -> str:
    valgrind = any(result.instructions for result in results)
    header = "| Case | floor bytecodes | fake bytecodes | fake / floor | the fake's own |"
    rule = "|---|---:|---:|---:|---:|"
    if valgrind:
        header += " floor instructions | fake instructions | fake / floor |"
        rule += "---:|---:|---:|"
    lines = [f"`{command}`", "", "Per call, averaged over the counted calls.", "", header, rule]
    for result in results:
        floor, fake = result.bytecodes["floor"], result.bytecodes["fake"]
        row = (
            f"| {result.name} | {floor.total:,.0f} | {fake.total:,.0f} "
            f"| {fake.total / floor.total:.3f} | {fake.fake:,.0f} |"
        )
        if valgrind:
            ir_floor, ir_fake = result.instructions["floor"], result.instructions["fake"]
            row += f" {ir_floor:,.0f} | {ir_fake:,.0f} | {ir_fake / ir_floor:.3f} |"
        lines.append(row)
    lines += [
        "",
        "*The fake's own* is the bytecodes run in `pytest_fakekms` itself; the rest of the",
        "difference is botocore reading a different answer, and the floor's own handler",
        "(in `bench.py`), which the fake does not run.",
    ]
    simulated = [result for result in results if result.misses]
    if simulated:
        lines += ["", "Simulated caches and branch predictor (`--cache-sim`), per call, "
                  "fake / floor:", "", "| Case | " + " | ".join(SIMULATED) + " |",
                  "|---|" + "---:|" * len(SIMULATED)]  # fmt: skip
        for result in simulated:
            floor_misses, fake_misses = result.misses["floor"], result.misses["fake"]
            cells = (
                f"{fake_misses[label]:,.0f} / {floor_misses[label]:,.0f} = "
                f"{fake_misses[label] / floor_misses[label]:.3f}"
                for label in SIMULATED
            )
            lines.append(f"| {result.name} | " + " | ".join(cells) + " |")
    if top:
        lines += ["", f"The fake's {top} most-executed functions, bytecodes per call:", ""]
        for result in results:
            listed = "; ".join(
                f"{name} {n:,.0f}" for name, n in result.bytecodes["fake"].functions[:top]
            )
            lines.append(f"- **{result.name}**: {listed}")
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines += ["", f"_{calls} counted calls per case and side after {WARM_UP} warm-up calls;"
              f" the fake from `{_package()}`;"
              f" Python {sys.version.split()[0]}; {when}._"]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20, help="counted calls per case and side")
    parser.add_argument("--top", type=int, default=8, help="the fake's functions listed per case")
    parser.add_argument("--only", action="append", default=[], metavar="PREFIX")
    parser.add_argument("--valgrind", action="store_true", help="also count with callgrind")
    parser.add_argument(
        "--cache-sim",
        action="store_true",
        help="with --valgrind: also simulate the caches and branch predictor (slower)",
    )
    parser.add_argument("--output", type=Path, help=f"default: {RESULTS} (without --base)")
    parser.add_argument("--base", help="compare with this revision or directory")
    parser.add_argument("--new", help="with --base: the other side (default: working tree)")
    parser.add_argument("--runs", type=int, default=3, help="with --base: callgrind runs a side")
    parser.add_argument("--measured", nargs=3, help=argparse.SUPPRESS)  # the callgrind child
    parser.add_argument("--own-bytecodes", type=int, help=argparse.SUPPRESS)  # a side's worker
    args = parser.parse_args(argv)
    if args.measured:
        side, name, calls = args.measured
        run_measured(side, name, int(calls))
        return 0
    if args.own_bytecodes is not None:
        print(json.dumps(own_bytecodes_worker(args.own_bytecodes, args.only)))
        return 0
    if args.cache_sim and not args.valgrind:
        parser.error("--cache-sim needs --valgrind")
    if args.valgrind and shutil.which("valgrind") is None:
        parser.error("--valgrind needs valgrind on PATH (Debian: apt-get install valgrind)")
    command = ("python benchmarks/instructions.py " + " ".join(argv or sys.argv[1:])).strip()
    if args.base is not None:
        with checked_out("BASE", args.base) as base, checked_out("NEW", args.new) as new:
            runs = args.runs if args.valgrind else 0
            versions = count_versions(
                (base, new), args.calls, args.only, runs, simulate=args.cache_sim
            )
            text = versions_report(base, new, versions, command, args.calls)
        print(text)
        if args.output is not None:
            args.output.write_text(text)
        return 0
    results = []
    for case in selected(bench.CASES, args.only):
        progress(f"{case.name}: bytecodes", tag="instructions")
        counts = {side: count_bytecodes(side, case, args.calls) for side in SIDES}
        instructions: dict[str, float] = {}
        misses: dict[str, dict[str, float]] = {}
        if args.valgrind:
            progress(f"{case.name}: callgrind", tag="instructions")
            for side in SIDES:
                events = count_events(side, case, args.calls, simulate=args.cache_sim)
                instructions[side] = events.pop("instructions")
                if events:
                    misses[side] = events
        results.append(CaseCounts(case.name, counts, instructions, misses))
    text = report(results, command, args.calls, args.top)
    print(text)
    (args.output or RESULTS).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
