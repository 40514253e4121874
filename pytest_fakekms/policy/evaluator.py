"""Key-policy evaluation and the lockout safety check (api.md §7, kms-facts §2.1).

A request is a :class:`RequestContext`: who calls (principal ARN), what
(``kms:PutKeyPolicy``), on which key (its ARN) and the condition-key values.
A statement applies when its Principal/NotPrincipal, Action/NotAction and
Resource/NotResource all match (the precompiled ``Statement.matchers``) and
every condition holds. :func:`evaluate` then decides as IAM does: an applying
``Deny`` wins, otherwise an applying ``Allow`` is needed, otherwise the request
is implicitly denied.

Only the key policy is evaluated: a statement naming the caller's account
(root ARN or account id) delegates to IAM, and the fake takes IAM as allowing
(api.md §7; the real check also consults the caller's IAM policies,
kms-facts §2.1, INFERRED).

The lockout check evaluates the *future* ``kms:PutKeyPolicy`` request the
caller would make under the new policy, with
``kms:BypassPolicyLockoutSafetyCheck`` false, and raises AWS's error when it
would not be allowed (kms-facts §0 row 15).
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from pytest_fakekms import errors
from pytest_fakekms.policy.conditions import iso8601
from pytest_fakekms.policy.identity import Caller, parse_caller

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_fakekms.policy.document import PolicyDocument, Statement


class Decision(enum.Enum):
    """The outcome of evaluating a policy for one request."""

    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


@dataclass(frozen=True)
class RequestContext:
    """A request as the policy sees it; ``values`` keys are looked up case-insensitively."""

    principal_arn: str
    action: str
    resource: str
    values: Mapping[str, object] = field(default_factory=dict)
    caller: Caller = field(init=False, repr=False, compare=False)
    lookup: Mapping[str, object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "caller", parse_caller(self.principal_arn))
        object.__setattr__(self, "lookup", {k.lower(): v for k, v in self.values.items()})

    def get(self, key: str) -> object:
        """The value of condition key ``key`` (any case), or None when absent."""
        return self.lookup.get(key.lower())


def context_for(
    principal_arn: str,
    action: str,
    key_arn: str,
    *,
    region: str,
    bypass: bool | None = None,
    now: datetime | None = None,
    extra: Mapping[str, object] | None = None,
) -> RequestContext:
    """The request context AWS would build for ``principal_arn`` calling ``action``."""
    moment = now if now is not None else datetime.now(timezone.utc)
    values = identity_keys(parse_caller(principal_arn))
    values["aws:RequestedRegion"] = region
    values["aws:CurrentTime"] = iso8601(moment)
    values["aws:EpochTime"] = int(_aware(moment).timestamp())
    values["aws:SecureTransport"] = True
    if bypass is not None:
        values["kms:BypassPolicyLockoutSafetyCheck"] = bypass
    for key, value in (extra or {}).items():
        _set_key(values, key, value)
    return RequestContext(principal_arn, action, key_arn, values)


def identity_keys(caller: Caller) -> dict[str, object]:
    """The ``aws:Principal*``, ``aws:userid``/``username`` and ``kms:CallerAccount`` keys."""
    keys: dict[str, object] = {"aws:PrincipalArn": caller.principal_arn}
    optional = {
        "aws:PrincipalAccount": caller.account,
        "aws:PrincipalType": caller.principal_type,
        "aws:userid": caller.userid,
        "aws:username": caller.username,
        "kms:CallerAccount": caller.account,
    }
    keys.update((k, v) for k, v in optional.items() if v is not None)
    return keys


def _set_key(values: dict[str, object], key: str, value: object) -> None:
    """Set ``key``, replacing an entry that differs from it only by case."""
    for existing in [k for k in values if k.lower() == key.lower()]:
        del values[existing]
    values[key] = value


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def evaluate(doc: PolicyDocument, ctx: RequestContext) -> Decision:
    """Explicit Deny wins; otherwise an Allow is needed (IAM evaluation logic)."""
    allowed = False
    for statement in doc.statements:
        if allowed and statement.effect == "Allow":
            continue  # only a Deny can still change the answer
        if statement_applies(statement, ctx):
            if statement.effect == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def statement_applies(statement: Statement, ctx: RequestContext) -> bool:
    """Whether ``statement`` covers the request and all its conditions hold."""
    if not statement.matchers.covers(ctx.caller, ctx.action, ctx.resource):
        return False
    conditions = statement.condition
    return not conditions or all(condition.holds(ctx.lookup) for condition in conditions)


def allows(doc: PolicyDocument, ctx: RequestContext) -> bool:
    """Whether the policy allows the request."""
    return evaluate(doc, ctx) is Decision.ALLOW


def check_lockout(
    doc: PolicyDocument, *, caller_arn: str, key_arn: str, region: str, now: datetime
) -> None:
    """Raise AWS's lockout error unless ``doc`` lets the caller call PutKeyPolicy again.

    The decision is memoized per document. Without conditions it depends on the caller
    and the key alone (the statements' principal, action and resource matchers). With
    conditions it depends on the request context, which :func:`context_for` builds from
    the caller, the key, the Region and the time alone; the virtual clock moves only when
    told to, so a text put again at the same virtual time is decided once.
    """
    memo_key: tuple[object, ...] = (
        (caller_arn, key_arn, region, now) if doc.has_conditions else (caller_arn, key_arn)
    )
    decisions = doc.lockout_decisions
    allowed = decisions.get(memo_key)
    if allowed is None:
        allowed = _lockout_allows(doc, caller_arn, key_arn, region, now)
        if len(decisions) >= _MAX_LOCKOUT_DECISIONS:
            decisions.clear()
        decisions[memo_key] = allowed
    if not allowed:
        # kms-facts §0 row 15, VERIFIED
        raise errors.KMSError("MalformedPolicyDocumentException", errors.LOCKOUT_MESSAGE)


#: Memoized lockout decisions kept per document (a bound on memory, not a tuning knob).
_MAX_LOCKOUT_DECISIONS = 1024


def _lockout_allows(
    doc: PolicyDocument, caller_arn: str, key_arn: str, region: str, now: datetime
) -> bool:
    if doc.has_conditions:
        ctx = context_for(
            caller_arn, "kms:PutKeyPolicy", key_arn, region=region, bypass=False, now=now
        )
    else:  # no condition reads a key: the request context needs none of them
        ctx = _unconditioned_context(caller_arn, key_arn)
    return allows(doc, ctx)


@functools.lru_cache(maxsize=256)
def _unconditioned_context(caller_arn: str, key_arn: str) -> RequestContext:
    """The lockout check's request for a document without conditions: a function of the
    caller and the key alone, and immutable, so kept for the last few pairs (building one
    costs about as much as evaluating a two-statement document with it)."""
    return RequestContext(caller_arn, "kms:PutKeyPolicy", key_arn)
