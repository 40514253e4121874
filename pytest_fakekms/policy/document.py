"""Key-policy documents: parse the JSON text, check its grammar, compile its statements.

:func:`parse_policy` reads the text with duplicate keys rejected, checks the
policy grammar (kms-facts §1.2, api.md §7) and returns an immutable
:class:`PolicyDocument` whose statements carry precompiled matchers
(:mod:`.matching`) and conditions (:mod:`.conditions`). Results are cached by
text, so PutKeyPolicy, GetKeyPolicy and every evaluation of the same policy
parse it once.

Every problem raises ``MalformedPolicyDocumentException``. AWS's text is on
record only for a statement without a principal (kms-facts §0 row 13) and for
invalid principals (row 14); every other message here is our own wording
(row 16: code inferred, message unknown) and names the offending element.
Anything wrong inside ``Principal``/``NotPrincipal`` (a bare ARN string, an
unknown principal type, a non-string or an empty list) is reported with AWS's
invalid-principals text, since that is the answer AWS is on record giving for
principals it cannot use. Whether the principal values are well-formed ARNs is
checked separately by :func:`.principals.validate_principals`.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pytest_fakekms import errors
from pytest_fakekms.policy.conditions import Condition, compile_conditions
from pytest_fakekms.policy.matching import (
    NOBODY,
    NOTHING,
    PrincipalSet,
    StatementMatchers,
    WildcardSet,
    wildcard_set,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: The policy-language versions IAM accepts; a missing Version means 2008-10-17
#: (IAM User Guide, reference_policies_elements_version).
VERSIONS = ("2012-10-17", "2008-10-17")
DEFAULT_VERSION = "2008-10-17"
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")

_TOP_ELEMENTS = frozenset({"Version", "Id", "Statement"})
#: The elements a statement may have, in the order AWS documents them.
STATEMENT_ELEMENTS: tuple[str, ...] = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
_STATEMENT_ELEMENTS = frozenset(STATEMENT_ELEMENTS)
# `service:action` with IAM wildcards, or `*` alone.
_ACTION = re.compile(r"\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+", re.ASCII)


Effect = Literal["Allow", "Deny"]


@dataclass(frozen=True)
class Principal:
    """A ``Principal``/``NotPrincipal`` element: ``"*"`` or values by principal type."""

    everyone: bool = False  # the bare string "*"
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()

    def items(self) -> Iterator[tuple[str, str]]:
        """Every (principal type, value) pair, e.g. ``("AWS", "arn:aws:iam::…:root")``."""
        for kind, values in zip(PRINCIPAL_TYPES, self._columns(), strict=True):
            for value in values:
                yield kind, value

    def matcher(self) -> PrincipalSet:
        """The compiled matcher: ``*`` and ``{"AWS": "*"}`` match every caller."""
        everyone = self.everyone or "*" in self.aws
        return PrincipalSet.build(everyone, (v for _, v in self.items()))

    def _columns(self) -> tuple[tuple[str, ...], ...]:
        return (self.aws, self.service, self.federated, self.canonical_user)


@dataclass(frozen=True)
class Statement:
    """One policy statement; ``matchers`` is derived from the other fields."""

    sid: str | None
    effect: Effect
    principal: Principal | None
    not_principal: Principal | None
    action: tuple[str, ...] | None
    not_action: tuple[str, ...] | None
    resource: tuple[str, ...] | None
    not_resource: tuple[str, ...] | None
    condition: tuple[Condition, ...] = ()
    matchers: StatementMatchers = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matchers", self._compile())

    def _compile(self) -> StatementMatchers:
        # A statement that names neither form of an element matches nothing.
        if self.principal is not None:
            principals, p_neg = self.principal.matcher(), False
        elif self.not_principal is not None:
            principals, p_neg = self.not_principal.matcher(), True
        else:
            principals, p_neg = NOBODY, False
        actions, a_neg = _patterns(self.action, self.not_action, ignore_case=True)
        resources, r_neg = _patterns(self.resource, self.not_resource, ignore_case=False)
        return StatementMatchers(principals, p_neg, actions, a_neg, resources, r_neg)


def _patterns(
    positive: tuple[str, ...] | None, negative: tuple[str, ...] | None, *, ignore_case: bool
) -> tuple[WildcardSet, bool]:
    if positive is not None:
        return wildcard_set(positive, ignore_case), False
    if negative is not None:
        return wildcard_set(negative, ignore_case), True
    return NOTHING, False


@dataclass(frozen=True)
class PolicyDocument:
    """A parsed key policy. ``value`` is the JSON value as sent: treat it as read-only."""

    version: str
    id: str | None
    statements: tuple[Statement, ...]
    value: dict[str, object] = field(compare=False)
    #: Every distinct (principal type, value) named by Principal or NotPrincipal.
    principal_items: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    #: True when some statement has a Condition (its decisions then depend on the request's
    #: condition keys, such as the time, and are never memoized).
    has_conditions: bool = field(init=False, repr=False, compare=False)
    #: Lockout-check decisions of an unconditioned document, by (caller ARN, key ARN): see
    #: :func:`.evaluator.check_lockout`. Documents are cached by text, so a policy that is
    #: put again is not evaluated again.
    lockout_decisions: dict[tuple[str, str], bool] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "has_conditions", any(st.condition for st in self.statements))
        items = dict.fromkeys(  # distinct, in document order
            item
            for st in self.statements
            for principal in (st.principal, st.not_principal)
            if principal is not None
            for item in principal.items()
        )
        object.__setattr__(self, "principal_items", tuple(items))


@functools.lru_cache(maxsize=256)
def parse_policy(text: str) -> PolicyDocument:
    """Parse and check a key policy (cached by text); raises MalformedPolicyDocument."""
    value = load_json(text)
    if not isinstance(value, dict):
        raise errors.malformed_policy("Policy document must be a JSON object")
    unknown = [k for k in value if k not in _TOP_ELEMENTS]
    if unknown:
        raise errors.malformed_policy(f"Policy contains an unknown element: {unknown[0]}")
    return PolicyDocument(
        version=_version(value.get("Version", DEFAULT_VERSION)),
        id=_policy_id(value),
        statements=tuple(_known_statement(s) for s in _statement_list(value)),
        value=value,
    )


def load_json(text: str) -> object:
    """``json.loads`` that rejects duplicate keys, NaN/Infinity and non-JSON text."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except RecursionError:
        raise errors.malformed_policy("Policy is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an int too long to convert
        raise errors.malformed_policy(f"Policy is not valid JSON: {_reason(exc)}") from None


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
    return str(exc)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        duplicate = _first_duplicate([k for k, _ in pairs])
        raise errors.malformed_policy(f"Policy contains a duplicate element: {duplicate}")
    return result


def _first_duplicate(keys: list[str]) -> str:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    raise AssertionError("no duplicate")  # pragma: no cover - caller checked


def _reject_constant(name: str) -> object:
    raise errors.malformed_policy(f"Policy is not valid JSON: {name} is not a JSON number")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise errors.malformed_policy(f"Policy contains a number out of range: {literal[:40]}")
    return number


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _version(value: object) -> str:
    if not isinstance(value, str) or value not in VERSIONS:
        raise errors.malformed_policy(f"Policy has an invalid Version: {_show(value)}")
    return value


def _policy_id(policy: dict[str, object]) -> str | None:
    if "Id" not in policy:
        return None
    policy_id = policy["Id"]
    if not isinstance(policy_id, str):
        raise errors.malformed_policy(f"Policy has an invalid Id: {_show(policy_id)}")
    return policy_id


def _statement_list(policy: dict[str, object]) -> list[dict[str, object]]:
    if "Statement" not in policy:
        raise errors.malformed_policy("Policy has no Statement")
    raw = policy["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise errors.malformed_policy("Policy has an empty Statement list")
    if not all(isinstance(s, dict) for s in items):
        raise errors.malformed_policy("Policy contains a statement that is not a JSON object")
    return items  # type: ignore[return-value]  # every item checked to be a dict


def _known_statement(raw: dict[str, object]) -> Statement:
    """``_statement`` with a cache keyed by the statement's compact JSON: successive
    policies of a key mostly repeat their statements, and compiling one costs ~15 us."""
    return _compiled_statement(_compact_json(raw))


#: ``json.dumps(raw, separators=(",", ":"))`` without building a new encoder per statement
#: (a 100-statement policy would build 100 of them).
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


@functools.lru_cache(maxsize=4096)
def _compiled_statement(canonical: str) -> Statement:
    return _statement(json.loads(canonical))


def _statement(raw: dict[str, object]) -> Statement:
    unknown = [k for k in raw if k not in _STATEMENT_ELEMENTS]
    if unknown:
        raise errors.malformed_policy(
            f"Policy contains a statement with an unknown element: {unknown[0]}"
        )
    sid, effect = _sid(raw), _effect(raw)
    principal, not_principal = _principals(raw)
    action, not_action = _either(raw, "Action", _valid_action)
    resource, not_resource = _either(raw, "Resource", _valid_resource)
    return Statement(
        sid=sid,
        effect=effect,
        principal=principal,
        not_principal=not_principal,
        action=action,
        not_action=not_action,
        resource=resource,
        not_resource=not_resource,
        condition=compile_conditions(raw["Condition"]) if "Condition" in raw else (),
    )


def _sid(raw: dict[str, object]) -> str | None:
    # Key-policy Sids may contain spaces, unlike IAM's (kms-facts §1.2).
    if "Sid" not in raw:
        return None
    sid = raw["Sid"]
    if not isinstance(sid, str):
        raise errors.malformed_policy(
            f"Policy contains a statement with an invalid Sid: {_show(sid)}"
        )
    return sid


def _effect(raw: dict[str, object]) -> Effect:
    if "Effect" not in raw:
        raise errors.malformed_policy("Policy contains a statement with no Effect")
    effect = raw["Effect"]
    if effect == "Allow":
        return "Allow"
    if effect == "Deny":
        return "Deny"
    raise errors.malformed_policy(
        f"Policy contains a statement with an invalid Effect: {_show(effect)}"
    )


def _principals(raw: dict[str, object]) -> tuple[Principal | None, Principal | None]:
    if "Principal" in raw and "NotPrincipal" in raw:
        raise errors.malformed_policy(
            "Policy contains a statement with both Principal and NotPrincipal"
        )
    if "Principal" in raw:
        return _principal(raw["Principal"]), None
    if "NotPrincipal" in raw:
        return None, _principal(raw["NotPrincipal"])
    raise errors.malformed_policy(errors.NO_PRINCIPAL_MESSAGE)  # kms-facts §0 row 13


def _principal(value: object) -> Principal:
    if value == "*":
        return Principal(everyone=True)
    if not isinstance(value, dict) or not value or not set(value) <= set(PRINCIPAL_TYPES):
        raise errors.malformed_policy(errors.INVALID_PRINCIPALS_MESSAGE)
    columns = [_principal_values(value[kind]) if kind in value else () for kind in PRINCIPAL_TYPES]
    return Principal(False, *columns)


def _principal_values(value: object) -> tuple[str, ...]:
    items = _string_list(value)
    if items is None:
        raise errors.malformed_policy(errors.INVALID_PRINCIPALS_MESSAGE)
    return items


def _string_list(value: object) -> tuple[str, ...] | None:
    """A string or non-empty list of strings as a tuple; None for anything else."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _either(
    raw: dict[str, object], name: str, check: Callable[[str], bool]
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """Read ``name`` or ``Not<name>``: exactly one must be present (api.md §7)."""
    negated = f"Not{name}"
    if name in raw and negated in raw:
        raise errors.malformed_policy(f"Policy contains a statement with both {name} and {negated}")
    if name not in raw and negated not in raw:
        # Rejected since 2025-08-18 per AWS's notice (kms-facts §0 row 17, api.md §7).
        raise errors.malformed_policy(f"Policy contains a statement with no {name}")
    element = name if name in raw else negated
    values = _string_list(raw[element])
    if values is None:
        raise errors.malformed_policy(
            f"Policy contains a statement whose {element} is not a string "
            "or a non-empty list of strings"
        )
    for value in values:
        if not check(value):
            raise errors.malformed_policy(
                f"Policy contains a statement with an invalid {element}: {_show(value)}"
            )
    return (values, None) if element == name else (None, values)


def _valid_action(value: str) -> bool:
    return _ACTION.fullmatch(value) is not None


def _valid_resource(value: str) -> bool:
    return value != ""
