"""Key states: what each KMS operation does with a key in each state, as data.

Every KMS key is in one of eight :class:`KeyState` values. Whether an operation
may touch a key depends only on the operation and that state, so the whole
behaviour is one table, :data:`TABLE`: for each of the 54 KMS operations and each
state, a :class:`Cell` saying what happens:

* ``ACCEPTED``: the state is fine; the operation carries on.
* ``REJECTED``: AWS refuses with the cell's error code and message template
  (``"{arn} is disabled."``; the key ARN is filled in, the text ends with a period).
* ``CONDITIONAL``: AWS's documentation says "it depends" (on the key's origin, on
  which of two keys it is). This layer lets the request through and the operation
  decides the rest; the cell's note says what to check.
* ``NOT_APPLICABLE``: no real key can be in this state for this operation (an
  HMAC key cannot be in a custom key store, so it is never ``Unavailable``). The
  fake only gets there through ``set_key_state``, and answers with the error the
  state gives every other operation (``... is unavailable.``), so a forced state
  is never silently usable.
* ``NOT_KEY_SCOPED``: the operation does not act on a key (CreateKey, ListKeys,
  GenerateRandom, ListRetirableGrants, the custom key store operations).

The table is transcribed from AWS's "Key states of AWS KMS keys" table (DG23
``key-state.md``, kms-facts §3.2); its PD column covers both ``PendingDeletion``
and ``PendingReplicaDeletion``. Operations added since then follow their
siblings (kms-facts §3.3). Each cell says whether it is VERIFIED (code and text
on record) or INFERRED, and where it comes from. Every error code in the table is
one the operation declares in botocore's model (the tests check that).

:func:`check_key_state` is on every request's path, so the table is compiled into
:data:`_CHECKS` once at import: one dict look-up per call, and nothing else
unless the request is refused.

The states a key moves through are data too, in :data:`TRANSITIONS`:
:func:`next_state` answers where a state-changing operation takes a key, and
raises the table's error for an illegal move, before anything changes.
``fake_kms.set_key_state`` bypasses both and may force any state
(:data:`FORCEABLE_STATES`). ``KeyMetadata.Enabled`` is true exactly when the
state is ``Enabled`` (kms-facts §3.1): :func:`enabled_flag`.
"""

from __future__ import annotations

import dataclasses
import enum
import types
from typing import TYPE_CHECKING

from pytest_fakekms.errors import KMSError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "FORCEABLE_STATES",
    "KEY_SCOPED",
    "NOT_KEY_SCOPED_OPERATIONS",
    "STATE_ORDER",
    "TABLE",
    "TRANSITIONS",
    "WITH_REPLICAS",
    "Cell",
    "KeyState",
    "Outcome",
    "Status",
    "accepted_states",
    "cell",
    "check_key_state",
    "enabled_flag",
    "next_state",
]


class KeyState(str, enum.Enum):
    """A KMS key state, with AWS's exact spelling as its value."""

    CREATING = "Creating"
    ENABLED = "Enabled"
    DISABLED = "Disabled"
    PENDING_DELETION = "PendingDeletion"
    PENDING_IMPORT = "PendingImport"
    PENDING_REPLICA_DELETION = "PendingReplicaDeletion"
    UNAVAILABLE = "Unavailable"
    UPDATING = "Updating"

    def __str__(self) -> str:
        return self.value


class Outcome(enum.Enum):
    """What an operation does with a key in a given state."""

    ACCEPTED = "accepted"
    CONDITIONAL = "conditional"
    REJECTED = "rejected"
    NOT_APPLICABLE = "not applicable"
    NOT_KEY_SCOPED = "not key-scoped"


class Status(enum.Enum):
    """How sure we are of a cell: VERIFIED (on record) or INFERRED (best guess)."""

    VERIFIED = "VERIFIED"
    INFERRED = "INFERRED"


@dataclasses.dataclass(frozen=True)
class Cell:
    """One (operation, state) entry of the table.

    ``code``/``template`` are the error AWS gives. On a ``CONDITIONAL`` cell they
    are the error the operation must give when the condition fails, if it is fixed.
    """

    outcome: Outcome
    status: Status
    source: str
    code: str | None = None
    template: str | None = None
    note: str = ""

    @property
    def rejects(self) -> bool:
        """True when :func:`check_key_state` raises for this cell."""
        return self.outcome in (Outcome.REJECTED, Outcome.NOT_APPLICABLE)

    def error(self, key_arn: str) -> KMSError:
        """The cell's error for the key ``key_arn``."""
        if self.code is None or self.template is None:
            raise ValueError(f"{self.outcome.value} cell has no error")
        return KMSError(self.code, self.template.format(arn=key_arn))


