"""Which algorithms go with which key spec, as data, plus the checks AWS makes on them.

This module is pure data and imports nothing heavy, so CreateKey, DescribeKey and
GetPublicKey can fill ``KeyMetadata`` without loading ``cryptography``.

Every key spec lists, per key usage, the algorithms AWS accepts. An empty list
means the ``KeyMetadata`` member is absent for that key (AWS lists
``SigningAlgorithms`` only for SIGN_VERIFY keys, ``EncryptionAlgorithms`` only for
ENCRYPT_DECRYPT keys, and so on: botocore KeyMetadata docs). The usages a spec
allows are derived from the same tables, so the two cannot drift apart.

Sources for the lists:

* SYMMETRIC_DEFAULT, HMAC_224/256/384/512, ECC_NIST_P256/P384/P521, ECC_SECG_P256K1,
  RSA_4096 ENCRYPT_DECRYPT: recorded from AWS (aws-recorded snapshot
  ``test_create_key``, ``test_hmac_create_key``, ``test_import_key_hmac_keys[*]``,
  ``test_import_key_asymmetric``, ``test_import_key_ecc_keys[*]``,
  ``test_import_key_rsa_aes_wrap_sha256``).
* RSA SIGN_VERIFY order (PKCS1 v1.5 first, then PSS): botocore's DescribeKey
  example (``examples-1.json``), not a recording.
* ECC_NIST_EDWARDS25519, ML_DSA_*, KEY_AGREEMENT (``ECDH``) and SM2: botocore's
  CreateKey ``KeySpec``/``KeyUsage`` documentation; list order for Ed25519 follows
  the order the SigningAlgorithmSpec enum gives.
* ML_KEM_512/768/1024 with ENCAPSULATE_DECAPSULATE (``ML_KEM``, the one value of the
  EncapsulationAlgorithmSpec enum): botocore 1.44's CreateKey ``KeySpec``/``KeyUsage``
  documentation.

The incompatibility error is AWS's: ``InvalidKeyUsageException``
``Algorithm <alg> is incompatible with key spec <spec>.`` (recorded for MAC keys,
snapshot ``test_invalid_generate_mac[HMAC_224-HMAC_SHA_256]``; the same text is
real-AWS output for Encrypt, github.com/zalando/spring-cloud-config-aws-kms/issues/82,
and for Sign, github.com/JackOfMostTrades/aws-kms-pkcs11/issues/18).
"""

from __future__ import annotations

import functools

from pytest_fakekms.errors import KMSError

_RSA_SPECS = ("RSA_2048", "RSA_3072", "RSA_4096")
_ML_DSA_SPECS = ("ML_DSA_44", "ML_DSA_65", "ML_DSA_87")
_ML_KEM_SPECS = ("ML_KEM_512", "ML_KEM_768", "ML_KEM_1024")
_RSA_ENCRYPTION = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
_RSA_SIGNING = (
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
)

#: EncryptionAlgorithms of ENCRYPT_DECRYPT keys, per key spec.
ENCRYPTION: dict[str, tuple[str, ...]] = {
    "SYMMETRIC_DEFAULT": ("SYMMETRIC_DEFAULT",),
    **dict.fromkeys(_RSA_SPECS, _RSA_ENCRYPTION),
    "SM2": ("SM2PKE",),
}

#: SigningAlgorithms of SIGN_VERIFY keys, per key spec.
SIGNING: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(_RSA_SPECS, _RSA_SIGNING),
    "ECC_NIST_P256": ("ECDSA_SHA_256",),
    "ECC_NIST_P384": ("ECDSA_SHA_384",),
    "ECC_NIST_P521": ("ECDSA_SHA_512",),
    "ECC_SECG_P256K1": ("ECDSA_SHA_256",),
    "ECC_NIST_EDWARDS25519": ("ED25519_SHA_512", "ED25519_PH_SHA_512"),
    **dict.fromkeys(_ML_DSA_SPECS, ("ML_DSA_SHAKE_256",)),
    "SM2": ("SM2DSA",),
}

#: MacAlgorithms of GENERATE_VERIFY_MAC keys: one per spec, named after the key length.
MAC: dict[str, tuple[str, ...]] = {
    "HMAC_224": ("HMAC_SHA_224",),
    "HMAC_256": ("HMAC_SHA_256",),
    "HMAC_384": ("HMAC_SHA_384",),
    "HMAC_512": ("HMAC_SHA_512",),
}

