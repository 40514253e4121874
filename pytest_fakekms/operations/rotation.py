"""Key rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
RotateKeyOnDemand and ListKeyRotations.

A rotation appends a new material version to the key and makes it current
(:meth:`KeyRecord.rotate`): Encrypt and the data-key operations use the newest
version, DescribeKey's ``CurrentKeyMaterialId`` changes (aws-recorded
``test_key_rotation_updates_current_key_material_id_for_aws_symmetric_keys``),
and Decrypt keeps opening older ciphertexts because each blob names the version
that sealed it (``crypto.symmetric``). Rotations complete at once, so
``OnDemandRotationStartDate`` ("removed once the on-demand rotation is complete",
botocore model) never appears, as in the recordings taken after a rotation.

Automatic rotation runs on the virtual clock: EnableKeyRotation sets
``NextRotationDate`` to now + ``RotationPeriodInDays`` (default 365; the model
bounds it to 90..2560 and the request validator enforces that), and every clock
advance past that date rotates an Enabled key, then schedules the next rotation
one period later (:meth:`KeyRecord.complete_due_rotations`).

AWS facts (kms-facts §3.2/§3.3 and the botocore model, "BC"):

* Key states come from the key-state table (:meth:`Context.key`): Disabled ->
  ``DisabledException``, PendingImport -> ``KMSInvalidStateException ... is pending
  import.`` (VERIFIED for RotateKeyOnDemand), and so on. The conditional cells ([7])
  leave the origin and key-spec checks to the functions here.
* RotateKeyOnDemand on an asymmetric or HMAC key: ``UnsupportedOperationException``
  with no message (VERIFIED, aws-recorded
  ``test_rotate_key_on_demand_raises_error_given_non_symmetric_key``); the 26th
  on-demand rotation: ``LimitExceededException`` with :data:`ON_DEMAND_LIMIT` (VERIFIED,
  ``test_key_rotations_limits``; 25 per key, BC RotateKeyOnDemand docs); an EXTERNAL
  key without pending material: ``KMSInvalidStateException`` :data:`NO_PENDING_MATERIAL`
  (VERIFIED, ``test_rotate_key_on_demand_raises_for_no_pending_key_material``; the fake
  does not implement ImportKeyMaterial's ImportType NEW_KEY_MATERIAL, so an EXTERNAL
  key never has pending material); a response
  ``KeyId`` that is the key ARN (``test_rotate_on_demand_returns_arn_for_key_id``,
  ``test_rotate_key_on_demand_updates_current_key_material_for_external_keys``).
* ``ConflictException`` "when an automatic rotation of this key is currently in
  progress or scheduled to begin within the next 20 minutes" (BC): the fake raises it
  when NextRotationDate is at most 20 minutes away; the message is the fake's wording.
* Enable/DisableKeyRotation on asymmetric or HMAC keys: ``UnsupportedOperationException``
  (BC: "You cannot enable automatic rotation of asymmetric KMS keys, HMAC KMS keys,
  ..."); AWS's text is not on record, :data:`AUTOMATIC_ROTATION_UNSUPPORTED` is ours.
  On keys with imported material (EXTERNAL), ``UnsupportedOperationException``
  ``<arn> origin is EXTERNAL which is not valid for this operation.`` (footnote [7];
  the text is the VERIFIED RotateKeyOnDemand one, INFERRED here). The same for
  GetKeyRotationStatus on an EXTERNAL key ([7]).
* GetKeyRotationStatus on an asymmetric or HMAC key answers ``KeyRotationEnabled:
  false`` (INFERRED: Terraform reads it for every key and works against AWS; public
  report floci-io/floci#586 and its fix #618). While a key is pending deletion the
  status is false, and true again once the deletion is cancelled (GetKeyRotationStatus
  docs). With rotation off the response has only ``KeyId`` and ``KeyRotationEnabled``;
  with it on, also ``RotationPeriodInDays`` and ``NextRotationDate`` (aws-recorded
  ``test_key_enable_rotation_status[90|180]``,
  ``test_rotate_key_on_demand_with_symmetric_key_and_automatic_rotation_*``). Its
  ``KeyId`` is the key ARN (the recordings mask it; INFERRED like RotateKeyOnDemand).
* ListKeyRotations lists completed rotations oldest first, each with ``KeyId`` (the
  bare key id, as in the AWS CLI example output), ``KeyMaterialId``,
  ``KeyMaterialState`` (CURRENT or NON_CURRENT), ``RotationDate`` and ``RotationType``;
  ``IncludeKeyMaterial=ALL_KEY_MATERIAL`` adds the first material, which has no date or
  type (BC RotationsListEntry docs). Limit defaults to 100 (BC). On asymmetric and
  HMAC keys it is ``UnsupportedOperationException`` (INFERRED from BC: the parameter
  "can only be used with KMS keys that support automatic or on-demand key rotation";
  text ours). An unknown Marker is ``InvalidMarkerException`` (text ours).
* EnableKeyRotation on a key whose rotation is already on keeps its schedule when the
  period is unchanged, and re-anchors the next date on the current period's start
  when it changes (INFERRED; BC only says the period counts from the enable date).
"""