# --- error codes and message templates (kms-facts §3.2 footnotes) -----------------

DISABLED_EXC = "DisabledException"
INVALID_STATE_EXC = "KMSInvalidStateException"
UNSUPPORTED_EXC = "UnsupportedOperationException"

IS_DISABLED = "{arn} is disabled."  # [1]
IS_PENDING_DELETION = "{arn} is pending deletion."  # [2]/[3], single-Region wording
IS_PENDING_REPLICA_DELETION = "{arn} is pending replica deletion."  # [3] replica wording
IS_NOT_PENDING_DELETION = "{arn} is not pending deletion."  # [4]
IS_PENDING_IMPORT = "{arn} is pending import."  # [5]
ORIGIN_EXTERNAL = "{arn} origin is EXTERNAL which is not valid for this operation."  # [6]
ORIGIN_CLOUDHSM = "{arn} origin is AWS_CLOUDHSM which is not valid for this operation."
IS_UNAVAILABLE = "{arn} is unavailable."  # [11]
IS_CREATING = "{arn} is creating."  # [14]
IS_UPDATING = "{arn} is updating."  # [15]

# --- the cells the table is made of ------------------------------------------------

DG = "DG23 key-state.md"
_V, _I = Status.VERIFIED, Status.INFERRED

_PD_WORDING = "the single-Region wording of the text is INFERRED (kms-facts §3.2)"
_PRD_WORDING = "the replica text is INFERRED from the doc's '(or pending replica deletion)'"


def _ok(source: str = DG, status: Status = _V, note: str = "") -> Cell:
    return Cell(Outcome.ACCEPTED, status, source, note=note)


def _cond(note: str, source: str = DG, status: Status = _V, template: str | None = None) -> Cell:
    code = None if template is None else INVALID_STATE_EXC
    return Cell(Outcome.CONDITIONAL, status, source, code, template, note)


def _x(code: str, template: str, source: str, status: Status, note: str = "") -> Cell:
    return Cell(Outcome.REJECTED, status, source, code, template, note)


def _na(template: str, note: str, source: str = f"{DG} N/A") -> Cell:
    return Cell(Outcome.NOT_APPLICABLE, _I, source, INVALID_STATE_EXC, template, note)


def _pd(source: str, status: Status, choice: str = "") -> tuple[Cell, Cell]:
    """A PD-column rejection: the PendingDeletion and PendingReplicaDeletion cells."""
    pd_note = "; ".join(filter(None, (choice, "" if status is _V else _PD_WORDING)))
    prd_note = "; ".join(filter(None, (choice, _PRD_WORDING)))
    return (
        _x(INVALID_STATE_EXC, IS_PENDING_DELETION, source, status, pd_note),
        _x(INVALID_STATE_EXC, IS_PENDING_REPLICA_DELETION, source, _I, prd_note),
    )


