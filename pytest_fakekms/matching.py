"""Matching request parameters against what a test expects.

The rules, used by ``CallList.filter``/``one`` and every ``assert_*`` helper:

* the expected members are a subset of the request's members;
* nested mappings match recursively, again as a subset;
* lists match element-wise and must have the same length;
* :data:`ANY` matches any value (the member must still be present);
* bytes compare with bytes, ``True`` never equals ``1``, a ``str`` never equals
  ``bytes``; otherwise values compare with ``==``, so a JSON policy string is
  compared as the exact string sent (no parsing, no magic).

:func:`describe_mismatch` names the first member that broke those rules, which is
what a failure message needs for a near miss.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ANY",
    "check_member_names",
    "check_operation_name",
    "describe_mismatch",
    "matches",
]

_BYTES = (bytes, bytearray, memoryview)
#: Strings up to this length are shown whole in a mismatch; longer ones as a window.
_WINDOW = 60


class _AnyType:
    """The type of :data:`ANY`; there is only one instance."""

    _instance: _AnyType | None = None

    def __new__(cls) -> _AnyType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "ANY"

    def __reduce__(self) -> str:
        return "ANY"


#: Equal to everything: ``fake_kms.assert_called("Encrypt", Plaintext=ANY)``.
ANY: Any = _AnyType()


def matches(actual: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """True when every member of ``expected`` is in ``actual`` and matches it."""
    return all(
        key in actual and _value_matches(actual[key], value) for key, value in expected.items()
    )


def _value_matches(actual: Any, expected: Any) -> bool:
    if expected is ANY:
        return True
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and matches(actual, expected)
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(actual, (list, tuple))
            and len(actual) == len(expected)
            and all(_value_matches(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, _BYTES):
        return isinstance(actual, _BYTES) and bytes(actual) == bytes(expected)
    if isinstance(expected, bool) or isinstance(actual, bool):
        # JSON's true is not 1: a boolean member matches only a boolean.
        return isinstance(expected, bool) and isinstance(actual, bool) and actual is expected
    return bool(expected == actual)


def describe_mismatch(actual: Any, expected: Any, *, root: str = "params") -> str:
    """The first place where ``actual`` does not match ``expected``; ``""`` if it matches."""
    return _first_difference(actual, expected, root) or ""


def _first_difference(actual: Any, expected: Any, path: str) -> str | None:
    if isinstance(expected, Mapping):
        return _mapping_difference(actual, expected, path)
    if isinstance(expected, (list, tuple)):
        return _list_difference(actual, expected, path)
    if _value_matches(actual, expected):
        return None
    if isinstance(actual, str) and isinstance(expected, str):
        return _string_difference(actual, expected, path)
    return f"{path}: expected {_show(expected)} but was {_show(actual)}"


def _mapping_difference(actual: Any, expected: Mapping[str, Any], path: str) -> str | None:
    if not isinstance(actual, Mapping):
        return f"{path}: expected a mapping but was {_show(actual)}"
    for key, value in expected.items():
        member = f"{path}[{key!r}]"
        if key not in actual:
            return f"{member}: expected {_show(value)} but it was absent"
        found = _first_difference(actual[key], value, member)
        if found:
            return found
    return None


def _list_difference(actual: Any, expected: list[Any] | tuple[Any, ...], path: str) -> str | None:
    if not isinstance(actual, (list, tuple)):
        return f"{path}: expected a list but was {_show(actual)}"
    if len(actual) != len(expected):
        return (
            f"{path}: expected a list of {len(expected)} items but was a list of "
            f"{len(actual)} items: {_show(actual)}"
        )
    for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
        found = _first_difference(a, e, f"{path}[{index}]")
        if found:
            return found
    return None


def _string_difference(actual: str, expected: str, path: str) -> str:
    if len(actual) <= _WINDOW and len(expected) <= _WINDOW:
        return f"{path}: expected {expected!r} but was {actual!r}"
    index = next(
        (i for i, (a, e) in enumerate(zip(actual, expected, strict=False)) if a != e),
        min(len(actual), len(expected)),
    )
    start = max(0, index - _WINDOW // 3)
    return (
        f"{path}: expected {_window(expected, start)} but was {_window(actual, start)} "
        f"(they differ from character {index} on)"
    )


def _window(text: str, start: int) -> str:
    shown = repr(text[start : start + _WINDOW])
    before = "…" if start > 0 else ""
    after = "…" if start + _WINDOW < len(text) else ""
    return f"{before}{shown}{after}"


def _show(value: Any) -> str:
    if isinstance(value, _BYTES) and len(bytes(value)) > 32:
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, _BYTES):
        return repr(bytes(value))
    text = repr(value)
    return text if len(text) <= 2 * _WINDOW else text[: 2 * _WINDOW - 1] + "…"


def _pascal_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def check_operation_name(operation: object) -> None:
    """Reject what cannot be a KMS operation name (a TypeError or ValueError, at once)."""
    if not isinstance(operation, str):
        raise TypeError(
            f"the operation must be a KMS operation name such as 'PutKeyPolicy', not {operation!r}"
        )
    if not operation:
        raise ValueError("the operation name is empty; give one such as 'PutKeyPolicy'")
    if not operation[:1].isupper() or "_" in operation:
        raise ValueError(
            f"{operation!r} is not a KMS operation name: use the API's spelling, "
            f"e.g. {_pascal_case(operation)!r} (boto3 method names are snake_case, "
            "operation names are not)"
        )


def check_member_names(params: Mapping[str, Any]) -> None:
    """Reject parameter names that cannot be KMS request members (e.g. ``key_id``)."""
    for name in params:
        if not name[:1].isupper():
            raise ValueError(
                f"{name}=... is not a KMS request member: members are spelled as in the "
                f"API, e.g. {_pascal_case(name)}=... (boto3 takes the same names)"
            )