from __future__ import annotations

import datetime as dt

from pytest_fakekms.domain.keys import ON_DEMAND, KeyRecord, Rotation
from pytest_fakekms.domain.keystates import KeyState
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.paging import page_start

#: RotationPeriodInDays when the request gives none (BC EnableKeyRotation docs).
DEFAULT_ROTATION_PERIOD_DAYS = 365
#: ConflictException window before an automatic rotation (BC ConflictException docs).
CONFLICT_WINDOW = dt.timedelta(minutes=20)
#: ListKeyRotations' default Limit (BC).
DEFAULT_LIMIT = 100

UNSUPPORTED = "UnsupportedOperationException"
SYMMETRIC = "SYMMETRIC_DEFAULT"

#: VERIFIED, aws-recorded test_key_rotations_limits (no final period).
ON_DEMAND_LIMIT = (
    "The on-demand rotations limit has been reached for the given keyId. "
    "No more on-demand rotations can be performed for this key: {arn}"
)
#: VERIFIED, aws-recorded test_rotate_key_on_demand_raises_for_no_pending_key_material.
NO_PENDING_MATERIAL = "No available key material pending rotation for the key: {arn}."
#: VERIFIED for EXTERNAL on RotateKeyOnDemand (kms-facts §3.2); INFERRED for the others.
ORIGIN_NOT_VALID = "{arn} origin is {origin} which is not valid for this operation."
#: The fake's wording (AWS's text is not on record).
AUTOMATIC_ROTATION_UNSUPPORTED = (
    "{arn} key spec is {spec}: automatic key rotation is supported only on "
    "symmetric encryption KMS keys."
)
ROTATIONS_UNSUPPORTED = (
    "{arn} key spec is {spec}: key rotations exist only for symmetric encryption KMS keys."
)
CONFLICT = (
    "An automatic rotation of {arn} is in progress or scheduled to begin within the "
    "next 20 minutes."
)

_PENDING_DELETION_STATES = frozenset({KeyState.PENDING_DELETION, KeyState.PENDING_REPLICA_DELETION})


def _origin_not_valid(record: KeyRecord) -> KMSError:
    return KMSError(UNSUPPORTED, ORIGIN_NOT_VALID.format(arn=record.arn, origin=record.origin))


def _require_automatic_rotation(record: KeyRecord) -> None:
    """Only symmetric encryption keys with AWS_KMS material rotate automatically (BC)."""
    if record.key_spec != SYMMETRIC:
        message = AUTOMATIC_ROTATION_UNSUPPORTED.format(arn=record.arn, spec=record.key_spec)
        raise KMSError(UNSUPPORTED, message)
    if record.origin != "AWS_KMS":
        raise _origin_not_valid(record)


def _next_rotation_date(record: KeyRecord, period: int, now: dt.datetime) -> dt.datetime:
    """Now + period when rotation was off; otherwise the current schedule, re-anchored
    on its period's start when the period changes (see the module docstring)."""
    old_period, old_next = record.rotation_period_days, record.next_rotation_date
    if not record.rotation_enabled or old_period is None or old_next is None:
        return now + dt.timedelta(days=period)
    if period == old_period:
        return old_next
    return old_next - dt.timedelta(days=old_period) + dt.timedelta(days=period)


@operation("EnableKeyRotation")
def enable_key_rotation(ctx: Context, params: Params) -> Result:
    """Turn automatic rotation on, every RotationPeriodInDays days (default 365)."""
    record = ctx.key(params)
    _require_automatic_rotation(record)
    period: int = params.get("RotationPeriodInDays", DEFAULT_ROTATION_PERIOD_DAYS)
    record.next_rotation_date = _next_rotation_date(record, period, ctx.now)
    record.rotation_period_days = period
    record.rotation_enabled = True
    record.complete_due_rotations(ctx.now)  # a shortened period may already be due
    ctx.state.backend.watch(record)
    return {}