OK = _ok()
OK9 = _ok(
    note="[9]: a key that cannot have imported material (origin not EXTERNAL) gets "
    "UnsupportedOperationException; the operation checks the origin"
)
OK12 = _ok(
    note="[12]: succeeds, but the state changes only once the key is available "
    "again; the fake keeps the key Unavailable"
)
OK_NO_EFFECT = _ok(note="succeeds with no effect (there is no key material to delete)")
C7 = _cond(
    "[7]: keys with imported material or in a custom key store get "
    "UnsupportedOperationException; the operation checks the origin"
)
C9 = _cond(
    "[9]: keys that cannot have imported material get UnsupportedOperationException "
    "'<key ARN> origin is AWS_KMS which is not valid for this operation.' "
    "(text VERIFIED, LS-S); the operation checks the origin"
)
X1 = _x(DISABLED_EXC, IS_DISABLED, f"{DG} [1]; LS-S, LS-S3 recordings", _V)
X1_7 = _x(
    DISABLED_EXC,
    IS_DISABLED,
    f"{DG} [1]/[7]",
    _V,
    "[1] chosen; [7] (imported material or custom key store: "
    "UnsupportedOperationException) is left to the operation, which runs after this check",
)
X3 = _pd(f"{DG} [3]", _I)
X3_7 = _pd(f"{DG} [3]/[7]", _I, "[3] chosen; [7] is left to the operation")
X3_SCHEDULE = _pd(
    f"{DG} [3]; LS-T test_cant_delete_deleted_key; TF key.go",
    _I,
    "code VERIFIED (LS-T); Terraform matches 'is pending deletion' in its text",
)
X2_3_CRYPTO = _pd(
    f"{DG} [2]/[3]; LS-T test_cant_use_disabled_or_deleted_keys; LS-S3",
    _V,
    "[3] chosen: real AWS answers this today (kms-facts §3.2)",
)
X2_3 = _pd(
    f"{DG} [2]/[3]",
    _I,
    "[3] chosen, as real AWS answers the cryptographic operations (kms-facts §3.2)",
)
X8_9 = _pd(
    f"{DG} [8]/[9]",
    _I,
    "[8] chosen (keys with imported material); for other keys AWS gives [9] "
    "UnsupportedOperationException, and its order of checks is not on record",
)
# [10] carries the error the operation gives when the *target* key is pending deletion.
C10 = (
    _cond(
        "[10]: succeeds when the alias's current (source) key is pending deletion; "
        "fails with this error when the target key is: the operation checks the target",
        template=IS_PENDING_DELETION,
    ),
    _cond(
        "[10], replica wording of the text INFERRED: the operation checks the target",
        status=_I,
        template=IS_PENDING_REPLICA_DELETION,
    ),
)
X4 = _x(
    INVALID_STATE_EXC,
    IS_NOT_PENDING_DELETION,
    f"{DG} [4]; LS-T test_schedule_and_cancel_key_deletion",
    _I,
    "code VERIFIED (LS-T); the text without '(or pending replica deletion)' INFERRED",
)
X4_13 = dataclasses.replace(
    X4,
    source=f"{DG} [4][13]",
    note=f"{X4.note}; [13]: a key pending deletion stays PendingDeletion when it becomes "
    "unavailable, so its deletion can still be cancelled",
)
X5 = _x(INVALID_STATE_EXC, IS_PENDING_IMPORT, f"{DG} [5]; LS-S Encrypt", _V)
X6 = _x(UNSUPPORTED_EXC, ORIGIN_EXTERNAL, f"{DG} [6]; LS-S RotateKeyOnDemand", _V)
_CLOUDHSM_NOTE = (
    "code from the footnote; text by analogy with [6] (only custom-key-store keys "
    "are Unavailable; an external key store key would say EXTERNAL_KEY_STORE)"
)
X7_UNAVAILABLE = _x(UNSUPPORTED_EXC, ORIGIN_CLOUDHSM, f"{DG} [7]", _I, _CLOUDHSM_NOTE)
X9_UNAVAILABLE = _x(UNSUPPORTED_EXC, ORIGIN_CLOUDHSM, f"{DG} [9]", _I, _CLOUDHSM_NOTE)
X11 = _x(INVALID_STATE_EXC, IS_UNAVAILABLE, f"{DG} [11]", _V)
X14 = _x(INVALID_STATE_EXC, IS_CREATING, f"{DG} [14]", _V)
X15 = _x(INVALID_STATE_EXC, IS_UPDATING, f"{DG} [15]", _V)
NA_IMPORT = _na(
    IS_PENDING_IMPORT,
    "N/A in the doc (no such key can be pending import); the state's usual error [5]",
)
NA_UNAVAILABLE = _na(
    IS_UNAVAILABLE,
    "N/A in the doc (no such key can be in a custom key store); the state's usual error [11]",
)

_PD = Cell | tuple[Cell, Cell]
# The doc's columns: Enabled, Disabled, PD, PendingImport, Unavailable, Creating, Updating.
# PD is PendingDeletion and PendingReplicaDeletion: one cell for both, or a pair.
_Row = tuple[Cell, Cell, _PD, Cell, Cell, Cell, Cell]