#: KeyAgreementAlgorithms of KEY_AGREEMENT keys (NIST curves and SM2 only).
KEY_AGREEMENT: dict[str, tuple[str, ...]] = dict.fromkeys(
    ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "SM2"), ("ECDH",)
)

#: EncapsulationAlgorithms of ENCAPSULATE_DECAPSULATE keys (ML-KEM only; botocore 1.44).
ENCAPSULATION: dict[str, tuple[str, ...]] = dict.fromkeys(_ML_KEM_SPECS, ("ML_KEM",))

_BY_USAGE: dict[str, dict[str, tuple[str, ...]]] = {
    "ENCRYPT_DECRYPT": ENCRYPTION,
    "SIGN_VERIFY": SIGNING,
    "GENERATE_VERIFY_MAC": MAC,
    "KEY_AGREEMENT": KEY_AGREEMENT,
    "ENCAPSULATE_DECAPSULATE": ENCAPSULATION,
}

#: The KeyMetadata member that lists each usage's algorithms.
METADATA_MEMBER: dict[str, str] = {
    "ENCRYPT_DECRYPT": "EncryptionAlgorithms",
    "SIGN_VERIFY": "SigningAlgorithms",
    "GENERATE_VERIFY_MAC": "MacAlgorithms",
    "KEY_AGREEMENT": "KeyAgreementAlgorithms",
    "ENCAPSULATE_DECAPSULATE": "EncapsulationAlgorithms",
}

#: Every KeySpec in botocore's KMS model (botocore 1.43.11).
#: The values of the deprecated ``CustomerMasterKeySpec`` enum (botocore's model; newer
#: key specs such as Ed25519 and ML-DSA have none, so KeyMetadata leaves the member out).
CUSTOMER_MASTER_KEY_SPECS: frozenset[str] = frozenset(
    {
        *_RSA_SPECS,
        "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2",
    }
)  # fmt: skip

ALL_KEY_SPECS: frozenset[str] = frozenset(spec for table in _BY_USAGE.values() for spec in table)

#: Key specs whose material the fake can generate and use. SM2 is China-only;
#: ``cryptography`` has ML-KEM-768 and ML-KEM-1024 but not ML-KEM-512.
SUPPORTED_KEY_SPECS: frozenset[str] = ALL_KEY_SPECS - {"SM2", "ML_KEM_512"}

#: Post-quantum key specs the fake makes where ``cryptography`` has them: the module,
#: private key class and family of each. Recent releases only (48 has ML-DSA, ML-KEM-768
#: and ML-KEM-1024); no release has ML-KEM-512, which is not in SUPPORTED_KEY_SPECS.
POST_QUANTUM_CLASSES: dict[str, tuple[str, str, str]] = {
    "ML_DSA_44": ("mldsa", "MLDSA44PrivateKey", "ML-DSA"),
    "ML_DSA_65": ("mldsa", "MLDSA65PrivateKey", "ML-DSA"),
    "ML_DSA_87": ("mldsa", "MLDSA87PrivateKey", "ML-DSA"),
    "ML_KEM_768": ("mlkem", "MLKEM768PrivateKey", "ML-KEM"),
    "ML_KEM_1024": ("mlkem", "MLKEM1024PrivateKey", "ML-KEM"),
}
POST_QUANTUM_SPECS: frozenset[str] = frozenset(POST_QUANTUM_CLASSES)

#: DataKeyPairSpec values GenerateDataKeyPair can produce (SM2 excluded, as above).
DATA_KEY_PAIR_SPECS: frozenset[str] = frozenset(
    (*_RSA_SPECS, *KEY_AGREEMENT.keys() - {"SM2"}, "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519")
)

