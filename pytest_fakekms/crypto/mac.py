"""HMAC for GENERATE_VERIFY_MAC keys (GenerateMac, VerifyMac).

KMS computes a standard RFC 2104 HMAC over the message with the key's material
(GenerateMac docs), so the standard library is enough and this module stays cheap
to import. Each HMAC key spec supports exactly one algorithm, the one with the
same number (``HMAC_224`` -> ``HMAC_SHA_224``; snapshot ``test_hmac_create_key``
and ``test_import_key_hmac_keys[*]``). Any other algorithm is AWS's
``InvalidKeyUsageException`` ``Algorithm HMAC_SHA_256 is incompatible with key spec
HMAC_224.`` (snapshot ``test_invalid_generate_mac[HMAC_224-HMAC_SHA_256]`` and
``test_invalid_verify_mac[HMAC_256-HMAC_SHA_512-...]``).

:func:`verify_mac` answers a bool; the VerifyMac operation turns ``False`` into
``KMSInvalidMacException`` with no message (kms-facts §5.3).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from pytest_fakekms.crypto.specs import check_mac_algorithm

if TYPE_CHECKING:
    from pytest_fakekms.crypto.material import Material

_DIGESTS: dict[str, str] = {
    "HMAC_SHA_224": "sha224",
    "HMAC_SHA_256": "sha256",
    "HMAC_SHA_384": "sha384",
    "HMAC_SHA_512": "sha512",
}


def generate_mac(material: Material, algorithm: str, message: bytes) -> bytes:
    """The HMAC tag of ``message``; InvalidKeyUsageException if the algorithm does not fit."""
    check_mac_algorithm(material.key_spec, algorithm)
    return hmac.new(material.secret, message, getattr(hashlib, _DIGESTS[algorithm])).digest()


def verify_mac(material: Material, algorithm: str, message: bytes, mac: bytes) -> bool:
    """Whether ``mac`` is the tag of ``message`` (constant-time comparison)."""
    return hmac.compare_digest(generate_mac(material, algorithm, message), mac)