_ALL_OK: _Row = (OK, OK, OK, OK, OK, OK, OK)
_CRYPTO: _Row = (OK, X1, X2_3_CRYPTO, X5, X11, X14, OK)
_ASYMMETRIC_OR_HMAC: _Row = (OK, X1, X2_3_CRYPTO, NA_IMPORT, NA_UNAVAILABLE, X14, OK)
_ENABLE_DISABLE: _Row = (OK, OK, X3, X5, OK12, X14, X15)
_ROTATION: _Row = (C7, X1_7, X3_7, X6, X7_UNAVAILABLE, X14, C7)
_ROTATION_STATUS: _Row = (C7, C7, C7, X6, X7_UNAVAILABLE, C7, C7)
_METADATA: _Row = (OK, OK, X3, OK, OK, OK, OK)

#: The 2023 table, row by row: Enabled, Disabled, PD, PendingImport, Unavailable,
#: Creating, Updating (kms-facts §3.2).
_DOC_ROWS: dict[str, _Row] = {
    "CancelKeyDeletion": (X4, X4, OK, X4, X4_13, X4, X4),
    "CreateAlias": _METADATA,
    "CreateGrant": (OK, X1, X2_3, X5, OK, X14, OK),
    "Decrypt": _CRYPTO,
    "DeleteAlias": _ALL_OK,
    "DeleteImportedKeyMaterial": (OK9, OK9, OK9, OK_NO_EFFECT, NA_UNAVAILABLE, X14, X15),
    "DescribeKey": _ALL_OK,
    "DisableKey": _ENABLE_DISABLE,
    "DisableKeyRotation": _ROTATION,
    "EnableKey": _ENABLE_DISABLE,
    "EnableKeyRotation": _ROTATION,
    "Encrypt": _CRYPTO,
    "GenerateDataKey": _CRYPTO,
    "GenerateDataKeyPair": _CRYPTO,
    "GenerateDataKeyPairWithoutPlaintext": _CRYPTO,
    "GenerateDataKeyWithoutPlaintext": _CRYPTO,
    "GenerateMac": _ASYMMETRIC_OR_HMAC,
    "GetKeyPolicy": _ALL_OK,
    "GetKeyRotationStatus": _ROTATION_STATUS,
    "GetParametersForImport": (C9, C9, X8_9, OK, X9_UNAVAILABLE, X14, X15),
    "GetPublicKey": (OK, X1, X2_3, NA_IMPORT, NA_UNAVAILABLE, X14, OK),
    "ImportKeyMaterial": (C9, C9, X8_9, OK, X9_UNAVAILABLE, X14, OK),
    "ListAliases": _ALL_OK,
    "ListGrants": _ALL_OK,
    "ListKeyPolicies": _ALL_OK,
    "ListResourceTags": _ALL_OK,
    "PutKeyPolicy": _ALL_OK,
    "ReEncrypt": _CRYPTO,
    "ReplicateKey": (OK, X1, X2_3, X5, NA_UNAVAILABLE, X14, X15),
    "RetireGrant": _ALL_OK,
    "RevokeGrant": _ALL_OK,
    "ScheduleKeyDeletion": (OK, OK, X3_SCHEDULE, OK, OK, OK, X15),
    "Sign": _ASYMMETRIC_OR_HMAC,
    "TagResource": _METADATA,
    "UntagResource": _METADATA,
    "UpdateAlias": (OK, OK, C10, OK, OK, OK, OK),
    "UpdateKeyDescription": _METADATA,
    "UpdatePrimaryRegion": (OK, X1, X2_3, X5, NA_UNAVAILABLE, X14, OK),
    "Verify": _ASYMMETRIC_OR_HMAC,
    "VerifyMac": _ASYMMETRIC_OR_HMAC,
}


def _inferred(row: _Row, like: str) -> _Row:
    """``row`` re-labelled INFERRED: a newer operation assumed to behave like ``like``."""

    def relabel(cell: Cell) -> Cell:
        source = f"kms-facts §3.3: like {like} ({cell.source})"
        return dataclasses.replace(cell, status=_I, source=source)

    enabled, disabled, pd, pending_import, unavailable, creating, updating = row
    pd = (relabel(pd[0]), relabel(pd[1])) if isinstance(pd, tuple) else relabel(pd)
    return (
        relabel(enabled),
        relabel(disabled),
        pd,
        relabel(pending_import),
        relabel(unavailable),
        relabel(creating),
        relabel(updating),
    )


