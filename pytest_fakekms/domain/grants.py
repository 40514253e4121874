"""Grants: the record a key keeps for each one, its ids and tokens, and which operations
a grant may allow on which kind of key.

A grant lives on its key (``KeyRecord.grants``, by grant id). Grants are data only:
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
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Mapping

from pytest_fakekms.domain.identifiers import random_hex_id

__all__ = [
    "COMMON_OPERATIONS",
    "OPERATIONS_BY_USAGE",
    "GrantRecord",
    "TokenContents",
    "allowed_operations",
    "is_grant_id",
    "new_grant_id",
    "new_grant_token",
    "read_grant_token",
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
}

_GRANT_ID = re.compile(r"[0-9a-f]{64}")
_TOKEN_PREFIX = b"pytest-fakekms-grant\x00"


@dataclasses.dataclass(frozen=True)
class GrantRecord:
    """One grant on a key, as CreateGrant made it (never changed; retiring removes it)."""

    grant_id: str
    grantee_principal: str
    operations: tuple[str, ...]
    issuing_account: str  # arn:<partition>:iam::<account>:root
    creation_date: dt.datetime
    name: str | None = None
    retiring_principal: str | None = None
    # {"EncryptionContextSubset": {...}} and/or {"EncryptionContextEquals": {...}}
    constraints: Mapping[str, Mapping[str, str]] | None = None

    def same_request(self, other: GrantRecord) -> bool:
        """True when ``other`` asks for this very grant (the idempotent-``Name`` check).

        Operations compare as a set: their order in the request is not meaningful (a
        guess; AWS documents only "identical parameters").
        """
        return (
            self.name == other.name
            and self.grantee_principal == other.grantee_principal
            and self.retiring_principal == other.retiring_principal
            and set(self.operations) == set(other.operations)
            and _plain(self.constraints) == _plain(other.constraints)
        )


def _plain(constraints: Mapping[str, Mapping[str, str]] | None) -> dict[str, dict[str, str]]:
    return {k: dict(v) for k, v in (constraints or {}).items()}


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
