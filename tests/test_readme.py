"""The README's tour is a real test file: it must pass as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_tour_passes(pytester: pytest.Pytester) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has no python examples"
    pytester.makepyfile(test_tour="\n\n".join(blocks))
    result = pytester.runpytest()
    result.assert_outcomes(
        passed=sum(b.count("\ndef test_") + b.startswith("def test_") for b in blocks)
    )
