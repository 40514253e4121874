"""``benchmarks/instructions.py``: what the fake adds to a call, counted (issue #8).

Bytecode counts, unlike times, repeat exactly, so the tool can show a change of a few
bytecodes that ``compare.py`` cannot see. These tests keep it working: a real count of
one case on both sides, two versions compared (directories, so that no git worktree
is needed), the parsing of callgrind's total, and the reports. The
callgrind run itself needs valgrind and takes about a minute, so it runs only with
``FAKEKMS_VALGRIND=1``.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench  # noqa: E402  (benchmarks/ is not a package: its scripts import as siblings)
import instructions  # noqa: E402
from compare import Side  # noqa: E402

DESCRIBE = next(case for case in bench.CASES if case.name == "DescribeKey")


def test_bytecodes_of_a_call_on_each_side() -> None:
    """The fake's own bytecodes are counted on the fake's side only, its functions are
    named, and a second count gives the same figure."""
    floor = instructions.count_bytecodes("floor", DESCRIBE, calls=3)
    fake = instructions.count_bytecodes("fake", DESCRIBE, calls=3)
    assert floor.fake == 0
    assert floor.functions == []
    assert 0 < fake.fake < fake.total
    assert floor.total > 10 * fake.fake  # botocore's pipeline is most of either call
    names = [name for name, _ in fake.functions]
    handle = ("pytest_fakekms.dispatch.Dispatcher.handle ", "pytest_fakekms.dispatch.handle ")
    assert any(name.startswith(handle) for name in names)  # qualified names from 3.11 on
    assert sum(n for _, n in fake.functions) == pytest.approx(fake.fake)
    again = instructions.count_bytecodes("fake", DESCRIBE, calls=3)
    assert again.fake == fake.fake


def test_the_tracer_in_place_before_is_put_back() -> None:
    def outer(*_: object) -> None:
        return None

    sys.settrace(outer)
    try:
        instructions.count_bytecodes("floor", DESCRIBE, calls=1)
        assert sys.gettrace() is outer
    finally:
        sys.settrace(None)


def test_callgrind_total_is_read_from_its_last_line() -> None:
    stderr = "==1== Callgrind, a call-graph profiler\n==1== Collected : 267232221\n"
    assert instructions.parse_collected(stderr) == 267_232_221
    with pytest.raises(RuntimeError, match="no instruction count"):
        instructions.parse_collected("valgrind: command not found")


_SIMULATED_SUMMARY = """==7== I   refs:      167,086,351
==7== I1  misses:        964,651
==7== LLi misses:          4,255
==7== D1  misses:      1,300,852  ( 1,017,486 rd +    283,366 wr)
==7== Mispredicts:     3,705,225  ( 1,763,734 cond +  1,941,491 ind)
==7== Collected : 167086351
"""


def test_simulated_misses_are_read_from_callgrinds_summary() -> None:
    assert instructions.parse_simulated(_SIMULATED_SUMMARY) == {
        "code-cache misses": 964_651,
        "data-cache misses": 1_300_852,
        "branch mispredictions": 3_705_225,
    }
    with pytest.raises(RuntimeError, match="no code-cache misses"):
        instructions.parse_simulated("==7== Collected : 5\n")


def test_cache_sim_needs_valgrind(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        instructions.main(["--cache-sim", "--only", "DescribeKey"])
    assert "--cache-sim needs --valgrind" in capsys.readouterr().err


def test_report_rows_ratios_and_top_functions() -> None:
    counts = {
        "floor": instructions.Bytecodes(25_000, 0, []),
        "fake": instructions.Bytecodes(26_000, 1_200, [("pytest_fakekms.dispatch.handle", 140)]),
    }
    plain = instructions.report(
        [instructions.CaseCounts("DescribeKey", counts, {})], "python x", calls=20, top=3
    )
    assert "| DescribeKey | 25,000 | 26,000 | 1.040 | 1,200 |" in plain
    assert "floor instructions" not in plain
    assert "- **DescribeKey**: pytest_fakekms.dispatch.handle 140" in plain
    counted = instructions.report(
        [instructions.CaseCounts("DescribeKey", counts, {"floor": 2.5e6, "fake": 2.6e6})],
        "python x",
        calls=20,
        top=0,
    )
    assert "| 1,200 | 2,500,000 | 2,600,000 | 1.040 |" in counted
    assert "most-executed" not in counted
    assert "Simulated caches" not in counted
    misses = {
        side: {label: n for label in instructions.SIMULATED}
        for side, n in (("floor", 10_000.0), ("fake", 12_000.0))
    }
    simulated = instructions.report(
        [instructions.CaseCounts("DescribeKey", counts, {"floor": 2.5e6, "fake": 2.6e6}, misses)],
        "python x",
        calls=20,
        top=0,
    )
    assert "| DescribeKey | 12,000 / 10,000 = 1.200 | 12,000 / 10,000 = 1.200 |" in simulated


@pytest.mark.skipif(
    os.environ.get("FAKEKMS_VALGRIND") != "1" or shutil.which("valgrind") is None,
    reason="a callgrind run takes about a minute: set FAKEKMS_VALGRIND=1 (needs valgrind)",
)
def test_callgrind_counts_the_fake_above_the_floor() -> None:
    floor = instructions.count_events("floor", DESCRIBE, calls=2)["instructions"]
    fake = instructions.count_events("fake", DESCRIBE, calls=2)["instructions"]
    assert 1e6 < floor < fake < 2 * floor


def test_two_versions_compared_by_their_own_bytecodes(capsys: pytest.CaptureFixture[str]) -> None:
    """``--base``: each side's fake counted in its own interpreter (the package checked to
    be the side's), one row per case; the same tree on both sides differs by nothing."""
    root = str(BENCHMARKS.parent)
    code = instructions.main(
        ["--base", root, "--new", root, "--only", "DescribeKey", "--calls", "2"]
    )
    assert code == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "| DescribeKey |" in line)
    base, new, difference = (cell.strip() for cell in row.split("|")[2:5])
    assert base == new
    assert int(base.replace(",", "")) > 500
    assert difference == "+0"


