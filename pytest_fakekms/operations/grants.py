"""CreateGrant, ListGrants, RetireGrant, RevokeGrant and ListRetirableGrants.

Grants are stored on their key (:class:`~pytest_fakekms.domain.grants.GrantRecord`)
and listed, retired and revoked as AWS documents [BC]. They are **not used for
authorization**: the fake authorizes no request, so a grant neither allows nor
denies anything; tests can still assert which grants exist. A grant is visible at
once (AWS documents up to about five minutes of eventual consistency, kms-facts §6).

A key's grants are a :class:`~pytest_fakekms.domain.grants.GrantCollection`, so a
ListGrants page and a named CreateGrant cost what they return or compare, not every
grant of the key. ListRetirableGrants looks only at the keys with a grant the principal
may retire (each account's store indexes them, ``RegionStore.retirable_keys``), and
stops once it has a page.

Sources: botocore's model [BC] for the members, shapes, declared errors and the
idempotent ``Name``; the DryRun text is VERIFIED (see ``crypto_common``); the key
states are the table's rows (kms-facts §3.2); the 50,000-grants quota is kms-facts
§4.1. Messages marked "our wording" are not on record.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from typing import Any

from pytest_fakekms import errors
from pytest_fakekms.domain.grants import (
    GrantCollection,
    GrantRecord,
    allowed_operations,
    is_grant_id,
    new_grant_id,
    new_grant_token,
    plain_constraints,
    read_grant_token,
    retiring_key,
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
    ([BC] GrantConstraints; the ValidationException code and texts are our guess).
    ``SourceArn`` (botocore 1.44) is not an encryption context: any key may have it."""
    contexts = {k: v for k, v in (constraints or {}).items() if k != "SourceArn"}
    if not contexts:
        return
    if record.key_spec != "SYMMETRIC_DEFAULT":
        raise errors.validation(
            "Grant constraints are supported only for symmetric encryption KMS keys."
        )
    for member, context in contexts.items():
        if len(context) > MAX_CONSTRAINT_PAIRS:
            raise errors.validation(
                f"{member} can have at most {MAX_CONSTRAINT_PAIRS} encryption context pairs."
            )
        if any(len(value) > MAX_CONSTRAINT_VALUE for value in context.values()):
            raise errors.validation(
                f"{member} values can have at most {MAX_CONSTRAINT_VALUE} characters."
            )


def _one_of(params: Params, member: str, service_member: str) -> None:
    """[BC] "You must specify either <member> or <service_member>, but not both" (our
    wording of the refusal: ValidationException, AWS's text is not on record)."""
    if (member in params) == (service_member in params):
        raise errors.validation(
            f"You must specify either {member} or {service_member}, but not both."
        )


def _check_principals(params: Params) -> None:
    """The grantee and retiring principals, as botocore 1.44's CreateGrant docs [BC] rule
    them (the refusals are ValidationException in our wording; AWS's texts are not on
    record): exactly one grantee, an AWS principal or a service principal; at most one
    retiring principal, of either kind; and a service-principal grantee needs a
    ``SourceArn`` constraint and a retiring principal ("When you specify a
    GranteeServicePrincipal, you must also specify a SourceArn grant constraint. In
    addition, you must specify either a RetiringPrincipal or a RetiringServicePrincipal")."""
    _one_of(params, "GranteePrincipal", "GranteeServicePrincipal")
    if "RetiringPrincipal" in params and "RetiringServicePrincipal" in params:
        raise errors.validation(
            "You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both."
        )
    if "GranteeServicePrincipal" not in params:
        return
    if "SourceArn" not in (params.get("Constraints") or {}):
        raise errors.validation(
            "A grant for a GranteeServicePrincipal needs a SourceArn grant constraint."
        )
    if "RetiringPrincipal" not in params and "RetiringServicePrincipal" not in params:
        raise errors.validation(
            "A grant for a GranteeServicePrincipal needs a RetiringPrincipal or a "
            "RetiringServicePrincipal."
        )


