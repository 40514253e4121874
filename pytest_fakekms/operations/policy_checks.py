"""PutKeyPolicy, and the checks every new key policy passes (CreateKey shares them).

The checks run in this order, each answering AWS's error (kms-facts §0):
size quota (LimitExceededException), syntax (MalformedPolicyDocumentException),
principals (the verified "invalid principals" text), then, unless
``BypassPolicyLockoutSafetyCheck`` is true, the lockout safety check (§2.1).
Bypass skips only the last one. Nothing is stored until every check passed.

This module imports the policy engine (:mod:`pytest_fakekms.policy`, about 8 ms), so it
is loaded by a session's first PutKeyPolicy or CreateKey with a policy
(``operations.base.FIRST_USE_MODULES``).
"""

from __future__ import annotations

from pytest_fakekms import errors
from pytest_fakekms.domain.identifiers import partition_for
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.policies import check_policy_name
from pytest_fakekms.policy.document import PolicyDocument, parse_policy
from pytest_fakekms.policy.evaluator import check_lockout
from pytest_fakekms.policy.principals import validate_principals


def check_policy(ctx: Context, text: str, key_arn: str, *, bypass: bool) -> PolicyDocument:
    """Every check a new key policy must pass; returns the parsed document."""
    size = len(text) if text.isascii() else len(text.encode("utf-8"))  # isascii() is O(1)
    limit = ctx.state.quotas.key_policy_bytes
    if size > limit:
        # Code VERIFIED (kms-facts §0 row 18); the message is our wording (AWS's is unknown).
        raise errors.KMSError(
            "LimitExceededException",
            f"The key policy is {size} bytes, which exceeds the quota of {limit} bytes.",
        )
    document = parse_policy(text)
    exists = ctx.state.principal_exists if ctx.state.strict_principals else None
    validate_principals(document, partition=partition_for(ctx.region), exists=exists)
    if not bypass:
        check_lockout(
            document, caller_arn=ctx.caller, key_arn=key_arn, region=ctx.region, now=ctx.now
        )
    return document


def set_policy(
    ctx: Context, record: KeyRecord, text: str, document: PolicyDocument, *, bypass: bool
) -> None:
    """Store an accepted policy on the key and append it to the key's history."""
    record.policy_source = document.value  # rendered when first read
    ctx.state.history.put(
        record.key_id, text, ctx.now, ctx.caller, bypass=bypass, operation=ctx.operation
    )


@operation("PutKeyPolicy")
def put_key_policy(ctx: Context, params: Params) -> Result:
    """Replace the key policy after every check AWS makes (kms-facts §0)."""
    record = ctx.key(params)
    check_policy_name(params)
    bypass = bool(params.get("BypassPolicyLockoutSafetyCheck", False))
    text = params["Policy"]
    document = check_policy(ctx, text, record.arn, bypass=bypass)
    set_policy(ctx, record, text, document, bypass=bypass)
    return {}