_ROTATE_LS = "kms-facts §3.3; LS-S RotateKeyOnDemand"
_ROTATE_ON_DEMAND: _Row = (
    _cond(
        "only symmetric encryption keys outside custom key stores; an asymmetric or HMAC "
        "key gets UnsupportedOperationException with no message, an EXTERNAL key without "
        "new material KMSInvalidStateException (kms-facts §3.3): the operation checks",
        source=_ROTATE_LS,
    ),
    _x(DISABLED_EXC, IS_DISABLED, _ROTATE_LS, _V),
    _pd("kms-facts §3.3", _I),
    _x(INVALID_STATE_EXC, IS_PENDING_IMPORT, _ROTATE_LS, _V),
    dataclasses.replace(
        X7_UNAVAILABLE,
        source="BC RotateKeyOnDemand doc (no custom key store keys)",
        note=_CLOUDHSM_NOTE,
    ),
    dataclasses.replace(X14, status=_I, source="kms-facts §3.3: like ReplicateKey [14]"),
    _cond("like EnableKeyRotation [7]", source="kms-facts §3.3", status=_I),
)

#: Operations added after the 2023 table (kms-facts §3.3).
_NEWER_ROWS: dict[str, _Row] = {
    "DeriveSharedSecret": _inferred(_ASYMMETRIC_OR_HMAC, "the other cryptographic operations"),
    "Encapsulate": _inferred(_ASYMMETRIC_OR_HMAC, "the other cryptographic operations"),
    "Decapsulate": _inferred(_ASYMMETRIC_OR_HMAC, "the other cryptographic operations"),
    "GetKeyLastUsage": _inferred(_ALL_OK, "DescribeKey"),
    "ListKeyRotations": _inferred(_ROTATION_STATUS, "GetKeyRotationStatus"),
    "RotateKeyOnDemand": _ROTATE_ON_DEMAND,
}

#: Operations that do not act on an existing key (kms-facts §3.3, VERIFIED: DG23's table
#: "includes only the API operations that use an existing KMS key").
NOT_KEY_SCOPED_OPERATIONS: frozenset[str] = frozenset(
    {
        "ConnectCustomKeyStore",
        "CreateCustomKeyStore",
        "CreateKey",
        "DeleteCustomKeyStore",
        "DescribeCustomKeyStores",
        "DisconnectCustomKeyStore",
        "GenerateRandom",
        "ListKeys",
        "ListRetirableGrants",
        "UpdateCustomKeyStore",
    }
)

#: The states in the doc's column order, PD split in two.
STATE_ORDER: tuple[KeyState, ...] = (
    KeyState.ENABLED,
    KeyState.DISABLED,
    KeyState.PENDING_DELETION,
    KeyState.PENDING_REPLICA_DELETION,
    KeyState.PENDING_IMPORT,
    KeyState.UNAVAILABLE,
    KeyState.CREATING,
    KeyState.UPDATING,
)


def _expand(row: _Row) -> dict[KeyState, Cell]:
    """One doc row (PD as one column) as a cell per state."""
    enabled, disabled, pd, pending_import, unavailable, creating, updating = row
    deletion, replica_deletion = pd if isinstance(pd, tuple) else (pd, pd)
    cells = (enabled, disabled, deletion, replica_deletion, pending_import, unavailable)
    return dict(zip(STATE_ORDER, (*cells, creating, updating), strict=True))


def _build_table() -> dict[str, Mapping[KeyState, Cell]]:
    rows = {**_DOC_ROWS, **_NEWER_ROWS}
    table: dict[str, Mapping[KeyState, Cell]] = {
        op: types.MappingProxyType(_expand(row)) for op, row in rows.items()
    }
    not_scoped = _ok("kms-facts §3.3", note="the operation does not act on an existing key")
    not_scoped = dataclasses.replace(not_scoped, outcome=Outcome.NOT_KEY_SCOPED)
    for op in NOT_KEY_SCOPED_OPERATIONS:
        table[op] = types.MappingProxyType(dict.fromkeys(STATE_ORDER, not_scoped))
    return dict(sorted(table.items()))


#: operation -> state -> :class:`Cell`, for all 54 KMS operations.
TABLE: Mapping[str, Mapping[KeyState, Cell]] = types.MappingProxyType(_build_table())

