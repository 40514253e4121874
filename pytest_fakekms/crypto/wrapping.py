"""Wrapping keys for imported key material: GetParametersForImport's RSA key pair,
the import token that names it, and unwrapping what ImportKeyMaterial receives.

The wrapping algorithms (botocore model, GetParametersForImport ``WrappingAlgorithm``):

* ``RSAES_OAEP_SHA_1`` / ``RSAES_OAEP_SHA_256``: the key material is encrypted directly
  with the RSA public key, OAEP with SHA-1 or SHA-256 (MGF1 with the same hash).
* ``RSA_AES_KEY_WRAP_SHA_1`` / ``RSA_AES_KEY_WRAP_SHA_256``: an AES key made by the
  caller is encrypted with RSA-OAEP (that hash), and the key material is wrapped under
  it with AES key wrap with padding (RFC 5649); the blob is the RSA ciphertext (as long
  as the modulus) followed by the wrapped material. The model says RSA private keys
  can only be imported this way (an RSA_4096 PKCS#8 key is larger than OAEP can hold).
* ``RSAES_PKCS1_V1_5``: "As of October 10, 2023, KMS does not support" it (model docs);
  ``SM2PKE`` and the ``SM2`` wrapping key spec exist only in the China Regions. The
  fake refuses all three (:data:`UNSUPPORTED_ALGORITHMS`).

:func:`wrap_key_material` does the caller's side, for tests and examples.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap_with_padding,
    aes_key_wrap_with_padding,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)

from pytest_fakekms.crypto.rsa_pool import new_rsa_key

__all__ = [
    "ALGORITHMS",
    "UNSUPPORTED_ALGORITHMS",
    "WRAPPING_KEY_BITS",
    "ImportParameters",
    "new_import_parameters",
    "unwrap_key_material",
    "wrap_key_material",
]

#: WrappingKeySpec -> RSA modulus size (botocore model enum, minus SM2).
WRAPPING_KEY_BITS: dict[str, int] = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}

_OAEP_HASHES: dict[str, type[hashes.SHA1] | type[hashes.SHA256]] = {
    "RSAES_OAEP_SHA_1": hashes.SHA1,
    "RSAES_OAEP_SHA_256": hashes.SHA256,
    "RSA_AES_KEY_WRAP_SHA_1": hashes.SHA1,
    "RSA_AES_KEY_WRAP_SHA_256": hashes.SHA256,
}
#: The wrapping algorithms the fake implements.
ALGORITHMS: tuple[str, ...] = tuple(_OAEP_HASHES)
#: Model values the fake refuses (see the module docstring).
UNSUPPORTED_ALGORITHMS: tuple[str, ...] = ("RSAES_PKCS1_V1_5", "SM2PKE")

#: The AES key of RSA_AES_KEY_WRAP: 256 bits (the developer guide's procedure).
_AES_KEY_BYTES = 32
_TOKEN_PREFIX = b"fakekms-import-token:"
#: How long a public key and import token stay valid (model docs: "24 hours").
PARAMETERS_LIFETIME = dt.timedelta(hours=24)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ImportParameters:
    """One GetParametersForImport answer, as the key remembers it."""

    token: bytes
    algorithm: str
    private_key: rsa.RSAPrivateKey
    valid_to: dt.datetime

    def __repr__(self) -> str:  # never print the private key
        return f"ImportParameters({self.algorithm!r}, valid_to={self.valid_to.isoformat()})"

    def public_key_der(self) -> bytes:
        """The wrapping public key as GetParametersForImport returns it (DER
        SubjectPublicKeyInfo, as GetPublicKey does)."""
        return self.private_key.public_key().public_bytes(
            Encoding.DER, PublicFormat.SubjectPublicKeyInfo
        )


def new_import_parameters(key_spec: str, algorithm: str, now: dt.datetime) -> ImportParameters:
    """A fresh RSA wrapping key of ``key_spec`` and an opaque token naming it."""
    key = new_rsa_key(WRAPPING_KEY_BITS[key_spec])
    token = _TOKEN_PREFIX + secrets.token_hex(32).encode("ascii")
    return ImportParameters(token, algorithm, key, now + PARAMETERS_LIFETIME)


def _oaep(algorithm: str) -> padding.OAEP:
    digest = _OAEP_HASHES[algorithm]()
    return padding.OAEP(mgf=padding.MGF1(algorithm=digest), algorithm=digest, label=None)


def unwrap_key_material(parameters: ImportParameters, blob: bytes) -> bytes:
    """The key material inside ``blob``; ``ValueError`` when it does not open."""
    key, algorithm = parameters.private_key, parameters.algorithm
    if not algorithm.startswith("RSA_AES_"):
        return key.decrypt(blob, _oaep(algorithm))
    size = key.key_size // 8
    if len(blob) <= size:
        raise ValueError("the blob is too short for RSA_AES_KEY_WRAP")
    aes_key = key.decrypt(blob[:size], _oaep(algorithm))
    try:
        return aes_key_unwrap_with_padding(aes_key, blob[size:])
    except (InvalidUnwrap, ValueError) as exc:
        raise ValueError(f"AES key unwrap failed: {exc}") from exc


def wrap_key_material(public_key_der: bytes, algorithm: str, material: bytes) -> bytes:
    """Encrypt ``material`` for ImportKeyMaterial, as a KMS client would."""
    public_key = load_der_public_key(public_key_der)
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ValueError("the wrapping key is not an RSA public key")
    if not algorithm.startswith("RSA_AES_"):
        return public_key.encrypt(material, _oaep(algorithm))
    aes_key = secrets.token_bytes(_AES_KEY_BYTES)
    wrapped_key = public_key.encrypt(aes_key, _oaep(algorithm))
    return wrapped_key + aes_key_wrap_with_padding(aes_key, material)
