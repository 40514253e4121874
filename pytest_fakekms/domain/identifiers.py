"""Key identifiers: which forms an operation accepts and how each one is read.

A KMS request names a key in one of four forms: key id (a UUID, or ``mrk-`` and 32
hex digits for multi-Region keys), key ARN, alias name (``alias/x``) or alias ARN.
:func:`parse_key_identifier` turns the raw string into a :class:`KeyRef` or the
precise AWS error (kms-facts §0 rows 2-8, api.md §7); the backend then looks the
reference up. Which operations take alias forms, and which work across accounts,
is data below, read off the ``KeyId`` documentation of botocore's model (a test
checks the two against each other).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import random
import re

from pytest_fakekms import errors

#: Operation members that accept an alias name or alias ARN: those whose KeyId docs
#: in botocore's model name aliases, and GenerateMac and VerifyMac, whose KeyId docs do
#: not but whose operation docs say "Cross-account use: Yes ... specify the key ARN or
#: alias ARN" (refused until 2026-11-27; tests/test_identifiers_model.py checks this
#: set against the model).
ALIAS_MEMBERS: frozenset[tuple[str, str]] = frozenset(
    {
        ("Decapsulate", "KeyId"), ("Decrypt", "KeyId"), ("DeriveSharedSecret", "KeyId"),
        ("DescribeKey", "KeyId"), ("Encapsulate", "KeyId"), ("Encrypt", "KeyId"),
        ("GenerateDataKey", "KeyId"), ("GenerateDataKeyPair", "KeyId"),
        ("GenerateDataKeyPairWithoutPlaintext", "KeyId"),
        ("GenerateDataKeyWithoutPlaintext", "KeyId"), ("GenerateMac", "KeyId"),
        ("GetPublicKey", "KeyId"), ("ReEncrypt", "SourceKeyId"),
        ("ReEncrypt", "DestinationKeyId"), ("Sign", "KeyId"), ("Verify", "KeyId"),
        ("VerifyMac", "KeyId"),
    }
)  # fmt: skip

#: Operations documented "Cross-account use: Yes" (botocore model documentation).
CROSS_ACCOUNT_OPERATIONS: frozenset[str] = frozenset(
    {
        "CreateGrant", "Decapsulate", "Decrypt", "DeriveSharedSecret", "DescribeKey",
        "Encapsulate", "Encrypt",
        "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext", "GenerateMac", "GetKeyRotationStatus",
        "GetPublicKey", "ListGrants", "ReEncrypt", "RetireGrant", "RevokeGrant", "Sign",
        "Verify", "VerifyMac",
    }
)  # fmt: skip

_KEY_ID = re.compile(
    r"(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|mrk-[0-9a-fA-F]{32})"
)
_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-cn|-us-gov|-iso|-iso-b)?):kms:(?P<region>[a-z0-9-]+):"
    r"(?P<account>\d{12}):(?P<kind>key|alias)/(?P<name>.+)"
)
_ALIAS_NAME = re.compile(r"alias/[a-zA-Z0-9/_-]+")


@dataclasses.dataclass(frozen=True)
class KeyRef:
    """A parsed key identifier: where to look and what for."""

    kind: str  # "key" or "alias"
    name: str  # key id, or alias name with its "alias/" prefix
    account_id: str
    region: str
    partition: str = "aws"


def random_uuid() -> str:
    """A random version-4 UUID in its text form, as key ids and request ids are.

    Ids must be unique, not secret: a ``random.Random`` seeded from ``os.urandom`` (and
    again in a child made by ``fork``) draws the 128 bits in one call, where
    ``str(uuid.uuid4())`` costs a system call and a ``UUID`` object (about 0.7 µs against
    3 µs per id; formatting a 128-bit integer instead of ``bytes.hex`` took 1.4 µs).
    """
    # Random.randbytes, without its frame
    return _uuid4_text(_random_bits(128).to_bytes(16, "little").hex())


def derived_uuid(text: str) -> str:
    """A version-4-shaped UUID that is a function of ``text``: an id the fake answers
    consistently without storing it (a CloudTrail event id, from its request id)."""
    return _uuid4_text(hashlib.blake2b(text.encode(), digest_size=16).hexdigest())


def _uuid4_text(h: str) -> str:
    """32 hex digits as a version-4 UUID's text: the version digit and variant set."""
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def random_hex_id() -> str:
    """64 random lowercase hex characters, the format of AWS's CurrentKeyMaterialId and
    grant ids (kms-facts §7.1). Unique, not secret: the same generator as
    :func:`random_uuid` (about 0.4 µs against 1.2 µs for ``secrets.token_hex(32)``)."""
    return _random_bits(256).to_bytes(32, "little").hex()


