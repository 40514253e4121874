"""The fake's cryptography: key material, ciphertext blobs, signatures, MACs.

Modules, each opening with how it works:

* ``specs``: which algorithms and key usages go with which key spec, as data, and
  AWS's errors for mismatches. Pure data; re-exported here.
* ``material``: lazily generated key material (one :class:`Material` per version).
* ``symmetric``: AES-256-GCM ciphertext blobs for SYMMETRIC_DEFAULT keys.
* ``asymmetric``: public keys, RSA-OAEP, RSA/ECDSA/Ed25519/ML-DSA signatures, ECDH,
  data key pairs.
* ``mac``: HMAC for GENERATE_VERIFY_MAC keys (standard library only).

Importing this package does not import ``cryptography``: the plugin must stay cheap
to load for projects that never use the fixture. Import ``material``,
``symmetric`` or ``asymmetric`` where a key is first used.

Errors AWS would send are raised as :class:`pytest_fakekms.errors.KMSError`;
mistakes by the caller (wrong material type, unknown key spec) raise
``ValueError``.
"""

from __future__ import annotations

from pytest_fakekms.crypto.specs import (
    ALL_KEY_SPECS,
    DATA_KEY_PAIR_SPECS,
    SUPPORTED_KEY_SPECS,
    check_encryption_algorithm,
    check_mac_algorithm,
    check_signing_algorithm,
    encryption_algorithms,
    key_agreement_algorithms,
    key_usages,
    mac_algorithms,
    metadata_algorithms,
    signing_algorithms,
    unsupported_key_spec,
)

__all__ = [
    "ALL_KEY_SPECS",
    "DATA_KEY_PAIR_SPECS",
    "SUPPORTED_KEY_SPECS",
    "check_encryption_algorithm",
    "check_mac_algorithm",
    "check_signing_algorithm",
    "encryption_algorithms",
    "key_agreement_algorithms",
    "key_usages",
    "mac_algorithms",
    "metadata_algorithms",
    "signing_algorithms",
    "unsupported_key_spec",
]