def _requested_grant(ctx: Context, params: Params) -> GrantRecord:
    """The grant CreateGrant's parameters describe, with a fresh id (not stored yet)."""
    constraints = params.get("Constraints") or None
    return GrantRecord(
        grant_id=new_grant_id(),
        grantee_principal=params.get("GranteePrincipal"),
        operations=tuple(params["Operations"]),
        issuing_account=f"arn:{partition_for(ctx.region)}:iam::{ctx.account_id}:root",
        creation_date=ctx.now,
        name=params.get("Name"),
        retiring_principal=params.get("RetiringPrincipal"),
        constraints=plain_constraints(constraints) if constraints else None,
        grantee_service_principal=params.get("GranteeServicePrincipal"),
        retiring_service_principal=params.get("RetiringServicePrincipal"),
    )


def _existing_named(record: KeyRecord, grant: GrantRecord) -> GrantRecord | None:
    """The grant a retried, identical, named CreateGrant already made ([BC] ``Name``),
    found among the key's grants with that name only."""
    return record.grants.same_request_as(grant)


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
    _check_principals(params)
    record = ctx.key(params)
    _check_operations(record, params["Operations"])
    _check_constraints(record, params.get("Constraints"))
    grant = _requested_grant(ctx, params)
    existing = _existing_named(record, grant)
    if existing is None:
        _check_grant_quota(ctx, record)
    check_dry_run(params)
    if existing is None:
        ctx.state.backend.add_grant(record, grant)
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
    entry["CreationDate"] = grant.creation_date.timestamp()
    if grant.grantee_principal is not None:
        entry["GranteePrincipal"] = grant.grantee_principal
    if grant.retiring_principal is not None:
        entry["RetiringPrincipal"] = grant.retiring_principal
    entry.update(IssuingAccount=grant.issuing_account, Operations=list(grant.operations))
    if grant.constraints:
        entry["Constraints"] = plain_constraints(grant.constraints)
    if grant.grantee_service_principal is not None:
        entry["GranteeServicePrincipal"] = grant.grantee_service_principal
    if grant.retiring_service_principal is not None:
        entry["RetiringServicePrincipal"] = grant.retiring_service_principal
    return entry


def _limit(params: Params) -> int:
    limit: int = params.get("Limit", DEFAULT_LIMIT)
    return min(limit, MAX_LIMIT)


def _page(found: list[tuple[KeyRecord, GrantRecord]], limit: int) -> Result:
    """A page from up to ``limit + 1`` grants found from the marker on: the one past
    ``limit``, if any, starts the next page, and its grant id is the marker."""
    result: Result = {
        "Grants": [grant_entry(record, grant) for record, grant in found[:limit]],
        "Truncated": len(found) > limit,
    }
    if result["Truncated"]:
        result["NextMarker"] = found[limit][1].grant_id
    return result


def _invalid_grant_id(grant_id: str) -> KMSError:
    # Code declared by ListGrants, RetireGrant and RevokeGrant [BC]; our wording.
    return KMSError("InvalidGrantIdException", f"Invalid grantId '{grant_id}'")


def _shown_by(params: Params) -> Callable[[GrantRecord], bool]:
    """Whether ListGrants's filters, ``GrantId`` and ``GranteePrincipal`` (or, since
    botocore 1.44, ``GranteeServicePrincipal``; not both), show a grant."""
    grant_id: str | None = params.get("GrantId")
    grantee: str | None = params.get("GranteePrincipal")
    service: str | None = params.get("GranteeServicePrincipal")
    if grantee is not None and service is not None:
        _one_of(params, "GranteePrincipal", "GranteeServicePrincipal")

    def shown(grant: GrantRecord) -> bool:
        if grant_id is not None and grant.grant_id != grant_id:
            return False
        if service is not None:
            return grant.grantee_service_principal == service
        return grantee is None or grant.grantee_principal == grantee

    return shown


