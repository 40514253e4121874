"""Write the generated documentation pages (``docs/key-states.md``).

Run from anywhere: ``python scripts/generate_docs.py``. Pass ``--check`` to fail
instead of writing when a page is out of date.
"""

from __future__ import annotations

import pathlib
import sys

from pytest_fakekms.domain.keystate_docs import render_markdown

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def main(argv: list[str]) -> int:
    """Write (or with ``--check``, compare) every generated page; 1 if one was stale."""
    path = DOCS / "key-states.md"
    text = render_markdown()
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if current == text:
        return 0
    if "--check" in argv:
        print(f"{path} is out of date: run python scripts/generate_docs.py", file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
