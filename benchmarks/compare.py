"""Did a change make the fake faster? Two versions of the package, side by side.

Usage::

    python benchmarks/compare.py BASE [NEW] [--runs 8] [--rounds 15] [--only PREFIX ...]

``BASE`` and ``NEW`` are git revisions (checked out into temporary worktrees, removed
afterwards) or directories holding a ``pytest_fakekms`` package; ``NEW`` defaults to
this checkout's working tree. ``--only`` keeps the cases of ``bench.py`` whose names
start with one of the prefixes (``--only CreateKey "PutKeyPolicy, small"``); without
it, every case runs.

Method. One run is a fresh interpreter per side, which imports the package from that
side's tree (``PYTHONPATH``) and this checkout's benchmark code, then times each case
as ``bench.py`` does, fake against botocore's floor in interleaved rounds, and prints
the median paired fake / floor ratio. Runs alternate between the sides, and which side
goes first alternates too. Each side's figure is the median of its runs' ratios, and
the report gives NEW / BASE of those medians. A ratio against the floor measured in the
same process cancels most of a shared machine's drift, so ratios of ratios resolve
changes that absolute times, minutes apart, cannot.

How small a change it can see: compare a version with itself (``compare.py HEAD
HEAD``). Such runs on 2026-11-27 read NEW / BASE between 0.993 and 1.007 with 6 runs of
15 rounds (a 2-core shared machine), so a change under 1 % needs more runs, or is
noise.

The report is Markdown, printed and, with ``--output``, written to a file.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from timing import progress

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
PACKAGE = "pytest_fakekms"


@dataclasses.dataclass
class Side:
    """One version under comparison: what the user named, and the tree it lives in."""

    label: str  # BASE or NEW
    spec: str  # the revision or directory given
    tree: Path
    commit: str  # the commit it is (or "working tree", or "directory")


@dataclasses.dataclass
class Comparison:
    """Each side's fake / floor ratio per case, one value per run."""

    base: dict[str, list[float]]
    new: dict[str, list[float]]


# --- the worker: one interpreter, one side ------------------------------------------------


def worker(rounds: int, prefixes: Sequence[str]) -> dict[str, object]:
    """Time the selected cases of ``bench.py``, fake against floor, in this interpreter:
    ``bench.run_cases`` with the floor and fake columns only, ``rounds`` rounds."""
    import bench
    from timing import paired_ratio

    import pytest_fakekms

    backends = bench.floor_and_fake()
    settings = dataclasses.replace(bench.FULL, rounds=rounds)
    results = bench.run_cases(backends, settings, selected(bench.CASES, prefixes))
    ratios = {
        result.case.name: paired_ratio(result.series["fake"], result.series["floor"])
        for result in results
        if result.series
    }
    return {"package": str(Path(pytest_fakekms.__file__).resolve().parent), "ratios": ratios}


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_Case = TypeVar("_Case", bound=_Named)


def selected(cases: Sequence[_Case], prefixes: Sequence[str]) -> list[_Case]:
    """The cases whose names start with one of ``prefixes`` (all of them when none)."""
    return [case for case in cases if not prefixes or case.name.startswith(tuple(prefixes))]


# --- the sides --------------------------------------------------------------------------


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=REPOSITORY, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@contextlib.contextmanager
def checked_out(label: str, spec: str | None) -> Iterator[Side]:
    """The tree of ``spec``: this checkout (None), a directory, or a revision in a
    temporary worktree that is removed afterwards."""
    if spec is None:
        dirty = " with changes" if _git("status", "--porcelain", "--untracked-files=no") else ""
        yield Side(label, "working tree", REPOSITORY, _git("rev-parse", "--short", "HEAD") + dirty)
        return
    path = Path(spec)
    if (path / PACKAGE).is_dir():
        yield Side(label, spec, path.resolve(), "directory")
        return
    commit = _git("rev-parse", "--verify", f"{spec}^{{commit}}")
    with tempfile.TemporaryDirectory(prefix=f"fakekms-{label.lower()}-") as parent:
        tree = Path(parent) / "tree"
        _git("worktree", "add", "--detach", "--quiet", str(tree), commit)
        try:
            yield Side(label, spec, tree, commit[:7])
        finally:
            _git("worktree", "remove", "--force", str(tree))


