"""IAM condition operators, compiled once when a policy is parsed.

A ``Condition`` block maps operators to ``{key: value-or-values}``. Compiling
turns every (operator, key) pair into one :class:`Condition` whose ``holds``
decides it against a request context. The IAM rules encoded here (IAM User
Guide, reference_policies_elements_condition_operators and
reference_policies_multi-value-conditions):

* Operators are AND'd, keys within an operator are AND'd, the values given for
  one key are OR'd; a negated operator (``StringNotEquals``, ``ArnNotLike``,
  ``NumericNotEquals``, ``DateNotEquals``, ``NotIpAddress``) holds when the
  context value matches none of them (NOR).
* Key names are case-insensitive: they are looked up lower-cased.
* A key absent from the context makes a condition false, but true for a
  negated operator ("If the policy condition requires that the key is *not*
  matched, such as StringNotLike or ArnNotLike, and the right key is not
  present, the condition is true"), for the ``...IfExists`` forms, and under
  ``ForAllValues:``. ``Null`` tests presence itself: ``"true"`` holds when the
  key is absent, ``"false"`` when it is present.
* ``ForAnyValue:`` holds when some context value satisfies the operator,
  ``ForAllValues:`` when every one does. Without a qualifier, a multi-valued
  context key behaves like ``ForAnyValue`` for positive operators.

Each operator family has a builder that turns the policy's values into a test
of ONE context value against "any of the policy values"; negation and the set
qualifiers are applied around that test in :meth:`Condition.holds`. Policy
values that cannot be read for the operator (``NumericEquals: "abc"``) never
match: whether AWS rejects them at PutKeyPolicy is not on record.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pytest_fakekms import errors
from pytest_fakekms.policy.matching import wildcard_regex, wildcard_set

#: Test of one context value against the compiled policy values of a condition.
ValueTest = Callable[[object], bool]
#: Builds a ValueTest from a condition's policy values.
Builder = Callable[[tuple[str, ...]], ValueTest]

_QUALIFIERS = ("ForAnyValue", "ForAllValues")
_IF_EXISTS = "IfExists"


@dataclass(frozen=True)
class Condition:
    """One compiled (operator, key) entry of a ``Condition`` block."""

    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    key: str  # as written, e.g. "aws:PrincipalArn"
    values: tuple[str, ...]  # the policy values, as strings
    base: str  # operator without qualifier and IfExists, e.g. "StringLike"
    qualifier: str | None  # "ForAnyValue", "ForAllValues" or None
    if_exists: bool
    negated: bool
    test: ValueTest = field(repr=False, compare=False)
    lookup_key: str = field(repr=False, compare=False)  # key.lower()

    def holds(self, context: Mapping[str, object]) -> bool:
        """Whether the condition holds; ``context`` maps lower-cased keys to values."""
        present = context_values(context.get(self.lookup_key))
        if self.base == "Null":
            return _null_holds(self.values, bool(present))
        if not present:
            return self._holds_when_absent()
        if self.qualifier == "ForAllValues":
            return all(self.test(v) != self.negated for v in present)
        if self.qualifier == "ForAnyValue":
            return any(self.test(v) != self.negated for v in present)
        return any(self.test(v) for v in present) != self.negated

    def _holds_when_absent(self) -> bool:
        if self.if_exists or self.qualifier == "ForAllValues":
            return True
        if self.qualifier == "ForAnyValue":
            return False
        return self.negated


def compile_conditions(block: object) -> tuple[Condition, ...]:
    """Compile a statement's ``Condition`` element (raises MalformedPolicyDocument)."""
    if not isinstance(block, dict):
        raise errors.malformed_policy(
            "Policy contains a statement whose Condition is not an object"
        )
    compiled: list[Condition] = []
    for op_name, entries in block.items():
        parse_operator(op_name)  # rejects an unknown operator even with no keys under it
        if not isinstance(entries, dict):
            raise errors.malformed_policy(
                f"Policy contains a condition operator whose value is not an object: {op_name}"
            )
        compiled.extend(compile_condition(op_name, key, raw) for key, raw in entries.items())
    return tuple(compiled)


def compile_condition(op_name: str, key: str, raw: object) -> Condition:
    """Compile one ``{"<operator>": {"<key>": <value or values>}}`` entry."""
    base, qualifier, if_exists = parse_operator(op_name)
    values = _policy_values(op_name, key, raw)
    builder, negated = FAMILIES[base]
    return Condition(
        operator=op_name,
        key=key,
        values=values,
        base=base,
        qualifier=qualifier,
        if_exists=if_exists,
        negated=negated,
        test=builder(values),
        lookup_key=key.lower(),
    )


def parse_operator(name: str) -> tuple[str, str | None, bool]:
    """Split ``ForAnyValue:StringLikeIfExists`` into (base, qualifier, if_exists)."""
    qualifier: str | None = None
    rest = name
    prefix, colon, tail = name.partition(":")
    if colon:
        if prefix not in _QUALIFIERS:
            raise _unknown_operator(name)
        qualifier, rest = prefix, tail
    if_exists = rest.endswith(_IF_EXISTS)
    base = rest[: -len(_IF_EXISTS)] if if_exists else rest
    # Null tests presence itself: it takes neither IfExists nor a set qualifier.
    if base not in FAMILIES or (base == "Null" and (if_exists or qualifier)):
        raise _unknown_operator(name)
    return base, qualifier, if_exists


def _unknown_operator(name: str) -> errors.KMSError:
    # AWS's wording for this case is not on record (kms-facts §0 row 16).
    return errors.malformed_policy(f"Policy contains an unknown condition operator: {name}")


