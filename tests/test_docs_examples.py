"""The test-shaped examples in docs/ run as written (each page's examples as one file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
#: Pages whose examples run the reader's own programs (servers.md starts ``worker.py``);
#: tests/test_server.py covers the same behaviour.
NEEDS_USER_FILES = {"servers"}
PAGES = sorted(
    page
    for page in DOCS.glob("*.md")
    if page.stem not in NEEDS_USER_FILES
    and any("def test_" in b for b in re.findall(r"```python\n(.*?)```", page.read_text(), re.S))
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_page_examples_pass(pytester: pytest.Pytester, page: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), re.S)
    tests = [b for b in blocks if "def test_" in b]
    header = "import json\nimport boto3\nimport pytest\nfrom botocore.config import Config\n"
    pytester.makepyfile(**{f"test_docs_{page.stem.replace('-', '_')}": header + "\n\n".join(tests)})
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) > 0, result.stdout.str()[-3000:]
    assert not {"failed", "error", "errors"} & set(outcomes), result.stdout.str()[-3000:]