@operation("DisableKeyRotation")
def disable_key_rotation(ctx: Context, params: Params) -> Result:
    """Turn automatic rotation off; the period and next date are forgotten."""
    record = ctx.key(params)
    _require_automatic_rotation(record)
    record.rotation_enabled = False
    record.rotation_period_days = None
    record.next_rotation_date = None
    return {}


@operation("GetKeyRotationStatus")
def get_key_rotation_status(ctx: Context, params: Params) -> Result:
    """Whether automatic rotation is on and, if it is, its period and next date."""
    record = ctx.key(params)
    if record.key_spec == SYMMETRIC and record.origin != "AWS_KMS":
        raise _origin_not_valid(record)  # footnote [7]
    enabled = (
        record.key_spec == SYMMETRIC
        and record.rotation_enabled
        and record.state not in _PENDING_DELETION_STATES
    )
    result: Result = {"KeyRotationEnabled": enabled, "KeyId": record.arn}
    if enabled and record.next_rotation_date is not None:
        result["RotationPeriodInDays"] = record.rotation_period_days
        result["NextRotationDate"] = record.next_rotation_date.timestamp()
    return result


def _check_on_demand(ctx: Context, record: KeyRecord) -> None:
    """RotateKeyOnDemand's own checks, after the key-state table, in AWS's order as far
    as it is on record (kms-facts §1.1: key state before the operation's checks)."""
    if record.key_spec != SYMMETRIC:
        raise KMSError(UNSUPPORTED, None)  # VERIFIED: no message at all
    if record.origin == "EXTERNAL":
        raise KMSError("KMSInvalidStateException", NO_PENDING_MATERIAL.format(arn=record.arn))
    if record.origin != "AWS_KMS":
        raise _origin_not_valid(record)  # custom key stores (BC)
    if record.on_demand_rotations() >= ctx.state.quotas.on_demand_rotations_per_key:
        raise KMSError("LimitExceededException", ON_DEMAND_LIMIT.format(arn=record.arn))
    due = record.next_rotation_date
    if record.rotation_enabled and due is not None and due - ctx.now <= CONFLICT_WINDOW:
        raise KMSError("ConflictException", CONFLICT.format(arn=record.arn))


@operation("RotateKeyOnDemand")
def rotate_key_on_demand(ctx: Context, params: Params) -> Result:
    """A new current material version now; the automatic schedule does not move (BC)."""
    record = ctx.key(params)
    _check_on_demand(ctx, record)
    record.rotate(ctx.now, ON_DEMAND)
    return {"KeyId": record.arn}


def _rotation_entry(record: KeyRecord, rotation: Rotation) -> Result:
    current = rotation.material_id == record.material_id
    return {
        "KeyId": record.key_id,
        "KeyMaterialId": rotation.material_id,
        "KeyMaterialState": "CURRENT" if current else "NON_CURRENT",
        "RotationDate": rotation.date.timestamp(),
        "RotationType": rotation.rotation_type,
    }


def _first_material_entry(record: KeyRecord) -> Result:
    """The key's first material: no RotationDate or RotationType (BC)."""
    first_id = record.materials[0].material_id if record.materials else record.material_id
    return {
        "KeyId": record.key_id,
        "KeyMaterialId": first_id,
        "KeyMaterialState": "CURRENT" if first_id == record.material_id else "NON_CURRENT",
    }


def _entries(record: KeyRecord, include_all: bool, start: int, end: int) -> list[Result]:
    """Entries ``start`` to ``end`` of the listing, building no others: the first
    material first when ``include_all``, then the rotations, oldest first."""
    first = 1 if include_all else 0
    entries = [_first_material_entry(record)] if first and start == 0 < end else []
    rotations = record.rotations[max(start - first, 0) : max(end - first, 0)]
    return entries + [_rotation_entry(record, r) for r in rotations]


@operation("ListKeyRotations")
def list_key_rotations(ctx: Context, params: Params) -> Result:
    """Completed rotations oldest first (plus the first material with ALL_KEY_MATERIAL)."""
    record = ctx.key(params)
    if record.key_spec != SYMMETRIC:
        message = ROTATIONS_UNSUPPORTED.format(arn=record.arn, spec=record.key_spec)
        raise KMSError(UNSUPPORTED, message)
    include_all = params.get("IncludeKeyMaterial") == "ALL_KEY_MATERIAL" and bool(
        record.material_id
    )
    count = len(record.rotations) + (1 if include_all else 0)
    start = page_start(params.get("Marker"), count)
    end = start + params.get("Limit", DEFAULT_LIMIT)
    entries = _entries(record, include_all, start, end)
    result: Result = {"Rotations": entries, "Truncated": end < count}
    if result["Truncated"]:
        result["NextMarker"] = str(end)
    return result