#: Digest length a DIGEST message must have, per signing algorithm (Sign/Verify docs:
#: "the length of the Message value must match the length of hashed messages").
DIGEST_BYTES: dict[str, int] = {
    **{alg: int(alg[-3:]) // 8 for alg in _RSA_SIGNING},
    "ECDSA_SHA_256": 32,
    "ECDSA_SHA_384": 48,
    "ECDSA_SHA_512": 64,
    "ED25519_PH_SHA_512": 64,
}


def _require_known(key_spec: str) -> None:
    if key_spec not in ALL_KEY_SPECS:
        raise ValueError(f"unknown KMS key spec {key_spec!r}; known: {sorted(ALL_KEY_SPECS)}")


def _algorithms(key_spec: str, key_usage: str, usage: str) -> list[str]:
    _require_known(key_spec)
    if key_usage != usage:
        return []
    return list(_BY_USAGE[usage].get(key_spec, ()))


def encryption_algorithms(key_spec: str, key_usage: str = "ENCRYPT_DECRYPT") -> list[str]:
    """KeyMetadata ``EncryptionAlgorithms`` for a key (empty: omit the member)."""
    return _algorithms(key_spec, key_usage, "ENCRYPT_DECRYPT")


def signing_algorithms(key_spec: str, key_usage: str = "SIGN_VERIFY") -> list[str]:
    """KeyMetadata ``SigningAlgorithms`` for a key (empty: omit the member)."""
    return _algorithms(key_spec, key_usage, "SIGN_VERIFY")


def mac_algorithms(key_spec: str, key_usage: str = "GENERATE_VERIFY_MAC") -> list[str]:
    """KeyMetadata ``MacAlgorithms`` for a key (empty: omit the member)."""
    return _algorithms(key_spec, key_usage, "GENERATE_VERIFY_MAC")


def key_agreement_algorithms(key_spec: str, key_usage: str = "KEY_AGREEMENT") -> list[str]:
    """KeyMetadata ``KeyAgreementAlgorithms`` for a key (empty: omit the member)."""
    return _algorithms(key_spec, key_usage, "KEY_AGREEMENT")


@functools.lru_cache(maxsize=128)  # a few dozen pairs; every CreateKey asks
def metadata_algorithms(key_spec: str, key_usage: str) -> dict[str, list[str]]:
    """The one algorithm-list member a key's KeyMetadata carries, e.g.
    ``{"SigningAlgorithms": ["ECDSA_SHA_256"]}``; ``{}`` if the pair is not valid.

    One answer per pair, shared by every caller: copy it (``dict.update``), never change it.
    """
    values = _algorithms(key_spec, key_usage, key_usage) if key_usage in _BY_USAGE else []
    return {METADATA_MEMBER[key_usage]: values} if values else {}


@functools.lru_cache(maxsize=64)  # a few dozen key specs; CreateKey asks on every call
def key_usages(key_spec: str) -> tuple[str, ...]:
    """The KeyUsage values CreateKey accepts for ``key_spec`` (CreateKey KeyUsage docs)."""
    _require_known(key_spec)
    return tuple(usage for usage, table in _BY_USAGE.items() if key_spec in table)


def incompatible_algorithm(algorithm: str, key_spec: str) -> KMSError:
    """AWS's error for an algorithm the key spec does not support (VERIFIED, see module doc)."""
    return KMSError(
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {key_spec}.",
    )


def unsupported_key_spec(key_spec: str) -> KMSError:
    """The fake's error for a key spec it cannot generate (SM2: China Regions only;
    ML_KEM_512: the ``cryptography`` package has no ML-KEM-512)."""
    where = {
        "SM2": " is only available in the AWS China Regions;",
        "ML_KEM_512": " needs ML-KEM-512, which the cryptography package lacks;",
    }.get(key_spec, "")
    return KMSError(
        "UnsupportedOperationException",
        f"Key spec {key_spec}{where} pytest-fakekms does not implement it.",
    )


def _check(table: dict[str, tuple[str, ...]], key_spec: str, algorithm: str) -> None:
    if algorithm not in table.get(key_spec, ()):
        _require_known(key_spec)  # a known spec's algorithms are all in the table
        raise incompatible_algorithm(algorithm, key_spec)


def check_encryption_algorithm(key_spec: str, algorithm: str) -> None:
    """Raise InvalidKeyUsageException unless ``algorithm`` encrypts with ``key_spec``."""
    _check(ENCRYPTION, key_spec, algorithm)


def check_signing_algorithm(key_spec: str, algorithm: str) -> None:
    """Raise InvalidKeyUsageException unless ``algorithm`` signs with ``key_spec``."""
    _check(SIGNING, key_spec, algorithm)


def check_mac_algorithm(key_spec: str, algorithm: str) -> None:
    """Raise InvalidKeyUsageException unless ``algorithm`` is ``key_spec``'s MAC algorithm."""
    _check(MAC, key_spec, algorithm)


def check_encapsulation_algorithm(key_spec: str, algorithm: str) -> None:
    """Raise InvalidKeyUsageException unless ``algorithm`` encapsulates with ``key_spec``."""
    _check(ENCAPSULATION, key_spec, algorithm)
