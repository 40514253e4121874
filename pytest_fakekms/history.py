"""Policy history: every key policy that was in force, and statement-level diffs.

Each key gets an append-only list of :class:`PolicyVersion`, oldest first: the
policy set at creation (the default one or the one given) and one entry per
successful ``PutKeyPolicy``; failed attempts add none (api.md §3).

Policies are compared as JSON values: key order and whitespace do not matter,
list order does, and a single string is not the same value as a one-element list
(AWS keeps whatever form the caller sent). When two documents differ,
:func:`diff_documents` explains how, statement by statement: statements pair up
by ``Sid``, and statements without a ``Sid`` pair up by their order among the
Sid-less ones. Every line reads ``expected -> actual``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple, TypeGuard, cast

from pytest_fakekms.policy.elements import DEFAULT_POLICY_NAME, STATEMENT_ELEMENTS
from pytest_fakekms.recorder import FrozenDict, freeze

__all__ = [
    "PolicyHistory",
    "PolicyVersion",
    "assert_policy_history",
    "diff_documents",
    "policy_repr_compare",
]

#: Statement elements in the order a diff reports them (others follow as they come).
_ELEMENTS = STATEMENT_ELEMENTS


class _Absent:
    """Marks a member missing on one side of a diff."""

    def __repr__(self) -> str:
        return "(absent)"


_ABSENT: Any = _Absent()


@dataclass(frozen=True)
class PolicyVersion:
    """One key policy that was in force, with who set it, when and how."""

    document: Mapping[str, Any]
    text: str
    policy_name: str
    set_at: datetime
    set_by: str
    bypass_lockout_check: bool
    operation: str

    @classmethod
    def _of(cls, fields: dict[str, Any]) -> PolicyVersion:
        """PutKeyPolicy's constructor: ``fields`` names every field, in order. Sets the
        instance dictionary once, where the frozen ``__init__`` makes seven
        ``object.__setattr__`` calls (1.6 against 0.6 µs; as ``recorder.Call._of``)."""
        version = object.__new__(cls)
        object.__setattr__(version, "__dict__", fields)
        return version

    def __getattribute__(self, name: str) -> Any:
        # The document is deep-frozen on first read, so storing a version on every
        # PutKeyPolicy stays cheap and the parsed document it came from is never touched.
        # PutKeyPolicy stores none at all (None): the text says it all, and is the same
        # string the call log holds, where a parsed 30 KB policy of new statements kept
        # 189 KB alive per version (issue #8 scaling audit, 2026-11-27).
        value = object.__getattribute__(self, name)
        if name == "document" and not isinstance(value, FrozenDict):
            if value is None:
                from pytest_fakekms.policy.document import load_json  # the policy engine

                value = load_json(object.__getattribute__(self, "text"))
            value = freeze(value)
            object.__setattr__(self, name, value)
        return value

    def describe(self) -> str:
        """``PutKeyPolicy by <arn> at <time>``, plus anything unusual about it."""
        text = f"{self.operation} by {self.set_by} at {self.set_at.isoformat()}"
        if self.policy_name != "default":
            text += f", policy name {self.policy_name!r}"
        if self.bypass_lockout_check:
            text += ", lockout safety check bypassed"
        return text


class _CreatedWith(NamedTuple):
    """A key's first version while it is the only one and nobody has read it: the policy
    a CreateKey installed, in a 4-tuple (72 B) instead of a list holding a
    :class:`PolicyVersion` (about 240 B on every key that keeps its default policy)."""

    document: Mapping[str, Any]
    text: str
    set_at: datetime
    set_by: str

    def version(self) -> PolicyVersion:
        return _default_version(
            self.document, self.text, self.set_at, self.set_by, False, "CreateKey"
        )


class _Put(NamedTuple):
    """A policy put on a key (PutKeyPolicy, or CreateKey with a Policy) as the request
    path records it, until it is read: a 5-tuple where a :class:`PolicyVersion` is an
    object and a 7-entry dict (about 1 % of a PutKeyPolicy through boto3, issue #8)."""

    text: str
    set_at: datetime
    set_by: str
    bypass_lockout_check: bool
    operation: str

    def version(self) -> PolicyVersion:
        # No document: it is parsed from the text when first read (see PolicyVersion).
        return _default_version(
            None, self.text, self.set_at, self.set_by, self.bypass_lockout_check, self.operation
        )


def _default_version(
    document: Mapping[str, Any] | None,
    text: str,
    set_at: datetime,
    set_by: str,
    bypass: bool,
    operation: str,
) -> PolicyVersion:
    """The version a compact record stands for: the policy named ``default``."""
    return PolicyVersion._of(
        {
            "document": document,
            "text": text,
            "policy_name": DEFAULT_POLICY_NAME,
            "set_at": set_at,
            "set_by": set_by,
            "bypass_lockout_check": bypass,
            "operation": operation,
        }
    )


class PolicyHistory:
    """Per-key, append-only lists of policy versions; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, list[PolicyVersion | _Put] | _CreatedWith] = {}

    def append(self, key_id: str, version: PolicyVersion) -> None:
        """Record that ``version`` came into force on ``key_id``."""
        with self._lock:
            self._list(key_id).append(version)

    def put(
        self, key_id: str, text: str, set_at: datetime, set_by: str, *, bypass: bool, operation: str
    ) -> None:
        """Record that the policy ``text`` was put on ``key_id`` (name ``default``): the
        same version :meth:`append` would record, kept compact until it is read."""
        with self._lock:
            self._list(key_id).append(_Put(text, set_at, set_by, bypass, operation))

    def replace(self, key_id: str, versions: list[PolicyVersion]) -> None:
        """Make ``versions`` the whole history of ``key_id`` (a loaded state)."""
        with self._lock:
            self._versions[key_id] = list(versions)

    def created_with(
        self, key_id: str, document: Mapping[str, Any], text: str, set_at: datetime, set_by: str
    ) -> None:
        """Record the policy CreateKey gave a new key (name ``default``, no bypass): the
        same version :meth:`append` would record, kept compact until it is read."""
        with self._lock:
            self._versions[key_id] = _CreatedWith(document, text, set_at, set_by)

    def versions(self, key_id: str) -> list[PolicyVersion]:
        """The versions of ``key_id``, oldest first (a copy; empty for an unknown key)."""
        with self._lock:
            if key_id not in self._versions:
                return []
            versions = self._list(key_id)
            for index, entry in enumerate(versions):  # puts become versions, once
                if isinstance(entry, _Put):
                    versions[index] = entry.version()
            return cast("list[PolicyVersion]", list(versions))

    def _list(self, key_id: str) -> list[PolicyVersion | _Put]:
        """``key_id``'s list of versions, made a list (call with the lock held)."""
        versions = self._versions.get(key_id)
        if versions is None:
            versions = self._versions[key_id] = []
        elif isinstance(versions, _CreatedWith):
            versions = self._versions[key_id] = [versions.version()]
        return versions


# --- comparing documents -------------------------------------------------------------


def _json_equal(left: Any, right: Any) -> bool:
    """Equality of JSON values: as ``==``, except that booleans only equal booleans."""
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(
            _json_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, (Mapping, list, tuple)) or isinstance(right, (Mapping, list, tuple)):
        return False
    return bool(left == right)


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _ordered_keys(
    expected: Mapping[str, Any], actual: Mapping[str, Any], first: Sequence[str]
) -> list[str]:
    keys = [k for k in first if k in expected or k in actual]
    keys += [k for k in expected if k not in keys]
    keys += [k for k in actual if k not in keys]
    return keys


def _diff_values(path: str, expected: Any, actual: Any) -> list[str]:
    """``path old -> new`` lines; mappings (Principal, Condition) are diffed member by member."""
    if _json_equal(expected, actual):
        return []
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        lines: list[str] = []
        for key in _ordered_keys(expected, actual, ()):
            lines += _diff_values(
                f"{path}[{key!r}]", expected.get(key, _ABSENT), actual.get(key, _ABSENT)
            )
        return lines
    return [f"{path} {_show(expected)} -> {_show(actual)}"]


def _statements(value: Any) -> list[Any]:
    return [value] if isinstance(value, Mapping) else list(value)


def _sid(statement: Any) -> str | None:
    if isinstance(statement, Mapping) and isinstance(statement.get("Sid"), str):
        return str(statement["Sid"])
    return None


def _label(statement: Any, index: int) -> str:
    sid = _sid(statement)
    return f"Sid {sid!r}" if sid is not None else f"Statement {index + 1} (no Sid)"


def _pair(expected: list[Any], actual: list[Any]) -> list[tuple[int, int]]:
    """Pairs (expected index, actual index): by Sid, else by order among Sid-less ones."""
    unpaired = list(range(len(actual)))
    pairs = []
    for i, statement in enumerate(expected):
        sid = _sid(statement)
        j = next((j for j in unpaired if _sid(actual[j]) == sid), None)
        if j is not None:
            unpaired.remove(j)
            pairs.append((i, j))
    return pairs


def _diff_statements(expected: Any, actual: Any) -> list[str]:
    if not isinstance(expected, (Mapping, list, tuple)) or not isinstance(
        actual, (Mapping, list, tuple)
    ):
        return _diff_values("Statement", expected, actual)
    lines = []
    if isinstance(expected, Mapping) != isinstance(actual, Mapping):
        forms = ("a single object", "a list")
        lines.append(
            f"Statement {forms[not isinstance(expected, Mapping)]} -> "
            f"{forms[not isinstance(actual, Mapping)]}"
        )
    exp, act = _statements(expected), _statements(actual)
    pairs = _pair(exp, act)
    paired_exp = {i for i, _ in pairs}
    paired_act = {j for _, j in pairs}
    for i, j in pairs:
        label = _label(exp[i], i)
        for change in _diff_statement(exp[i], act[j]):
            lines.append(f"{label} changed: {change}")
    lines += [
        f"{_label(s, i)} removed: {_show(s)}" for i, s in enumerate(exp) if i not in paired_exp
    ]
    lines += [f"{_label(s, j)} added: {_show(s)}" for j, s in enumerate(act) if j not in paired_act]
    order = [j for _, j in pairs]
    if order != sorted(order):
        before = [_label(exp[i], i) for i, _ in pairs]
        after = [_label(act[j], j) for j in sorted(order)]
        lines.append(f"Statement order [{', '.join(before)}] -> [{', '.join(after)}]")
    return lines


def _diff_statement(expected: Any, actual: Any) -> list[str]:
    if not isinstance(expected, Mapping) or not isinstance(actual, Mapping):
        return [] if _json_equal(expected, actual) else [f"{_show(expected)} -> {_show(actual)}"]
    lines: list[str] = []
    for key in _ordered_keys(expected, actual, _ELEMENTS):
        lines += _diff_values(key, expected.get(key, _ABSENT), actual.get(key, _ABSENT))
    return lines


def diff_documents(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """Statement-level differences between two policy documents, ``expected -> actual``."""
    if not isinstance(expected, Mapping) or not isinstance(actual, Mapping):
        return [] if _json_equal(expected, actual) else [f"{_show(expected)} -> {_show(actual)}"]
    lines: list[str] = []
    for key in _ordered_keys(expected, actual, ("Version", "Id", "Statement")):
        e, a = expected.get(key, _ABSENT), actual.get(key, _ABSENT)
        if key == "Statement" and e is not _ABSENT and a is not _ABSENT:
            lines += _diff_statements(e, a)
        else:
            lines += _diff_values(key, e, a)
    if not lines and not _json_equal(expected, actual):
        # Cannot happen with Sid-unique statements; kept so a difference is never silent.
        lines.append(f"documents differ: {_show(expected)} -> {_show(actual)}")
    return lines


# --- asserting on a history ------------------------------------------------------------


def _expected_documents(expected: Sequence[Mapping[str, Any] | str | PolicyVersion]) -> list[Any]:
    if isinstance(expected, (str, Mapping)):
        raise TypeError(
            "expected must be a list of policy documents, one per version, oldest first; "
            "wrap a single document in a list: [document]"
        )
    documents = []
    for index, item in enumerate(expected):
        if isinstance(item, PolicyVersion):
            documents.append(item.document)
        elif isinstance(item, Mapping):
            documents.append(item)
        elif isinstance(item, str):
            try:
                documents.append(json.loads(item))
            except json.JSONDecodeError as exc:
                raise ValueError(f"expected[{index}] is not valid JSON: {exc}") from None
        else:
            raise TypeError(
                f"expected[{index}] must be a policy document (a dict or a JSON string), "
                f"not {type(item).__name__}"
            )
    return documents


def _versions(n: int) -> str:
    return "1 version" if n == 1 else f"{n} versions"


def _headline(expected: int, actual: int, differing: Sequence[int]) -> str:
    if expected != actual:
        return (
            f"Policy history does not match: expected {_versions(expected)}, "
            f"but the key has {actual}."
        )
    numbers = ", ".join(str(i + 1) for i in differing)
    which = f"version {numbers} differs" if len(differing) == 1 else f"versions {numbers} differ"
    return (
        f"Policy history does not match: the key has {_versions(actual)} as expected, but {which}."
    )


def _skipped_creation_hint(versions: Sequence[PolicyVersion], expected: list[Any]) -> list[str]:
    if len(versions) != len(expected) + 1 or versions[0].operation != "CreateKey":
        return []
    if not all(_json_equal(e, v.document) for e, v in zip(expected, versions[1:], strict=True)):
        return []
    return [
        "Hint: the history starts with the policy set by CreateKey (the default key policy "
        "when none was given); the expected documents match the versions after it, so add "
        "that first policy at the start of the expected list."
    ]


def assert_policy_history(
    versions: Sequence[PolicyVersion], expected: Sequence[Mapping[str, Any] | str | PolicyVersion]
) -> None:
    """Assert that the policy documents in force were ``expected``, oldest first."""
    __tracebackhide__ = True
    documents = _expected_documents(expected)
    common = min(len(versions), len(documents))
    differing = [i for i in range(common) if not _json_equal(documents[i], versions[i].document)]
    if not differing and len(versions) == len(documents):
        return
    lines = [_headline(len(documents), len(versions), differing)]
    for i in differing:
        lines.append(f"Version {i + 1} ({versions[i].describe()}) differs (expected -> actual):")
        lines += [f"  {line}" for line in diff_documents(documents[i], versions[i].document)]
    for i in range(common, len(versions)):
        lines.append(f"Version {i + 1} was not expected: {versions[i].describe()}")
    for i in range(common, len(documents)):
        lines.append(f"Version {i + 1} is missing: expected {_show(documents[i])}")
    lines += _skipped_creation_hint(versions, documents)
    lines.append(f"Policy versions recorded ({len(versions)}):")
    lines += [f"  {i}. {v.describe()}" for i, v in enumerate(versions, start=1)]
    raise AssertionError("\n".join(lines))


# --- pytest's assertion rewriting ------------------------------------------------------


def _is_document(value: object) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(value, Mapping) and "Statement" in value


def _brief(value: object) -> str:
    if isinstance(value, PolicyVersion):
        return f"PolicyVersion({value.operation} at {value.set_at.isoformat()})"
    text = _show(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _field_repr(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else repr(value)


def _version_differences(left: PolicyVersion, right: PolicyVersion) -> list[str]:
    lines = diff_documents(left.document, right.document)
    for field in fields(PolicyVersion):
        if field.name == "document" or (field.name == "text" and lines):
            continue  # different documents have different texts: no news there
        a, b = getattr(left, field.name), getattr(right, field.name)
        if a != b:
            lines.append(f"{field.name} {_field_repr(a)} -> {_field_repr(b)}")
    return lines


def policy_repr_compare(left: object, right: object) -> list[str] | None:
    """Explanation lines for ``left == right`` on policy versions or documents; else None."""
    if isinstance(left, PolicyVersion) and isinstance(right, PolicyVersion):
        lines = _version_differences(left, right)
    elif _is_document(left) and _is_document(right):
        lines = diff_documents(left, right)
    else:
        return None
    if not lines:
        return None
    return [
        f"{_brief(left)} == {_brief(right)}",
        "Policy differences (left -> right):",
        *(f"  {line}" for line in lines),
    ]