#: The operations that act on an existing key and so go through the table.
KEY_SCOPED: frozenset[str] = frozenset(TABLE) - NOT_KEY_SCOPED_OPERATIONS

#: The table compiled for the request path: None when the state passes, else (code, template).
_CHECKS: dict[str, dict[KeyState, tuple[str, str] | None]] = {
    op: {
        state: (cell.code, cell.template)
        if cell.rejects and cell.code is not None and cell.template is not None
        else None
        for state, cell in row.items()
    }
    for op, row in TABLE.items()
}


def check_key_state(operation: str, key_arn: str, state: KeyState) -> None:
    """Raise the KMSError AWS gives when ``operation`` meets a key in ``state``.

    Accepted, conditional and not-key-scoped cells return at once; an unknown
    operation name is a bug in the fake and raises ``ValueError``.
    """
    try:
        rejection = _CHECKS[operation][state]
    except KeyError:
        raise ValueError(f"no key-state row for {operation!r} / {state!r}") from None
    if rejection is not None:
        raise KMSError(rejection[0], rejection[1].format(arn=key_arn))


def cell(operation: str, state: KeyState) -> Cell:
    """The table's cell for ``operation`` and ``state`` (``KeyError`` if unknown)."""
    return TABLE[operation][state]


def accepted_states(operation: str) -> frozenset[KeyState]:
    """The states in which ``operation`` gets past :func:`check_key_state`."""
    return frozenset(state for state, c in TABLE[operation].items() if not c.rejects)


# --- transitions -----------------------------------------------------------------

_S = KeyState

#: State-changing operation -> {state it may start from: state it leaves the key in}.
#: The starting states are exactly the table's accepted states for the operation
#: (kms-facts §3.1, §7.2, VERIFIED). EnableKey/DisableKey on an Unavailable key
#: succeed but change nothing until the key is available again ([12]).
TRANSITIONS: Mapping[str, Mapping[KeyState, KeyState]] = types.MappingProxyType(
    {
        "EnableKey": types.MappingProxyType(
            {_S.ENABLED: _S.ENABLED, _S.DISABLED: _S.ENABLED, _S.UNAVAILABLE: _S.UNAVAILABLE}
        ),
        "DisableKey": types.MappingProxyType(
            {_S.ENABLED: _S.DISABLED, _S.DISABLED: _S.DISABLED, _S.UNAVAILABLE: _S.UNAVAILABLE}
        ),
        "ScheduleKeyDeletion": types.MappingProxyType(
            dict.fromkeys(
                (_S.ENABLED, _S.DISABLED, _S.PENDING_IMPORT, _S.UNAVAILABLE, _S.CREATING),
                _S.PENDING_DELETION,
            )
        ),
        # Back to Disabled, not to the state before scheduling (kms-facts §3.1).
        "CancelKeyDeletion": types.MappingProxyType(
            dict.fromkeys((_S.PENDING_DELETION, _S.PENDING_REPLICA_DELETION), _S.DISABLED)
        ),
    }
)

#: Where an operation takes a multi-Region primary key that still has replicas,
#: instead of its usual target (kms-facts §7.2, VERIFIED [BC]).
WITH_REPLICAS: Mapping[str, KeyState] = types.MappingProxyType(
    {"ScheduleKeyDeletion": _S.PENDING_REPLICA_DELETION}
)

#: ``fake_kms.set_key_state`` may force any state, bypassing the table (api.md §2).
FORCEABLE_STATES: frozenset[KeyState] = frozenset(KeyState)


def next_state(
    operation: str, state: KeyState, *, key_arn: str, has_replicas: bool = False
) -> KeyState:
    """The state ``operation`` leaves a key in, or the table's error for an illegal move.

    Pure: it changes nothing, so the caller stores the result only once it returned.
    ``has_replicas`` marks a multi-Region primary key that still has replicas.
    """
    moves = TRANSITIONS.get(operation)
    if moves is None:
        raise ValueError(f"{operation!r} does not change a key's state")
    check_key_state(operation, key_arn, state)
    target = moves[state]
    return WITH_REPLICAS.get(operation, target) if has_replicas else target


def enabled_flag(state: KeyState) -> bool:
    """``KeyMetadata.Enabled``: true exactly when the state is Enabled (kms-facts §3.1)."""
    return state == KeyState.ENABLED