def test_versions_report_gives_medians_ranges_and_differences() -> None:
    side = Side("BASE", "abc", BENCHMARKS.parent, "abc1234")
    other = Side("NEW", "working tree", BENCHMARKS.parent, "def5678")
    counts = instructions.Versions(
        bytecodes={"BASE": {"CreateKey": 1826.0}, "NEW": {"CreateKey": 1623.0}},
        instructions={
            "BASE": {"CreateKey": [2_762_000.0, 2_761_000.0, 2_762_400.0]},
            "NEW": {"CreateKey": [2_758_200.0, 2_758_100.0, 2_758_300.0]},
        },
    )
    text = instructions.versions_report(side, other, counts, "python x", calls=40)
    assert (
        "| CreateKey | 1,826 | 1,623 | -203 | 2,762,000 (2,761,000-2,762,400) "
        "| 2,758,200 (2,758,100-2,758,300) | -3,800 | 0.9986 |"
    ) in text
    assert "BASE: abc (abc1234); NEW: working tree (def5678)." in text
    assert "Simulated caches" not in text
    counts.misses = {
        label: {"CreateKey": {name: [n, n + 2.0, n + 1.0] for name in instructions.SIMULATED}}
        for label, n in (("BASE", 1_000.0), ("NEW", 1_100.0))
    }
    text = instructions.versions_report(side, other, counts, "python x", calls=40)
    assert "| CreateKey | 1,001 | 1,101 | +100 | 1,001 | 1,101 | +100 |" in text


@pytest.mark.skipif(
    os.environ.get("FAKEKMS_VALGRIND") != "1" or shutil.which("valgrind") is None,
    reason="a simulated callgrind run takes about a minute: set FAKEKMS_VALGRIND=1",
)
def test_simulated_caches_count_misses_of_the_measured_calls() -> None:
    events = instructions.count_events("fake", DESCRIBE, calls=2, simulate=True)
    assert set(events) == {"instructions", *instructions.SIMULATED}
    assert 0 < events["code-cache misses"] < events["instructions"] / 10
