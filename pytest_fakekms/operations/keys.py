"""CreateKey, DescribeKey and ListKeys."""

from __future__ import annotations

import functools
import itertools
import json
from typing import Any

from pytest_fakekms import errors
from pytest_fakekms.crypto.specs import (
    POST_QUANTUM_SPECS,
    SUPPORTED_KEY_SPECS,
    key_usages,
    unsupported_key_spec,
)
from pytest_fakekms.domain.backend import RegionStore
from pytest_fakekms.domain.identifiers import is_ascii_digits, key_arn, partition_for
from pytest_fakekms.domain.keys import KeyRecord, new_material_id
from pytest_fakekms.domain.keystates import KeyState
from pytest_fakekms.operations.base import Context, Params, Result, ReusedResult, operation
from pytest_fakekms.operations.tags import merged_tags
from pytest_fakekms.policy.render import default_policy

# VERIFIED: aws-recorded test_hmac_create_key_invalid_operations.
KEY_USAGE_REQUIRED = (
    "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."
)
SUPPORTED_ORIGINS = ("AWS_KMS", "EXTERNAL")


def _key_spec_and_usage(params: Params) -> tuple[str, str]:
    if "KeySpec" in params and "CustomerMasterKeySpec" in params:
        # Our wording; AWS documents the two members as mutually exclusive.
        raise errors.validation("You cannot specify KeySpec and CustomerMasterKeySpec together.")
    spec = str(params.get("KeySpec") or params.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT")
    if spec not in SUPPORTED_KEY_SPECS:
        raise unsupported_key_spec(spec)
    if spec in POST_QUANTUM_SPECS:  # only these specs load cryptography at CreateKey
        from pytest_fakekms.crypto.private_keys import check_post_quantum

        check_post_quantum(spec)
    usages = key_usages(spec)
    usage: str | None = params.get("KeyUsage")
    if usage is None:
        # VERIFIED text for HMAC (aws-recorded test_hmac_create_key_invalid_operations); it
        # names "all KMS keys except for symmetric encryption keys", so RSA and ECC too.
        if spec != "SYMMETRIC_DEFAULT":
            raise errors.validation(KEY_USAGE_REQUIRED)
        usage = "ENCRYPT_DECRYPT"
    if usage not in usages:
        # VERIFIED text, no final period: aws-recorded test_derive_shared_secret
        # "response-invalid-key-spec" (CreateKey with RSA_2048 and KEY_AGREEMENT).
        raise errors.validation(f"KeyUsage {usage} is not compatible with KeySpec {spec}")
    return spec, usage


def _origin(params: Params, spec: str) -> str:
    origin: str = params.get("Origin", "AWS_KMS")
    if origin not in SUPPORTED_ORIGINS or "CustomKeyStoreId" in params:
        raise errors.KMSError(
            "UnsupportedOperationException",
            f"pytest-fakekms does not support custom key stores (Origin {origin}).",
        )
    if (
        origin == "EXTERNAL"
        and spec != "SYMMETRIC_DEFAULT"
        and not spec.startswith(("RSA_", "ECC_", "HMAC_"))
    ):
        raise errors.KMSError(
            "UnsupportedOperationException", f"Origin EXTERNAL is not supported for {spec}."
        )
    return origin


def new_key_record(ctx: Context, params: Params) -> KeyRecord:
    """A key built from CreateKey's parameters, checked but not yet stored."""
    spec, usage = _key_spec_and_usage(params)
    origin = _origin(params, spec)
    multi_region = bool(params.get("MultiRegion", False))
    key_id = ctx.state.backend.new_key_id(multi_region)
    store = ctx.state.backend.store(ctx.account_id, ctx.region)
    if len(store.keys) >= ctx.state.quotas.keys_per_region:
        raise errors.KMSError(
            "LimitExceededException",
            f"The number of KMS keys in this account and Region exceeds the quota of "
            f"{ctx.state.quotas.keys_per_region}.",
        )
    record = KeyRecord(
        key_id=key_id,
        arn=key_arn(ctx.region, ctx.account_id, key_id),
        account_id=ctx.account_id,
        region=ctx.region,
        key_spec=spec,
        key_usage=usage,
        origin=origin,
        description=params.get("Description", ""),
        creation_date=ctx.now,
        policy_source="",
        state=KeyState.PENDING_IMPORT if origin == "EXTERNAL" else KeyState.ENABLED,
        multi_region=multi_region,
    )
    if "Tags" in params:  # else the shared empty tags every untagged key has (64 B a key)
        record.tags = merged_tags({}, params["Tags"])
    if origin == "AWS_KMS" and spec == "SYMMETRIC_DEFAULT":
        record.material_id = new_material_id()
    return record


@operation("CreateKey")
def create_key(ctx: Context, params: Params) -> Result:
    """A new key with the given or the default policy (kms-facts §2.2, §7.1)."""
    record = new_key_record(ctx, params)
    ctx.key_id = record.key_id
    bypass = bool(params.get("BypassPolicyLockoutSafetyCheck", False))
    if "Policy" in params:
        # The policy engine, loaded by a session's first policy (operations.base).
        from pytest_fakekms.operations.policy_checks import check_policy, set_policy

        text = params["Policy"]
        document = check_policy(ctx, text, record.arn, bypass=bypass)
        set_policy(ctx, record, text, document, bypass=bypass)
    else:
        install_default_policy(ctx, record)
    ctx.state.backend.add_key(record)
    return {"KeyMetadata": record.metadata()}


def install_default_policy(ctx: Context, record: KeyRecord) -> None:
    """Give ``record`` AWS's default key policy and record it in the history, as set
    when the key was created."""
    text, document = _default_policy(record.account_id, record.region)
    record.policy_text = text
    ctx.state.history.created_with(record.key_id, document, text, record.creation_date, ctx.caller)


@functools.lru_cache(maxsize=64)
def _default_policy(account_id: str, region: str) -> tuple[str, dict[str, Any]]:
    """The default policy's text and parsed document, shared by every key of an account
    in a Region (never mutated: PolicyVersion freezes a copy when a test reads it)."""
    text = default_policy(account_id, partition_for(region))
    parsed: dict[str, Any] = json.loads(text)
    return text, parsed


@operation("DescribeKey")
def describe_key(ctx: Context, params: Params) -> Result:
    """KeyMetadata for any key identifier, in any key state.

    The answer is kept on the key with the fingerprint of the fields it was built from,
    and given again (JSON body included) while they are unchanged: describing the same
    key over and over is what tests and waiters do.
    """
    record = ctx.key(params)
    fingerprint = record.metadata_fingerprint()
    described = record.described
    if described is None or described[0] != fingerprint:
        described = record.described = (
            fingerprint,
            ReusedResult({"KeyMetadata": record.metadata()}),
        )
    return described[1]


@operation("ListKeys")
def list_keys(ctx: Context, params: Params) -> Result:
    """The account's keys in this Region, in creation order, with Limit/Marker paging.

    ``ResourceOwners`` (newer botocore models) may ask for ``SELF``, the keys listed
    here, and ``OTHER_ACCOUNTS_VIA_RAM``, keys other accounts share through Resource
    Access Manager, which the fake has none of: without ``SELF`` the list is empty."""
    if "SELF" not in params.get("ResourceOwners", ("SELF",)):
        if "Marker" in params:
            raise errors.invalid_marker()
        return {"Keys": [], "Truncated": False}
    store = ctx.state.backend.store(ctx.account_id, ctx.region)
    start = _marker_position(store, params["Marker"]) if "Marker" in params else 0
    limit = params.get("Limit", 100)
    page = list(itertools.islice(store.in_order(start), limit + 1))
    result: Result = {
        "Keys": [{"KeyArn": k.arn, "KeyId": k.key_id} for _, k in page[:limit]],
        "Truncated": len(page) > limit,
    }
    if result["Truncated"]:
        result["NextMarker"] = _marker(*page[limit])
    return result


def _marker(position: int, record: KeyRecord) -> str:
    """An opaque marker: where the next page starts, and the key expected there."""
    return f"{position}:{record.key_id}"


def _marker_position(store: RegionStore, marker: str) -> int:
    # The position makes each page O(page); when the store's order was rebuilt since
    # (after many deletions), the key id still finds the place.
    position_text, _, key_id = marker.partition(":")
    hint = int(position_text) if is_ascii_digits(position_text) else -1
    position = store.position_of(key_id, hint)
    if position is None:
        raise errors.invalid_marker()
    return position
