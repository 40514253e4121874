"""CreateAlias, UpdateAlias, DeleteAlias and ListAliases."""

from __future__ import annotations

import bisect
from typing import Any

from pytest_fakekms import errors
from pytest_fakekms.domain.backend import AliasRecord, RegionStore
from pytest_fakekms.domain.identifiers import alias_arn
from pytest_fakekms.domain.keystates import KeyState, cell
from pytest_fakekms.operations.base import Context, Params, Result, operation

# VERIFIED: aws-recorded test_create_alias.
ALIAS_PREFIX_MESSAGE = (
    'Alias must start with the prefix "alias/". Please see '
    "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
)


def _check_alias_name(name: str) -> None:
    if not name.startswith("alias/"):
        raise errors.validation(ALIAS_PREFIX_MESSAGE)


def _check_new_alias_name(name: str) -> None:
    """CreateAlias's checks: the prefix, and not AWS's reserved ``alias/aws/``. Only
    CreateAlias declares InvalidAliasNameException [BC]; UpdateAlias and DeleteAlias of
    an ``alias/aws/`` name find no such alias of the caller's (NotFoundException)."""
    _check_alias_name(name)
    if name.startswith("alias/aws/"):
        # AWS reserves this prefix for AWS managed keys; our wording.
        raise errors.KMSError(
            "InvalidAliasNameException", "Alias names cannot begin with alias/aws/."
        )


def _existing(ctx: Context, store: RegionStore, name: str) -> AliasRecord:
    alias = store.aliases.get(name)
    if alias is None:
        raise errors.alias_not_found(alias_arn(ctx.region, ctx.account_id, name))
    return alias


def _check_alias_quota(ctx: Context, store: RegionStore, key_id: str) -> None:
    limit = ctx.state.quotas.aliases_per_key
    if len(store.aliases_of(key_id)) >= limit:
        raise errors.KMSError(
            "LimitExceededException", f"A KMS key can have at most {limit} aliases."
        )


@operation("CreateAlias")
def create_alias(ctx: Context, params: Params) -> Result:
    """A new alias for a key in the caller's account and Region."""
    name = params["AliasName"]
    _check_new_alias_name(name)
    record = ctx.key(params, "TargetKeyId")
    store = ctx.state.backend.store(ctx.account_id, ctx.region)
    arn = alias_arn(ctx.region, ctx.account_id, name)
    if name in store.aliases:
        raise errors.KMSError(
            "AlreadyExistsException", f"An alias with the name {arn} already exists"
        )
    _check_alias_quota(ctx, store, record.key_id)
    store.add_alias(AliasRecord(name, arn, record.key_id, ctx.now, ctx.now))
    return {}


@operation("UpdateAlias")
def update_alias(ctx: Context, params: Params) -> Result:
    """Point an existing alias at another key."""
    name = params["AliasName"]
    _check_alias_name(name)
    store = ctx.state.backend.store(ctx.account_id, ctx.region)
    alias = _existing(ctx, store, name)
    record = ctx.key(params, "TargetKeyId")
    if record.state in (KeyState.PENDING_DELETION, KeyState.PENDING_REPLICA_DELETION):
        # Key-state footnote [10]: the *destination* key may not be pending deletion.
        raise cell(ctx.operation, record.state).error(record.arn)
    if record.key_id != alias.target_key_id:
        _check_alias_quota(ctx, store, record.key_id)
        store.retarget_alias(alias, record.key_id)
    alias.last_updated_date = ctx.now
    return {}


@operation("DeleteAlias")
def delete_alias(ctx: Context, params: Params) -> Result:
    """Remove an alias; the key is untouched."""
    name = params["AliasName"]
    _check_alias_name(name)
    store = ctx.state.backend.store(ctx.account_id, ctx.region)
    alias = _existing(ctx, store, name)
    ctx.key_id = alias.target_key_id
    store.remove_alias(name)
    return {}


def _alias_entry(alias: AliasRecord) -> dict[str, Any]:
    return {
        "AliasName": alias.name,
        "AliasArn": alias.arn,
        "TargetKeyId": alias.target_key_id,
        "CreationDate": alias.creation_date.timestamp(),
        "LastUpdatedDate": alias.last_updated_date.timestamp(),
    }


@operation("ListAliases")
def list_aliases(ctx: Context, params: Params) -> Result:
    """Aliases in the caller's account and Region, optionally of one key, by name, with
    paging: the marker is the name of the next alias, and a page costs what is on it."""
    store = ctx.state.backend.store(ctx.account_id, ctx.region)
    if "KeyId" in params:
        key_id = ctx.key(params, check_state=False).key_id
        names = sorted(alias.name for alias in store.aliases_of(key_id))  # 50 at most
    else:
        names = store.alias_names
    start = 0
    if "Marker" in params:
        start = bisect.bisect_left(names, params["Marker"])
        if start == len(names) or names[start] != params["Marker"]:
            raise errors.invalid_marker()
    limit = params.get("Limit", 100)
    result: Result = {
        "Aliases": [_alias_entry(store.aliases[name]) for name in names[start : start + limit]],
        "Truncated": start + limit < len(names),
    }
    if result["Truncated"]:
        result["NextMarker"] = names[start + limit]
    return result