def _list_start(
    grants: GrantCollection, params: Params, shown: Callable[[GrantRecord], bool]
) -> int:
    """Where the page starts: at the marker, the id of a grant the filters show."""
    if "Marker" not in params:
        return 0
    position = grants.position_of(params["Marker"])
    if position is None or not shown(grants[params["Marker"]]):
        raise errors.invalid_marker()
    return position


def _candidates(grants: GrantCollection, params: Params, start: int) -> Iterator[GrantRecord]:
    """The grants from position ``start`` on, in creation order, that the filters may
    show. With ``GrantId``, only that grant, looked up (a marker, if any, is that grant)."""
    if "GrantId" not in params:
        return (grant for _, grant in grants.in_order(start))
    grant = grants.get(params["GrantId"])
    return iter(() if grant is None else (grant,))


@operation("ListGrants")
def list_grants(ctx: Context, params: Params) -> Result:
    """The key's grants in creation order, optionally one GrantId or GranteePrincipal; the
    marker is the id of the grant the next page starts at (found in O(1))."""
    record = ctx.key(params)
    if "GrantId" in params and not is_grant_id(params["GrantId"]):
        raise _invalid_grant_id(params["GrantId"])
    grants, shown, limit = record.grants, _shown_by(params), _limit(params)
    start = _list_start(grants, params, shown)
    found = filter(shown, _candidates(grants, params, start))
    return _page([(record, grant) for grant in itertools.islice(found, limit + 1)], limit)


def _retirable(
    ctx: Context, principal: str, marker: str | None
) -> Iterator[tuple[KeyRecord, GrantRecord]]:
    """The Region's grants that ``principal`` may retire, with their keys: account by
    account (in the order the backend made their stores), each account's keys in
    creation order, each key's grants in creation order; from the grant ``marker`` on,
    if given (nothing if it is not among them)."""
    keys = [
        record
        for (_, region), store in ctx.state.backend.stores()
        if region == ctx.region
        for record in store.retirable_keys(principal)
    ]
    start = 0
    if marker is not None:
        start = next(
            (at for at, record in enumerate(keys) if _retires(record, marker, principal)),
            len(keys),
        )
    for record in keys[start:]:
        grants = record.grants.retirable_by(principal)
        if marker is not None:
            grants = itertools.dropwhile(functools.partial(_is_not, marker), grants)
            marker = None
        for grant in grants:
            yield record, grant


def _retires(record: KeyRecord, grant_id: str, principal: str) -> bool:
    """Whether ``record`` has the grant ``grant_id`` and ``principal`` (a
    :func:`retiring_key`) may retire it."""
    grant = record.grants.get(grant_id)
    return grant is not None and grant.retiring_key == principal


def _is_not(grant_id: str, grant: GrantRecord) -> bool:
    return grant.grant_id != grant_id


@operation("ListRetirableGrants")
def list_retirable_grants(ctx: Context, params: Params) -> Result:
    """Grants in this Region, of any account's keys, whose retiring principal is the given
    one ([BC]), by account, then key creation order, then grant creation order; the marker
    is the id of the grant the next page starts at."""
    _one_of(params, "RetiringPrincipal", "RetiringServicePrincipal")
    principal = retiring_key(
        principal=params.get("RetiringPrincipal"),
        service_principal=params.get("RetiringServicePrincipal"),
    )
    found = _retirable(ctx, principal, params.get("Marker"))
    limit = _limit(params)
    page = list(itertools.islice(found, limit + 1))
    if "Marker" in params and not page:  # the marker's grant is not among them
        raise errors.invalid_marker()
    return _page(page, limit)


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
    ctx.state.backend.remove_grant(record, grant.grant_id)
    return {}


@operation("RevokeGrant")
def revoke_grant(ctx: Context, params: Params) -> Result:
    """Delete the grant ``GrantId`` of key ``KeyId``."""
    record = ctx.key(params)
    grant = _grant_of(record, params["GrantId"])
    check_dry_run(params)
    ctx.state.backend.remove_grant(record, grant.grant_id)
    return {}
