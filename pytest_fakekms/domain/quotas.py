"""AWS KMS quotas, as data (kms-facts §4)."""

from __future__ import annotations

import dataclasses

#: Requests per second per account and Region (kms-facts §4.2, DG23 2023 values, VERIFIED).
#: Symmetric cryptographic operations share one quota; 5,500 is the smallest Region's value.
SYMMETRIC_CRYPTO_RPS = 5500.0
ASYMMETRIC_RSA_RPS = 500.0
ASYMMETRIC_ECC_RPS = 300.0

REQUESTS_PER_SECOND: dict[str, float] = {
    "PutKeyPolicy": 15,
    "GetKeyPolicy": 1000,
    "ListKeyPolicies": 100,
    "DescribeKey": 2000,
    "CreateKey": 5,
    "ScheduleKeyDeletion": 15,
    "CancelKeyDeletion": 5,
    "EnableKey": 5,
    "DisableKey": 5,
    "EnableKeyRotation": 15,
    "DisableKeyRotation": 5,
    "GetKeyRotationStatus": 1000,
    "CreateAlias": 5,
    "UpdateAlias": 5,
    "DeleteAlias": 15,
    "ListAliases": 500,
    "TagResource": 10,
    "UntagResource": 5,
    "ListResourceTags": 2000,
    "UpdateKeyDescription": 5,
    "CreateGrant": 50,
    "ListGrants": 100,
    "RetireGrant": 30,
    "RevokeGrant": 30,
    "ListRetirableGrants": 100,
    "ImportKeyMaterial": 5,
    "GetParametersForImport": 0.25,
    "DeleteImportedKeyMaterial": 5,
    "GetPublicKey": 2000,
    "ReplicateKey": 5,
    "UpdatePrimaryRegion": 5,
    "ListKeys": 500,
    "Encrypt": SYMMETRIC_CRYPTO_RPS,
    "Decrypt": SYMMETRIC_CRYPTO_RPS,
    "ReEncrypt": SYMMETRIC_CRYPTO_RPS,
    "GenerateDataKey": SYMMETRIC_CRYPTO_RPS,
    "GenerateDataKeyWithoutPlaintext": SYMMETRIC_CRYPTO_RPS,
    "GenerateRandom": SYMMETRIC_CRYPTO_RPS,
    "GenerateMac": SYMMETRIC_CRYPTO_RPS,
    "VerifyMac": SYMMETRIC_CRYPTO_RPS,
    "Sign": ASYMMETRIC_ECC_RPS,
    "Verify": ASYMMETRIC_ECC_RPS,
    "GenerateDataKeyPair": ASYMMETRIC_RSA_RPS,
    "GenerateDataKeyPairWithoutPlaintext": ASYMMETRIC_RSA_RPS,
}


@dataclasses.dataclass
class Quotas:
    """AWS's quotas for one fake; mutable so a test can lower them."""

    key_policy_bytes: int = 32_768  # kms-facts §4.1 (DG23, 2023), VERIFIED then
    keys_per_region: int = 100_000  # kms-facts §4.1, VERIFIED
    aliases_per_key: int = 50  # kms-facts §4.1, VERIFIED
    grants_per_key: int = 50_000  # kms-facts §4.1, VERIFIED
    on_demand_rotations_per_key: int = 25  # kms-facts §4.1, VERIFIED
    requests_per_second: dict[str, float] = dataclasses.field(
        default_factory=lambda: dict(REQUESTS_PER_SECOND)
    )

    def update(self, values: dict[str, object]) -> None:
        """Set several quotas by name; an unknown name is a usage error."""
        names = {f.name for f in dataclasses.fields(self)}
        for name, value in values.items():
            if name not in names:
                raise TypeError(f"unknown quota {name!r}; known quotas: {', '.join(sorted(names))}")
            setattr(self, name, value)
