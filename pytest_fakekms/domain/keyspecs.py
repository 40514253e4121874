"""Key specs as data: which key usages each spec allows and which algorithms it lists.

One table, read by CreateKey (which combinations are legal), by KeyMetadata
(``EncryptionAlgorithms`` / ``SigningAlgorithms`` / ``MacAlgorithms`` /
``KeyAgreementAlgorithms``) and by the cryptographic operations. Algorithm lists
and their order follow AWS's recorded KeyMetadata (aws-recorded snapshot:
``test_create_key``, ``test_hmac_create_key``, ``test_import_key_*``) and the
AWS developer guide's key-spec reference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

_RSA_ENCRYPTION = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
_RSA_SIGNING = (
    "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class KeySpecInfo:
    """What one key spec can do."""

    usages: tuple[str, ...]  # legal KeyUsage values; the first is the default
    encryption: tuple[str, ...] = ()
    signing: tuple[str, ...] = ()
    mac: tuple[str, ...] = ()
    key_agreement: tuple[str, ...] = ()
    supported: bool = True  # False: AWS has it, the fake does not (yet)

    def algorithms(self, usage: str) -> dict[str, list[str]]:
        """The KeyMetadata algorithm members for a key of this spec and ``usage``."""
        member, values = {
            "ENCRYPT_DECRYPT": ("EncryptionAlgorithms", self.encryption),
            "SIGN_VERIFY": ("SigningAlgorithms", self.signing),
            "GENERATE_VERIFY_MAC": ("MacAlgorithms", self.mac),
            "KEY_AGREEMENT": ("KeyAgreementAlgorithms", self.key_agreement),
        }[usage]
        return {member: list(values)}


KEY_SPECS: Mapping[str, KeySpecInfo] = {
    "SYMMETRIC_DEFAULT": KeySpecInfo(("ENCRYPT_DECRYPT",), encryption=("SYMMETRIC_DEFAULT",)),
    "RSA_2048": KeySpecInfo(
        ("ENCRYPT_DECRYPT", "SIGN_VERIFY"), encryption=_RSA_ENCRYPTION, signing=_RSA_SIGNING
    ),
    "RSA_3072": KeySpecInfo(
        ("ENCRYPT_DECRYPT", "SIGN_VERIFY"), encryption=_RSA_ENCRYPTION, signing=_RSA_SIGNING
    ),
    "RSA_4096": KeySpecInfo(
        ("ENCRYPT_DECRYPT", "SIGN_VERIFY"), encryption=_RSA_ENCRYPTION, signing=_RSA_SIGNING
    ),
    "ECC_NIST_P256": KeySpecInfo(
        ("SIGN_VERIFY", "KEY_AGREEMENT"), signing=("ECDSA_SHA_256",), key_agreement=("ECDH",)
    ),
    "ECC_NIST_P384": KeySpecInfo(
        ("SIGN_VERIFY", "KEY_AGREEMENT"), signing=("ECDSA_SHA_384",), key_agreement=("ECDH",)
    ),
    "ECC_NIST_P521": KeySpecInfo(
        ("SIGN_VERIFY", "KEY_AGREEMENT"), signing=("ECDSA_SHA_512",), key_agreement=("ECDH",)
    ),
    "ECC_SECG_P256K1": KeySpecInfo(("SIGN_VERIFY",), signing=("ECDSA_SHA_256",)),
    "HMAC_224": KeySpecInfo(("GENERATE_VERIFY_MAC",), mac=("HMAC_SHA_224",)),
    "HMAC_256": KeySpecInfo(("GENERATE_VERIFY_MAC",), mac=("HMAC_SHA_256",)),
    "HMAC_384": KeySpecInfo(("GENERATE_VERIFY_MAC",), mac=("HMAC_SHA_384",)),
    "HMAC_512": KeySpecInfo(("GENERATE_VERIFY_MAC",), mac=("HMAC_SHA_512",)),
    "SM2": KeySpecInfo(
        ("SIGN_VERIFY", "ENCRYPT_DECRYPT", "KEY_AGREEMENT"),
        encryption=("SM2PKE",), signing=("SM2DSA",), key_agreement=("ECDH",), supported=False,
    ),  # fmt: skip
    "ML_DSA_44": KeySpecInfo(("SIGN_VERIFY",), signing=("ML_DSA_SHAKE_256",), supported=False),
    "ML_DSA_65": KeySpecInfo(("SIGN_VERIFY",), signing=("ML_DSA_SHAKE_256",), supported=False),
    "ML_DSA_87": KeySpecInfo(("SIGN_VERIFY",), signing=("ML_DSA_SHAKE_256",), supported=False),
    "ECC_NIST_EDWARDS25519": KeySpecInfo(
        ("SIGN_VERIFY",), signing=("ED25519_SHA_512", "ED25519_PH_SHA_512"), supported=False
    ),
}