_generator = random.Random()
_random_bits = _generator.getrandbits
if hasattr(os, "register_at_fork"):  # POSIX: a forked child draws its own ids
    os.register_at_fork(after_in_child=_generator.seed)
#: RFC 4122 variant: the top two bits of the clock-sequence octet are 10, so its first
#: hex digit is 8, 9, a or b: the digit drawn, keeping its two low bits.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of ASCII digits: what ``int()`` reads as a count.
    (``str.isdigit()`` also accepts "²", which ``int()`` refuses.)"""
    return text.isascii() and text.isdigit()


def is_key_id(value: str) -> bool:
    """True for a well-formed key id (UUID with dashes, or ``mrk-`` + 32 hex)."""
    return _KEY_ID.fullmatch(value) is not None


def partition_for(region: str) -> str:
    """The ARN partition a Region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def key_arn(region: str, account_id: str, key_id: str) -> str:
    """``arn:<partition>:kms:<region>:<account>:key/<key-id>``."""
    return f"arn:{partition_for(region)}:kms:{region}:{account_id}:key/{key_id}"


def alias_arn(region: str, account_id: str, alias_name: str) -> str:
    """``arn:<partition>:kms:<region>:<account>:alias/<name>``."""
    return f"arn:{partition_for(region)}:kms:{region}:{account_id}:{alias_name}"


# Cached: a test names the same few keys over and over, and a KeyRef is immutable. An
# identifier that is refused raises, and lru_cache never caches a raised error.
@functools.lru_cache(maxsize=4096)
def parse_key_identifier(
    value: str, *, operation: str, member: str, account_id: str, region: str
) -> KeyRef:
    """Read ``value`` as ``operation``'s ``member`` would, for a caller in account/region."""
    allows_alias = (operation, member) in ALIAS_MEMBERS
    if value.startswith("arn:"):
        return _parse_arn(value, operation, allows_alias, account_id, region)
    if value.startswith("alias/") and allows_alias:
        return KeyRef("alias", value, account_id, region, partition_for(region))
    if not is_key_id(value):
        raise errors.invalid_key_id(value)  # kms-facts §0 rows 3 and 6
    return KeyRef("key", value, account_id, region, partition_for(region))


def _parse_arn(
    value: str, operation: str, allows_alias: bool, account_id: str, region: str
) -> KeyRef:
    match = _ARN.fullmatch(value)
    if match is None:
        raise errors.invalid_arn(value)  # api.md §7 (guess)
    if match["kind"] == "alias" and not allows_alias:
        raise errors.aliases_not_supported()  # kms-facts §0 row 7
    if match["region"] != region:
        raise errors.invalid_arn_region(match["region"])  # kms-facts §0 row 4, VERIFIED
    if match["account"] != account_id and operation not in CROSS_ACCOUNT_OPERATIONS:
        raise errors.not_found(value)  # api.md §7 (guess)
    if match["kind"] == "key":
        if not is_key_id(match["name"]):
            raise errors.invalid_arn(value)
        return KeyRef("key", match["name"], match["account"], region, match["partition"])
    return KeyRef("alias", f"alias/{match['name']}", match["account"], region, match["partition"])


def is_alias_name(value: str) -> bool:
    """True for ``alias/`` followed by the characters AWS allows in alias names."""
    return _ALIAS_NAME.fullmatch(value) is not None
