"""Write the generated documentation: ``docs/key-states.md`` and a block of ``docs/errors.md``.

Run from anywhere: ``python scripts/generate_docs.py``. Pass ``--check`` to fail
instead of writing when a page is out of date.

* ``docs/key-states.md`` is generated whole from the key-state table.
* ``docs/errors.md`` is hand-written except for the block between the
  ``BEGIN GENERATED`` and ``END GENERATED`` comments: the list of implemented
  operations, made from the operations actually registered.
"""

from __future__ import annotations

import pathlib
import sys
from collections.abc import Callable

from pytest_fakekms.domain.keystate_docs import render_markdown
from pytest_fakekms.operations.coverage_docs import replace_block

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def _whole_page(_current: str | None) -> str:
    return render_markdown()


#: Each generated page under docs/, and how its new text is made from its current text.
PAGES: tuple[tuple[str, Callable[[str | None], str]], ...] = (
    ("key-states.md", _whole_page),
    ("errors.md", replace_block),
)


def main(argv: list[str]) -> int:
    """Write (or with ``--check``, compare) every generated page; 1 if one was stale."""
    check = "--check" in argv
    status = 0
    for name, render in PAGES:
        path = DOCS / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        text = render(current)
        if current == text:
            continue
        if check:
            print(f"{path} is out of date: run python scripts/generate_docs.py", file=sys.stderr)
            status = 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
