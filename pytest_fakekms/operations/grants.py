"""CreateGrant, ListGrants, RetireGrant, RevokeGrant and ListRetirableGrants.

Grants are stored on their key (:class:`~pytest_fakekms.domain.grants.GrantRecord`)
and listed, retired and revoked as AWS documents [BC]. They are **not used for
authorization**: the fake authorizes no request, so a grant neither allows nor
denies anything; tests can still assert which grants exist. A grant is visible at
once (AWS documents up to about five minutes of eventual consistency, kms-facts §6).

Sources: botocore's model [BC] for the members, shapes, declared errors and the
idempotent ``Name``; the DryRun text is VERIFIED (see ``crypto_common``); the key
states are the table's rows (kms-facts §3.2); the 50,000-grants quota is kms-facts
§4.1. Messages marked "our wording" are not on record.
"""

from __future__ import annotations

from typing import Any

from pytest_fakekms import errors
from pytest_fakekms.domain.grants import (
    GrantRecord,
    allowed_operations,
    is_grant_id,
    new_grant_id,
    new_grant_token,
    read_grant_token,
)
from pytest_fakekms.domain.identifiers import partition_for
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.crypto_common import check_dry_run

#: [BC] ListGrants/ListRetirableGrants ``Limit``: "between 1 and 100 ... defaults to 50".
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
#: [BC] GrantConstraints: "up to 8 encryption context pairs", values up to 384 characters.
MAX_CONSTRAINT_PAIRS = 8
MAX_CONSTRAINT_VALUE = 384


# --- CreateGrant ---------------------------------------------------------------------


def _check_operations(record: KeyRecord, operations: list[str]) -> None:
    """Each operation must suit the key ([BC] CreateGrant ``Operations``: ValidationError).

    Values outside the model's GrantOperation enum never get here: model validation
    refuses them first.
    """
    allowed = allowed_operations(record.key_spec, record.key_usage)
    unsupported = [op for op in operations if op not in allowed]
    if unsupported:
        raise errors.validation(  # our wording
            f"Grant operations {', '.join(unsupported)} are not supported for "
            f"{record.key_spec} keys with KeyUsage {record.key_usage}."
        )


def _check_constraints(record: KeyRecord, constraints: dict[str, Any] | None) -> None:
    """Encryption-context constraints: symmetric keys only, 8 pairs, 384-character values
    ([BC] GrantConstraints; the ValidationException code and texts are our guess)."""
    if not constraints:
        return
    if record.key_spec != "SYMMETRIC_DEFAULT":
        raise errors.validation(
            "Grant constraints are supported only for symmetric encryption KMS keys."
        )
    for member, context in constraints.items():
        if len(context) > MAX_CONSTRAINT_PAIRS:
            raise errors.validation(
                f"{member} can have at most {MAX_CONSTRAINT_PAIRS} encryption context pairs."
            )
        if any(len(value) > MAX_CONSTRAINT_VALUE for value in context.values()):
            raise errors.validation(
                f"{member} values can have at most {MAX_CONSTRAINT_VALUE} characters."
            )


def _requested_grant(ctx: Context, params: Params) -> GrantRecord:
    """The grant CreateGrant's parameters describe, with a fresh id (not stored yet)."""
    constraints = params.get("Constraints") or None
    return GrantRecord(
        grant_id=new_grant_id(),
        grantee_principal=params["GranteePrincipal"],
        operations=tuple(params["Operations"]),
        issuing_account=f"arn:{partition_for(ctx.region)}:iam::{ctx.account_id}:root",
        creation_date=ctx.now,
        name=params.get("Name"),
        retiring_principal=params.get("RetiringPrincipal"),
        constraints={k: dict(v) for k, v in constraints.items()} if constraints else None,
    )


def _existing_named(record: KeyRecord, grant: GrantRecord) -> GrantRecord | None:
    """The grant a retried, identical, named CreateGrant already made ([BC] ``Name``)."""
    if grant.name is None:
        return None
    return next((g for g in record.grants.values() if g.same_request(grant)), None)


def _check_grant_quota(ctx: Context, record: KeyRecord) -> None:
    limit = ctx.state.quotas.grants_per_key
    if len(record.grants) >= limit:
        # Code VERIFIED (kms-facts §4.1, [BC]); our wording.
        raise KMSError(
            "LimitExceededException",
            f"The number of grants on {record.arn} exceeds the quota of {limit}.",
        )


@operation("CreateGrant")
def create_grant(ctx: Context, params: Params) -> Result:
    """A new grant (or, for an identical named request, the existing one's id)."""
    record = ctx.key(params)
    _check_operations(record, params["Operations"])
    _check_constraints(record, params.get("Constraints"))
    grant = _requested_grant(ctx, params)
    existing = _existing_named(record, grant)
    if existing is None:
        _check_grant_quota(ctx, record)
    check_dry_run(params)
    if existing is None:
        record.grants_for_update()[grant.grant_id] = grant
    else:
        grant = existing
    # [BC] Name: "the returned grant token is unique with every CreateGrant request".
    return {"GrantToken": new_grant_token(record.arn, grant.grant_id), "GrantId": grant.grant_id}


# --- listing -------------------------------------------------------------------------


