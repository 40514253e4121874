"""Grants: the record a key keeps for each one, its ids and tokens, and which operations
a grant may allow on which kind of key.

A grant lives on its key (``KeyRecord.grants``, a :class:`GrantCollection` by grant id,
which keeps the indexes listing and the idempotent ``Name`` need). Grants are data only:
the fake does not authorize requests, so a grant never lets or stops anything.

* A grant id is 64 lowercase hex characters, like AWS's (botocore RetireGrant
  ``GrantId`` documentation: ``0123456789012345678901234567890123456789012345678901234567890123``).
* A grant token is opaque to clients. The fake's token carries the key ARN and the
  grant id (and a nonce, so that every CreateGrant answer has a new token, as AWS
  documents for ``Name``), which lets RetireGrant find the grant from the token
  alone, after a restart too, without storing tokens.
* :data:`OPERATIONS_BY_USAGE` is which grant operations a key of each kind accepts:
  the rule is AWS's ([BC] CreateGrant ``Operations``: "you cannot create a grant for
  a symmetric encryption KMS key that allows the Sign operation, or a grant for an
  asymmetric KMS key that allows the GenerateDataKey operation"), the per-usage sets
  are INFERRED from the older CreateGrant reference (symmetric keys: no Sign, Verify
  or GetPublicKey; asymmetric keys: no data-key operations; ENCRYPT_DECRYPT keys no
  Sign/Verify and SIGN_VERIFY keys no Encrypt/Decrypt) and from the operations each
  key usage supports.
* A grant's grantee is an AWS principal (``GranteePrincipal``) or, since botocore 1.44,
  an AWS service principal (``GranteeServicePrincipal``); likewise its retiring
  principal. The retiring index keys a service principal as :func:`retiring_key` says,
  so that a principal ARN and a service principal never share an entry.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pytest_fakekms.domain.identifiers import random_hex_id

__all__ = [
    "COMMON_OPERATIONS",
    "NO_GRANTS",
    "OPERATIONS_BY_USAGE",
    "GrantCollection",
    "GrantRecord",
    "TokenContents",
    "allowed_operations",
    "is_grant_id",
    "new_grant_id",
    "new_grant_token",
    "plain_constraints",
    "read_grant_token",
    "retiring_key",
]

#: Operations any key's grant may allow: they are not cryptographic.
COMMON_OPERATIONS: frozenset[str] = frozenset({"CreateGrant", "RetireGrant", "DescribeKey"})

_SYMMETRIC = frozenset(
    {
        "Decrypt",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "ReEncryptFrom",
        "ReEncryptTo",
    }
)

#: Grant operations by (symmetric?, KeyUsage), besides :data:`COMMON_OPERATIONS`.
OPERATIONS_BY_USAGE: dict[tuple[bool, str], frozenset[str]] = {
    (True, "ENCRYPT_DECRYPT"): _SYMMETRIC,
    (False, "ENCRYPT_DECRYPT"): frozenset(
        {"Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey"}
    ),
    (False, "SIGN_VERIFY"): frozenset({"Sign", "Verify", "GetPublicKey"}),
    (False, "GENERATE_VERIFY_MAC"): frozenset({"GenerateMac", "VerifyMac"}),
    (False, "KEY_AGREEMENT"): frozenset({"DeriveSharedSecret", "GetPublicKey"}),
    (False, "ENCAPSULATE_DECAPSULATE"): frozenset({"Encapsulate", "Decapsulate", "GetPublicKey"}),
}

_GRANT_ID = re.compile(r"[0-9a-f]{64}")
_TOKEN_PREFIX = b"pytest-fakekms-grant\x00"


@dataclasses.dataclass(frozen=True)
class GrantRecord:
    """One grant on a key, as CreateGrant made it (never changed; retiring removes it)."""

    grant_id: str
    grantee_principal: str | None  # None when the grantee is a service principal
    operations: tuple[str, ...]
    issuing_account: str  # arn:<partition>:iam::<account>:root
    creation_date: dt.datetime
    name: str | None = None
    retiring_principal: str | None = None
    # {"EncryptionContextSubset": {...}} and/or {"EncryptionContextEquals": {...}}, and
    # "SourceArn": "arn:..." (botocore 1.44)
    constraints: Mapping[str, Any] | None = None
    grantee_service_principal: str | None = None  # e.g. logs.us-east-1.amazonaws.com
    retiring_service_principal: str | None = None

    @property
    def retiring_key(self) -> str | None:
        """Who may retire the grant, as the retiring indexes key it (:func:`retiring_key`)."""
        if self.retiring_service_principal is not None:
            return retiring_key(service_principal=self.retiring_service_principal)
        return self.retiring_principal

    def same_request(self, other: GrantRecord) -> bool:
        """True when ``other`` asks for this very grant (the idempotent-``Name`` check).

        Operations compare as a set: their order in the request is not meaningful (a
        guess; AWS documents only "identical parameters").
        """
        return (
            self.name == other.name
            and self.grantee_principal == other.grantee_principal
            and self.grantee_service_principal == other.grantee_service_principal
            and self.retiring_principal == other.retiring_principal
            and self.retiring_service_principal == other.retiring_service_principal
            and set(self.operations) == set(other.operations)
            and plain_constraints(self.constraints) == plain_constraints(other.constraints)
        )


def plain_constraints(constraints: Mapping[str, Any] | None) -> dict[str, Any]:
    """A grant's constraints as plain values: encryption contexts as dicts, SourceArn as
    its string (a copy: the grant's own stay unchanged)."""
    return {k: dict(v) if isinstance(v, Mapping) else v for k, v in (constraints or {}).items()}


def retiring_key(*, principal: str | None = None, service_principal: str | None = None) -> str:
    """The retiring indexes' key for a principal ARN (itself) or a service principal (with
    a prefix that has a space, which no ``PrincipalIdType`` value can: ``^[\\w+=,.@:/-]+$``
    [BC]), so that ListRetirableGrants by one never lists the other's grants."""
    if service_principal is not None:
        return f"service principal {service_principal}"
    if principal is None:
        raise ValueError("a principal or a service principal is needed")
    return principal


class GrantCollection(Mapping[str, GrantRecord]):
    """A key's grants by grant id, in creation order: read like a mapping, changed only
    through :meth:`add` and :meth:`remove`, which keep the indexes that make ListGrants,
    ListRetirableGrants and CreateGrant's idempotent ``Name`` cost what they return, not
    what the key holds (up to 50,000 grants, kms-facts §4.1):

    * ``_order``: grant ids in creation order. A removed grant's id stays until removed
      ids outnumber the live ones (then the list is rebuilt), so removal is O(1) and a
      page is read from a position.
    * ``_position``: where each live grant stands in ``_order``; a marker (a grant id)
      finds its page in O(1).
    * ``_by_name`` and ``_by_retiring``: the ids of the grants with each ``Name`` and
      each retiring principal (:attr:`GrantRecord.retiring_key`), in creation order.

    Until 2026-11-27 ListGrants built an entry for every grant of the key to return one
    page, and a named CreateGrant compared the request with every grant: through boto3,
    a 50-grant page took 21 ms at 10,000 grants and 90 ms at 50,000 (2.5 ms at 50), a
    named CreateGrant 3.6 ms at 50,000 (0.6 ms at 1); now both cost the same at any size.
    """

    __slots__ = ("_by_name", "_by_retiring", "_grants", "_order", "_position")

    def __init__(self, grants: Iterable[GrantRecord] = ()) -> None:
        self._grants: dict[str, GrantRecord] = {}
        self._order: list[str] = []
        self._position: dict[str, int] = {}
        self._by_name: dict[str, dict[str, None]] = {}
        self._by_retiring: dict[str, dict[str, None]] = {}
        for grant in grants:
            self.add(grant)

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle rebuild the indexes rather than share them.
        return (type(self), (tuple(self._grants.values()),))

    def __getitem__(self, grant_id: str) -> GrantRecord:
        return self._grants[grant_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._grants)

    def __len__(self) -> int:
        return len(self._grants)

    def __contains__(self, grant_id: object) -> bool:
        return grant_id in self._grants

    def __repr__(self) -> str:
        return f"GrantCollection({list(self._grants.values())!r})"

    def add(self, grant: GrantRecord) -> None:
        """Store a new grant, last in creation order (its id is not taken)."""
        grant_id = grant.grant_id
        self._grants[grant_id] = grant
        self._position[grant_id] = len(self._order)
        self._order.append(grant_id)
        _link(self._by_name, grant.name, grant_id)
        _link(self._by_retiring, grant.retiring_key, grant_id)

    def remove(self, grant_id: str) -> None:
        """Forget a stored grant."""
        grant = self._grants.pop(grant_id)
        del self._position[grant_id]
        _unlink(self._by_name, grant.name, grant_id)
        _unlink(self._by_retiring, grant.retiring_key, grant_id)
        if len(self._order) > 2 * len(self._grants) + 64:
            self._order = list(self._grants)  # the dict keeps creation order
            self._position = {g: at for at, g in enumerate(self._order)}

    def in_order(self, start: int = 0) -> Iterator[tuple[int, GrantRecord]]:
        """The grants in creation order from position ``start``, with their positions."""
        order, position, grants = self._order, self._position, self._grants
        for at in range(start, len(order)):
            grant_id = order[at]
            if position.get(grant_id) == at:  # else removed since
                yield at, grants[grant_id]

    def position_of(self, grant_id: str) -> int | None:
        """Where the grant ``grant_id`` stands for :meth:`in_order`, if it is stored."""
        return self._position.get(grant_id)

    def same_request_as(self, grant: GrantRecord) -> GrantRecord | None:
        """The oldest stored grant that ``grant`` asks for again
        (:meth:`GrantRecord.same_request`): only grants with its ``Name`` are compared."""
        if grant.name is None:
            return None
        named = (self._grants[grant_id] for grant_id in self._by_name.get(grant.name, ()))
        return next((g for g in named if g.same_request(grant)), None)

    def retiring_principals(self) -> Iterator[str]:
        """The :func:`retiring_key` of every stored grant's retiring principal, once each."""
        return iter(self._by_retiring)

    def retirable_by(self, principal: str) -> Iterator[GrantRecord]:
        """The grants whose :attr:`GrantRecord.retiring_key` is ``principal``, in creation
        order."""
        return (self._grants[grant_id] for grant_id in self._by_retiring.get(principal, ()))


#: What a key without grants reads (never changed: KeyRecord.grants_for_update makes a
#: key its own collection on its first grant).
NO_GRANTS = GrantCollection()


def _link(index: dict[str, dict[str, None]], value: str | None, grant_id: str) -> None:
    """Put ``grant_id`` in ``index[value]`` (nothing for a grant without that value)."""
    if value is not None:
        index.setdefault(value, {})[grant_id] = None


def _unlink(index: dict[str, dict[str, None]], value: str | None, grant_id: str) -> None:
    """Take ``grant_id`` out of ``index[value]`` (dropped when it is left empty)."""
    if value is None:
        return
    ids = index[value]
    del ids[grant_id]
    if not ids:
        del index[value]


def allowed_operations(key_spec: str, key_usage: str) -> frozenset[str]:
    """The grant operations a key of ``key_spec`` and ``key_usage`` accepts."""
    symmetric = key_spec == "SYMMETRIC_DEFAULT"
    return COMMON_OPERATIONS | OPERATIONS_BY_USAGE.get((symmetric, key_usage), frozenset())


def new_grant_id() -> str:
    """A fresh grant id: 64 lowercase hex characters."""
    return random_hex_id()


def is_grant_id(value: str) -> bool:
    """True for a value shaped like a grant id the fake hands out."""
    return _GRANT_ID.fullmatch(value) is not None


@dataclasses.dataclass(frozen=True)
class TokenContents:
    """What a grant token names."""

    key_arn: str
    grant_id: str


def new_grant_token(key_arn: str, grant_id: str) -> str:
    """A new opaque token for the grant (a fresh one for every CreateGrant answer)."""
    raw = b"\x00".join(
        (_TOKEN_PREFIX + key_arn.encode(), grant_id.encode(), secrets.token_bytes(16))
    )
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def read_grant_token(token: str) -> TokenContents | None:
    """The key ARN and grant id a token of ours names, or None for any other string."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(_TOKEN_PREFIX):
        return None
    parts = raw[len(_TOKEN_PREFIX) :].split(b"\x00", 2)
    if len(parts) != 3:
        return None
    try:
        key_arn, grant_id = parts[0].decode(), parts[1].decode()
    except UnicodeDecodeError:
        return None
    return TokenContents(key_arn, grant_id) if is_grant_id(grant_id) else None