def check_package(printed: str, tree: Path, what: str) -> None:
    """Raise unless ``printed`` (the last line a worker printed) is ``tree``'s package: a
    side must measure its own tree, not the package installed in the environment."""
    package = Path(printed.strip().splitlines()[-1])
    if package != (tree / PACKAGE).resolve():
        raise RuntimeError(f"{what} imported {package}, not the one in {tree}")


def run_side(side: Side, rounds: int, prefixes: Sequence[str]) -> dict[str, float]:
    """One worker interpreter for ``side``; its ratios per case."""
    env = dict(os.environ, PYTHONPATH=str(side.tree), PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(rounds)]
    command += [f"--only={prefix}" for prefix in prefixes]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {side.label} worker failed:\n{done.stderr[-2000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    check_package(str(answer["package"]), side.tree, f"the {side.label} worker")
    return {str(name): float(value) for name, value in answer["ratios"].items()}


def compare(base: Side, new: Side, runs: int, rounds: int, prefixes: Sequence[str]) -> Comparison:
    """``runs`` runs of each side, alternating, and alternating which goes first."""
    result = Comparison({}, {})
    for index in range(runs):
        order = ((base, result.base), (new, result.new))
        for side, into in order if index % 2 == 0 else order[::-1]:
            progress(f"run {index + 1}/{runs}: {side.label} ({side.commit})", tag="compare")
            for name, ratio in run_side(side, rounds, prefixes).items():
                into.setdefault(name, []).append(ratio)
    return result


# --- the report -------------------------------------------------------------------------


def report(base: Side, new: Side, comparison: Comparison, command: str, rounds: int) -> str:
    """The comparison as Markdown: per case, each side's median ratio and NEW / BASE."""
    lines = [
        f"`{command}`",
        "",
        f"BASE: {base.spec} ({base.commit}); NEW: {new.spec} ({new.commit}). Each figure is",
        "the fake / floor ratio of one interpreter (median over its interleaved rounds);",
        "a side's ratio is the median over its runs.",
        "",
        "| Case | BASE fake / floor | NEW fake / floor | NEW / BASE | BASE runs | NEW runs |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, base_ratios in comparison.base.items():
        new_ratios = comparison.new.get(name, [])
        if not new_ratios:
            continue
        b, n = statistics.median(base_ratios), statistics.median(new_ratios)
        lines.append(
            f"| {name} | {b:.3f} | {n:.3f} | **{n / b:.3f}** | {_listed(base_ratios)} "
            f"| {_listed(new_ratios)} |"
        )
    runs = len(next(iter(comparison.base.values()), []))
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines += [
        "",
        f"_{runs} runs per side of {rounds} interleaved rounds per case; Python "
        f"{sys.version.split()[0]}; {when}._",
    ]
    return "\n".join(lines) + "\n"


def _listed(values: Sequence[float]) -> str:
    return " ".join(f"{value:.3f}" for value in values)


# --- the command line -------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare the fake's speed in two versions.")
    parser.add_argument("base", nargs="?", help="a git revision or a directory")
    parser.add_argument("new", nargs="?", help="the same; default: this working tree")
    parser.add_argument("--runs", type=int, default=8, help="interpreters per side")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per case")
    parser.add_argument("--only", action="append", default=[], help="case-name prefix")
    parser.add_argument("--output", type=Path, help="also write the report here")
    parser.add_argument("--worker", type=int, metavar="ROUNDS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.only)))
        return 0
    if args.base is None:
        parser.error("name the BASE version (a git revision or a directory)")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAFAKEKMSBENCHMARK")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "fakekms-benchmark-secret")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    command = "python benchmarks/compare.py " + " ".join(
        part if " " not in part else json.dumps(part) for part in (argv or sys.argv[1:])
    )
    with checked_out("BASE", args.base) as base, checked_out("NEW", args.new) as new:
        comparison = compare(base, new, args.runs, args.rounds, args.only)
        text = report(base, new, comparison, command, args.rounds)
    print(text)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
