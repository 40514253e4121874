"""Re-serialize a policy the way GetKeyPolicy returns it (kms-facts §1.3, §2.2).

AWS KMS does not echo the policy text: it prints the parsed JSON with Jackson's
``DefaultPrettyPrinter``. The layout, reproduced here:

* an object opens with ``{`` and a newline; each entry sits on its own line,
  indented two spaces per *object* nesting level, as ``"key" : value``;
  entries are separated by ``,`` + newline; ``}`` closes on its own line at the
  parent's indentation. An empty object is ``{ }``.
* arrays stay on one line and add no indentation level: ``[ a, b ]``, so an
  array of objects reads ``[ {`` … ``}, {`` … ``} ]``. An empty array is ``[ ]``.
* strings escape ``"``, ``\\`` and control characters (``\\n``, ``\\t``, ``\\r``,
  ``\\b``, ``\\f``, else ``\\u00XX`` with upper-case hex); ``/`` and non-ASCII
  characters are written as they are.
"""

from __future__ import annotations

import functools

_INDENT = "  "
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_SHORT_ESCAPES.update({"\b": "\\b", "\f": "\\f"})
#: What every character below U+0020 and the two specials become.
_ESCAPES: dict[int, str] = {c: f"\\u{c:04X}" for c in range(0x20)}
_ESCAPES.update({ord(k): v for k, v in _SHORT_ESCAPES.items()})


def render_aws(value: object) -> str:
    """``value`` printed as AWS KMS prints a key policy (Jackson's pretty printer)."""
    parts: list[str] = []
    _write(value, 0, parts)
    return "".join(parts)


@functools.lru_cache(maxsize=64)
def default_policy(account_id: str, partition: str = "aws") -> str:
    """The exact default key policy text of a key created without one (kms-facts §2.2)."""
    return render_aws(
        {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )


def quote(text: str) -> str:
    """A JSON string literal escaped as Jackson does."""
    return '"' + text.translate(_ESCAPES) + '"'


def _write(value: object, level: int, out: list[str]) -> None:
    if isinstance(value, dict):
        _write_object(value, level, out)
    elif isinstance(value, (list, tuple)):
        _write_array(value, level, out)
    else:
        out.append(_scalar(value))


def _write_object(value: dict[object, object], level: int, out: list[str]) -> None:
    if not value:
        out.append("{ }")
        return
    inner = _INDENT * (level + 1)
    out.append("{\n")
    for index, (key, item) in enumerate(value.items()):
        out.append((",\n" if index else "") + inner + quote(str(key)) + " : ")
        _write(item, level + 1, out)
    out.append("\n" + _INDENT * level + "}")


def _write_array(value: list[object] | tuple[object, ...], level: int, out: list[str]) -> None:
    if not value:
        out.append("[ ]")
        return
    out.append("[ ")
    for index, item in enumerate(value):
        if index:
            out.append(", ")
        _write(item, level, out)
    out.append(" ]")


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"render_aws cannot write a {type(value).__name__}")