def grant_entry(record: KeyRecord, grant: GrantRecord) -> dict[str, Any]:
    """A GrantListEntry as it goes on the wire ([BC] shape; optional members left out)."""
    entry: dict[str, Any] = {
        "KeyId": record.arn,
        "GrantId": grant.grant_id,
    }
    if grant.name is not None:
        entry["Name"] = grant.name
    entry.update(
        CreationDate=grant.creation_date.timestamp(),
        GranteePrincipal=grant.grantee_principal,
    )
    if grant.retiring_principal is not None:
        entry["RetiringPrincipal"] = grant.retiring_principal
    entry.update(IssuingAccount=grant.issuing_account, Operations=list(grant.operations))
    if grant.constraints:
        entry["Constraints"] = {k: dict(v) for k, v in grant.constraints.items()}
    return entry


def _page(params: Params, entries: list[dict[str, Any]]) -> Result:
    """One page of ``entries``; the marker is the grant id the next page starts at."""
    start = 0
    if "Marker" in params:
        ids = [e["GrantId"] for e in entries]
        if params["Marker"] not in ids:
            raise KMSError("InvalidMarkerException", "The marker is not valid.")  # our wording
        start = ids.index(params["Marker"])
    limit = min(params.get("Limit", DEFAULT_LIMIT), MAX_LIMIT)
    result: Result = {
        "Grants": entries[start : start + limit],
        "Truncated": start + limit < len(entries),
    }
    if result["Truncated"]:
        result["NextMarker"] = entries[start + limit]["GrantId"]
    return result


def _invalid_grant_id(grant_id: str) -> KMSError:
    # Code declared by ListGrants, RetireGrant and RevokeGrant [BC]; our wording.
    return KMSError("InvalidGrantIdException", f"Invalid grantId '{grant_id}'")


@operation("ListGrants")
def list_grants(ctx: Context, params: Params) -> Result:
    """The key's grants in creation order, optionally one GrantId or GranteePrincipal."""
    record = ctx.key(params)
    grants = list(record.grants.values())
    if "GrantId" in params:
        if not is_grant_id(params["GrantId"]):
            raise _invalid_grant_id(params["GrantId"])
        grants = [g for g in grants if g.grant_id == params["GrantId"]]
    if "GranteePrincipal" in params:
        grants = [g for g in grants if g.grantee_principal == params["GranteePrincipal"]]
    return _page(params, [grant_entry(record, g) for g in grants])


@operation("ListRetirableGrants")
def list_retirable_grants(ctx: Context, params: Params) -> Result:
    """Grants in this Region, of any account's keys, whose retiring principal is the given
    one ([BC]), in key creation order, then grant creation order."""
    principal = params["RetiringPrincipal"]
    entries = [
        grant_entry(record, grant)
        for (_, region), store in ctx.state.backend.stores()
        if region == ctx.region
        for record in store.keys.values()
        for grant in record.grants.values()
        if grant.retiring_principal == principal
    ]
    return _page(params, entries)


# --- RetireGrant and RevokeGrant -------------------------------------------------------


def _grant_not_found(record: KeyRecord, grant_id: str) -> KMSError:
    # Code: RevokeGrant on an unknown grant answers NotFoundException (INFERRED: moto
    # changed to it "to align with AWS", getmoto/moto#5410); our wording.
    return KMSError("NotFoundException", f"Grant ID {grant_id} not found for key {record.arn}")


def _grant_of(record: KeyRecord, grant_id: str) -> GrantRecord:
    if not is_grant_id(grant_id):
        raise _invalid_grant_id(grant_id)
    grant = record.grants.get(grant_id)
    if grant is None:
        raise _grant_not_found(record, grant_id)
    return grant


def _retire_target(ctx: Context, params: Params) -> tuple[KeyRecord, GrantRecord]:
    """The grant RetireGrant names: by GrantToken, or by KeyId and GrantId ([BC])."""
    if "GrantToken" in params:
        contents = read_grant_token(params["GrantToken"])
        if contents is None:
            raise KMSError("InvalidGrantTokenException", "Invalid grant token.")  # our wording
        record = ctx.key({"KeyId": contents.key_arn})
        grant = _grant_of(record, contents.grant_id)
        if params.get("GrantId", grant.grant_id) != grant.grant_id:
            raise _invalid_grant_id(params["GrantId"])
        return record, grant
    if "KeyId" not in params or "GrantId" not in params:
        # AWS's answer is not on record; our wording.
        raise errors.validation("Either GrantToken, or both KeyId and GrantId, must be specified.")
    record = ctx.key(params)
    return record, _grant_of(record, params["GrantId"])


@operation("RetireGrant")
def retire_grant(ctx: Context, params: Params) -> Result:
    """Delete a grant named by its token, or by key and grant id."""
    record, grant = _retire_target(ctx, params)
    check_dry_run(params)
    del record.grants_for_update()[grant.grant_id]
    return {}


@operation("RevokeGrant")
def revoke_grant(ctx: Context, params: Params) -> Result:
    """Delete the grant ``GrantId`` of key ``KeyId``."""
    record = ctx.key(params)
    grant = _grant_of(record, params["GrantId"])
    check_dry_run(params)
    del record.grants_for_update()[grant.grant_id]
    return {}
