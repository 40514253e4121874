"""GetKeyPolicy and ListKeyPolicies: reading a key's policy needs no policy engine.

PutKeyPolicy and the checks CreateKey shares with it are in :mod:`.policy_checks`,
which loads the engine on a session's first policy change.
"""

from __future__ import annotations

import functools

from pytest_fakekms import errors
from pytest_fakekms.operations.base import Context, Params, Result, ReusedResult, operation
from pytest_fakekms.policy.elements import DEFAULT_POLICY_NAME


def check_policy_name(params: Params) -> None:
    """A key has one policy, ``default``: any other PolicyName is not found."""
    if params.get("PolicyName", DEFAULT_POLICY_NAME) != DEFAULT_POLICY_NAME:
        raise errors.KMSError("NotFoundException", errors.NO_SUCH_POLICY_MESSAGE)  # api.md §7


@operation("GetKeyPolicy")
def get_key_policy(ctx: Context, params: Params) -> Result:
    """The key policy, in AWS's re-serialized form (kms-facts §1.3)."""
    record = ctx.key(params)
    check_policy_name(params)
    return _policy_answer(record.policy_text)


@functools.lru_cache(maxsize=64)
def _policy_answer(text: str) -> ReusedResult:
    """GetKeyPolicy's answer for a policy text: a function of the text alone, so it is
    kept (and encoded once) for the last few texts; every key of an account shares the
    default policy's. The text's hash is cached on the string the key holds."""
    return ReusedResult({"Policy": text, "PolicyName": DEFAULT_POLICY_NAME})


@operation("ListKeyPolicies")
def list_key_policies(ctx: Context, params: Params) -> Result:
    """Always ``["default"]`` (kms-facts §1.3, VERIFIED)."""
    ctx.key(params)
    return {"PolicyNames": [DEFAULT_POLICY_NAME], "Truncated": False}