def _policy_values(op_name: str, key: str, raw: object) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(_is_scalar(v) for v in items):
        raise errors.malformed_policy(
            f"Policy contains a condition with an invalid value: {op_name} {key}"
        )
    return tuple(as_text(v) for v in items)


def _is_scalar(value: object) -> bool:
    return isinstance(value, (str, int, float, bool))


def context_values(raw: object) -> tuple[object, ...]:
    """A context entry as a tuple of values; ``()`` when absent (None or empty)."""
    if raw is None:
        return ()
    if isinstance(raw, (list, tuple, set, frozenset)):
        return tuple(v for v in raw if v is not None)
    return (raw,)


def as_text(value: object) -> str:
    """A context or policy value as IAM compares strings (``true``, ``42``, ISO dates)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso8601(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return str(value)


def iso8601(moment: datetime) -> str:
    """``2024-05-01T12:00:00Z`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _null_holds(values: tuple[str, ...], present: bool) -> bool:
    wanted = {v.lower() for v in values}
    return ("true" in wanted and not present) or ("false" in wanted and present)


# --- string ---------------------------------------------------------------------------


def _string_equals(values: tuple[str, ...]) -> ValueTest:
    allowed = frozenset(values)
    return lambda v: as_text(v) in allowed


def _string_equals_ignore_case(values: tuple[str, ...]) -> ValueTest:
    allowed = frozenset(v.casefold() for v in values)
    return lambda v: as_text(v).casefold() in allowed


def _string_like(values: tuple[str, ...]) -> ValueTest:
    patterns = wildcard_set(values, False)
    return lambda v: patterns.matches(as_text(v))


# --- ARN ------------------------------------------------------------------------------


def _arn_like(values: tuple[str, ...]) -> ValueTest:
    """ArnEquals and ArnLike alike: each of the six ARN parts matched on its own."""
    regex = re.compile("|".join(_arn_regex(v) for v in values), re.DOTALL)
    return lambda v: regex.fullmatch(as_text(v)) is not None


def _arn_regex(pattern: str) -> str:
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        # Not six parts, so nothing to compare part by part: only a lone "*" matches.
        return ".*" if pattern == "*" else "(?!)"
    head = [wildcard_regex(p, any_char="[^:]") for p in parts[:5]]
    return "(?:" + ":".join([*head, wildcard_regex(parts[5])]) + ")"


# --- numeric and date -------------------------------------------------------------------

Compare = Callable[[float, float], bool]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return float(value)
    except (ValueError, OverflowError):
        return None


def _epoch(value: object) -> float | None:
    """Seconds since the epoch from a datetime, an epoch number or an ISO 8601 string."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.timestamp()
    number = _number(value)
    if number is not None or not isinstance(value, str):
        return number
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _epoch(moment)


def _comparing(read: Callable[[object], float | None], compare: Compare) -> Builder:
    def build(values: tuple[str, ...]) -> ValueTest:
        limits = [n for n in map(read, values) if n is not None]

        def test(value: object) -> bool:
            n = read(value)
            return n is not None and any(compare(n, limit) for limit in limits)

        return test

    return build


# --- bool, binary, IP -----------------------------------------------------------------


def _bool(values: tuple[str, ...]) -> ValueTest:
    allowed = frozenset(v.lower() for v in values)
    return lambda v: as_text(v).lower() in allowed


def _decode_b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _binary(values: tuple[str, ...]) -> ValueTest:
    allowed = frozenset(b for b in map(_decode_b64, values) if b is not None)

    def test(value: object) -> bool:
        if isinstance(value, (bytes, bytearray)):
            return bytes(value) in allowed
        return isinstance(value, str) and _decode_b64(value) in allowed

    return test


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _ip_address(values: tuple[str, ...]) -> ValueTest:
    networks = [n for n in map(_network, values) if n is not None]

    def test(value: object) -> bool:
        try:
            address = ipaddress.ip_address(as_text(value))
        except ValueError:
            return False
        return any(address in n for n in networks if n.version == address.version)

    return test


def _never(values: tuple[str, ...]) -> ValueTest:
    # Null is decided in Condition.holds from presence alone.
    return lambda v: False


def _family_table() -> dict[str, tuple[Builder, bool]]:
    """Each base operator: (builder of the positive test, negated?)."""
    table: dict[str, tuple[Builder, bool]] = {
        "StringEquals": (_string_equals, False),
        "StringNotEquals": (_string_equals, True),
        "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
        "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
        "StringLike": (_string_like, False),
        "StringNotLike": (_string_like, True),
        "ArnEquals": (_arn_like, False),
        "ArnLike": (_arn_like, False),
        "ArnNotEquals": (_arn_like, True),
        "ArnNotLike": (_arn_like, True),
        "Bool": (_bool, False),
        "BinaryEquals": (_binary, False),
        "IpAddress": (_ip_address, False),
        "NotIpAddress": (_ip_address, True),
        "Null": (_never, False),
    }
    comparisons: dict[str, tuple[Compare, bool]] = {
        "Equals": (operator.eq, False),
        "NotEquals": (operator.eq, True),
        "LessThan": (operator.lt, False),
        "LessThanEquals": (operator.le, False),
        "GreaterThan": (operator.gt, False),
        "GreaterThanEquals": (operator.ge, False),
    }
    for suffix, (compare, negated) in comparisons.items():
        table[f"Numeric{suffix}"] = (_comparing(_number, compare), negated)
        table[f"Date{suffix}"] = (_comparing(_epoch, compare), negated)
    return table


#: Every base operator the fake knows: name -> (builder, negated).
FAMILIES: dict[str, tuple[Builder, bool]] = _family_table()
