"""Asymmetric keys: public keys, RSA-OAEP encryption, signatures, ECDH, data key pairs.

Everything produced here is standard, so an outside party holding the public key
from GetPublicKey (DER SubjectPublicKeyInfo) can check it with any library:

* Encrypt with RSA returns the raw RSAES-OAEP ciphertext (modulus-sized), as AWS
  does; Decrypt accepts ciphertext made locally with the public key. OAEP uses the
  same hash for the label digest and MGF1 (SHA-1 or SHA-256). Plaintext limits are
  AWS's, in AWS's words (snapshot
  ``test_encrypt_validate_plaintext_size_per_key_type[*]``; Encrypt docs): RSA_2048
  214/190, RSA_3072 342/318, RSA_4096 470/446 bytes for SHA-1/SHA-256, i.e. the
  OAEP bound ``k - 2*hLen - 2``.
* RSASSA-PSS uses MGF1 with the signing hash and a salt as long as the digest:
  that is what signatures from AWS verify with (the aws-validated LocalStack test
  behind snapshot ``test_verify_salt_length[*]`` verifies AWS's signatures with
  ``salt_length`` = digest size). PKCS#1 v1.5 and ECDSA (DER-encoded signature)
  are the textbook schemes; ECC keys the fake made sign with nonces made ahead of
  time (``ecdsa_pool.py``: valid ECDSA signatures, without the cost of the nonce).
  Ed25519 keys sign with pure Ed25519 (ED25519_SHA_512) or Ed25519ph
  (ED25519_PH_SHA_512, see ``_ed25519ph.py``); ML-DSA keys sign with pure ML-DSA and
  an empty context.
* MessageType RAW hashes the message as part of the algorithm; DIGEST takes the
  hash as given and must have the algorithm's digest length, else AWS's
  ``ValidationException`` ``Digest is invalid length for algorithm <alg>.``
  (snapshot ``test_sign_verify[*]`` "bad-digest", for Sign and Verify alike).

:func:`verify` answers a bool; the Verify operation turns ``False`` into
``KMSInvalidSignatureException`` with no message (snapshot ``test_sign_verify[*]``
"bad-signature"). Likewise :func:`decrypt` raises InvalidCiphertextException with
no message, and :func:`derive_shared_secret` raises ValidationException with no
message for a public key it cannot use (snapshot ``test_derive_shared_secret``
"response-invalid-public-key").

ML-KEM keys (FIPS 203) encapsulate a 32-byte shared secret under the public key and
decapsulate it with the private one. Decapsulate docs [BC]: a ciphertext whose length
does not fit the key spec is InvalidCiphertextException; any other ciphertext, even one
made for another key or altered, gives a 32-byte pseudo-random value (implicit
rejection, which ``cryptography`` implements as FIPS 203 specifies).

``cryptography``'s serialization module (about 5 ms to import, most of it its SSH
support) is imported by the first call that reads or writes DER here (a data key pair,
DeriveSharedSecret; GetPublicKey through ``Material.public_key_der``): Sign and Verify
need none of it, so a session that only signs never loads it (issue #8).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from pytest_fakekms.crypto import _ed25519ph, ecdsa_pool
from pytest_fakekms.crypto.private_keys import generate_private_key
from pytest_fakekms.crypto.specs import (
    DATA_KEY_PAIR_SPECS,
    DIGEST_BYTES,
    check_encryption_algorithm,
    check_signing_algorithm,
    unsupported_key_spec,
)
from pytest_fakekms.errors import KMSError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

    from pytest_fakekms.crypto.material import Material

#: Largest Sign/Verify message (Sign/Verify ``Message``: 1-4096 bytes, botocore model).
MAX_MESSAGE_BYTES = 4096
MESSAGE_TYPES = ("RAW", "DIGEST", "EXTERNAL_MU")
_ML_DSA = ("ML_DSA_44", "ML_DSA_65", "ML_DSA_87")

_OAEP_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "RSAES_OAEP_SHA_1": hashes.SHA1,
    "RSAES_OAEP_SHA_256": hashes.SHA256,
}
_HASHES_BY_BYTES: dict[int, type[hashes.HashAlgorithm]] = {
    32: hashes.SHA256,
    48: hashes.SHA384,
    64: hashes.SHA512,
}
#: The same hashes from hashlib (by their names), for signatures made with ``ecdsa_pool``.
_HASHLIB_BY_BYTES: dict[int, Callable[[bytes], Any]] = {
    size: getattr(hashlib, hash_class().name) for size, hash_class in _HASHES_BY_BYTES.items()
}


# --- public keys and data key pairs -------------------------------------------------


def public_key_der(material: Material) -> bytes:
    """The key's public half as DER SubjectPublicKeyInfo, as GetPublicKey returns it."""
    return material.public_key_der


def generate_data_key_pair(spec: str) -> tuple[bytes, bytes]:
    """A fresh ``(private DER PKCS#8, public DER SubjectPublicKeyInfo)`` pair for a
    DataKeyPairSpec, the formats GenerateDataKeyPair documents (RFC 5958 / RFC 5280)."""
    if spec == "SM2":
        raise unsupported_key_spec(spec)
    if spec not in DATA_KEY_PAIR_SPECS:
        raise ValueError(f"{spec!r} is not a DataKeyPairSpec")
    key = generate_private_key(spec)
    from cryptography.hazmat.primitives import serialization  # DER: see the docstring

    private = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


# --- RSA encryption -------------------------------------------------------------------


def max_plaintext_bytes(key_spec: str, algorithm: str) -> int:
    """The largest plaintext ``algorithm`` can encrypt under an RSA ``key_spec``."""
    modulus_bytes = int(key_spec.removeprefix("RSA_")) // 8
    return modulus_bytes - 2 * _OAEP_HASHES[algorithm]().digest_size - 2


def encrypt(material: Material, algorithm: str, plaintext: bytes) -> bytes:
    """RSAES-OAEP ``plaintext`` with the key's public half (Encrypt on an RSA key)."""
    check_encryption_algorithm(material.key_spec, algorithm)
    limit = max_plaintext_bytes(material.key_spec, algorithm)
    if len(plaintext) > limit:
        raise KMSError(
            "ValidationException",
            f"Algorithm {algorithm} and key spec {material.key_spec} cannot encrypt data "
            f"larger than {limit} bytes.",
        )
    return _rsa_key(material).public_key().encrypt(plaintext, _oaep(algorithm))


def decrypt(material: Material, algorithm: str, ciphertext: bytes) -> bytes:
    """Undo :func:`encrypt` (or any RSA-OAEP ciphertext made with the public key)."""
    check_encryption_algorithm(material.key_spec, algorithm)
    try:
        return _rsa_key(material).decrypt(ciphertext, _oaep(algorithm))
    except ValueError:
        raise KMSError("InvalidCiphertextException", None) from None


def _oaep(algorithm: str) -> padding.OAEP:
    hash_algorithm = _OAEP_HASHES[algorithm]()
    return padding.OAEP(mgf=padding.MGF1(hash_algorithm), algorithm=hash_algorithm, label=None)


# --- signatures -------------------------------------------------------------------------


def sign(material: Material, message: bytes, message_type: str, algorithm: str) -> bytes:
    """Sign ``message`` (RAW) or its digest (DIGEST) with ``algorithm``."""
    _check_sign_request(material.key_spec, message, message_type, algorithm)
    signature = _sign(material, message, message_type, algorithm)
    made = _SIGNED
    if len(made) >= _SIGNED_LIMIT:
        made.clear()
    made[material, algorithm, message_type, message] = signature
    return signature


def _sign(material: Material, message: bytes, message_type: str, algorithm: str) -> bytes:
    key = _private_key(material)
    if isinstance(key, rsa.RSAPrivateKey):
        hash_algorithm = _signature_hash(message_type, algorithm)
        return key.sign(message, _rsa_padding(algorithm), hash_algorithm)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if material.generated:  # see ecdsa_pool.py: a nonce made ahead of time
            digest = (
                message
                if message_type == "DIGEST"
                else _HASHLIB_BY_BYTES[DIGEST_BYTES[algorithm]](message).digest()
            )
            signature = ecdsa_pool.sign(material.key_spec, material.private_value, digest)
            if signature is not None:
                return signature
        return key.sign(message, _ecdsa(message_type, algorithm))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return _sign_ed25519(key, message, algorithm)
    return _sign_ml_dsa(key, message)


#: The signature this process made last for each (material, algorithm, message type,
#: message), the last :data:`_SIGNED_LIMIT` of them: a Verify of one of them is
#: answered without cryptography. Whether a signature verifies depends on the public
#: key, which a material never changes, and on those four alone, so the answer is the
#: one the cryptography would give: an ECDSA P-256 verification costs about 130 µs in
#: a loop, the look-up about 1 µs (hashing the message). Materials hash by identity.
#: One table per process, shared by its fakes: at most 256 messages of at most 4 KiB
#: (about 1 MB at worst), and the materials they name stay alive until emptied.
_SIGNED: dict[tuple[Material, str, str, bytes], bytes] = {}
_SIGNED_LIMIT = 256


def verify(
    material: Material, message: bytes, message_type: str, algorithm: str, signature: bytes
) -> bool:
    """Whether ``signature`` is valid; raises for requests AWS rejects outright."""
    _check_sign_request(material.key_spec, message, message_type, algorithm)
    if _SIGNED.get((material, algorithm, message_type, message)) == signature:
        return True  # made here: see _SIGNED
    public = material.public_key
    try:
        _verify(public, message, message_type, algorithm, signature)
    except (InvalidSignature, ValueError):
        return False
    return True


def _verify(
    public: object, message: bytes, message_type: str, algorithm: str, signature: bytes
) -> None:
    """Raise InvalidSignature (or ValueError for malformed input) unless valid."""
    if isinstance(public, rsa.RSAPublicKey):
        hash_algorithm = _signature_hash(message_type, algorithm)
        public.verify(signature, message, _rsa_padding(algorithm), hash_algorithm)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, message, _ecdsa(message_type, algorithm))
    elif isinstance(public, ed25519.Ed25519PublicKey):
        _verify_ed25519(public, message, algorithm, signature)
    else:
        public.verify(signature, message)  # type: ignore[attr-defined]  # ML-DSA


def _check_sign_request(key_spec: str, message: bytes, message_type: str, algorithm: str) -> None:
    """AWS's checks before signing or verifying, in the order the fake applies them: the
    model's length constraint (normally caught earlier by the protocol layer; text in
    the format recorded for Encrypt, snapshot ``test_plaintext_size_for_encrypt``),
    then algorithm, message type and digest length."""
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"MessageType must be one of {MESSAGE_TYPES}, got {message_type!r}")
    if len(message) > MAX_MESSAGE_BYTES:
        raise KMSError(
            "ValidationException",
            "1 validation error detected: Value at 'message' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_MESSAGE_BYTES}",
        )
    check_signing_algorithm(key_spec, algorithm)
    _check_message_type(key_spec, message_type, algorithm)
    if message_type == "DIGEST" and len(message) != DIGEST_BYTES[algorithm]:
        raise KMSError(
            "ValidationException", f"Digest is invalid length for algorithm {algorithm}."
        )


def _check_message_type(key_spec: str, message_type: str, algorithm: str) -> None:
    """Which message types an algorithm takes. INFERRED texts: the ML-DSA DIGEST and
    Ed25519 ones were measured against AWS by another emulator's authors (floci
    issue #3025, PR #2930), not recorded here; EXTERNAL_MU on a non-ML-DSA key is a
    guess by analogy with the ML-DSA one."""
    if algorithm.startswith("ED25519"):
        required = "DIGEST" if algorithm == "ED25519_PH_SHA_512" else "RAW"
        if message_type != required:
            raise KMSError(
                "ValidationException",
                f"Message type {message_type} is incompatible with algorithm {algorithm}.",
            )
    elif message_type == "EXTERNAL_MU" and algorithm == "ML_DSA_SHAKE_256":
        raise KMSError(
            "UnsupportedOperationException",
            "pytest-fakekms does not implement MessageType EXTERNAL_MU (ML-DSA signing of an "
            "external mu): the cryptography package cannot sign a precomputed mu. Use RAW.",
        )
    elif message_type == "EXTERNAL_MU" or (message_type == "DIGEST" and key_spec in _ML_DSA):
        raise KMSError(
            "ValidationException",
            f"Message type {message_type} is incompatible with key spec {key_spec}.",
        )


@functools.lru_cache(maxsize=32)
def _signature_hash(message_type: str, algorithm: str) -> hashes.HashAlgorithm | Prehashed:
    """The hash ``algorithm`` signs with, ``Prehashed`` for a DIGEST message. Made once per
    pair: these are immutable descriptions of an algorithm, not hashing state."""
    hash_algorithm = _HASHES_BY_BYTES[DIGEST_BYTES[algorithm]]()
    return Prehashed(hash_algorithm) if message_type == "DIGEST" else hash_algorithm


@functools.lru_cache(maxsize=32)
def _ecdsa(message_type: str, algorithm: str) -> ec.ECDSA:
    """``ec.ECDSA`` for ``algorithm``, made once per pair (about 2 µs of a Sign)."""
    return ec.ECDSA(_signature_hash(message_type, algorithm))


@functools.lru_cache(maxsize=32)  # immutable, as the hashes above
def _rsa_padding(algorithm: str) -> padding.AsymmetricPadding:
    if algorithm.startswith("RSASSA_PKCS1_V1_5"):
        return padding.PKCS1v15()
    hash_algorithm = _HASHES_BY_BYTES[DIGEST_BYTES[algorithm]]()
    return padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=hash_algorithm.digest_size)


def _sign_ed25519(key: ed25519.Ed25519PrivateKey, message: bytes, algorithm: str) -> bytes:
    if algorithm == "ED25519_PH_SHA_512":
        return _ed25519ph.sign(key.private_bytes_raw(), message)
    return key.sign(message)


def _verify_ed25519(
    public: ed25519.Ed25519PublicKey, message: bytes, algorithm: str, signature: bytes
) -> None:
    if algorithm != "ED25519_PH_SHA_512":
        public.verify(signature, message)
    elif not _ed25519ph.verify(public.public_bytes_raw(), message, signature):
        raise InvalidSignature


def _sign_ml_dsa(key: PrivateKeyTypes, message: bytes) -> bytes:
    return key.sign(message)  # type: ignore[call-arg,union-attr]


# --- key agreement ----------------------------------------------------------------------


def derive_shared_secret(material: Material, public_key: bytes) -> bytes:
    """Raw ECDH shared secret (the x-coordinate, as OpenSSL derives it) between the
    key's private half and a peer's DER SubjectPublicKeyInfo on the same curve."""
    key = _private_key(material)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"key agreement needs an ECC key, not {material}")
    from cryptography.hazmat.primitives import serialization  # DER: see the docstring

    try:
        peer = serialization.load_der_public_key(public_key)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KMSError("ValidationException", None) from None
    if not isinstance(peer, ec.EllipticCurvePublicKey) or peer.curve.name != key.curve.name:
        raise KMSError("ValidationException", None)  # guess: same as an unreadable key
    return key.exchange(ec.ECDH(), peer)


# --- key encapsulation ------------------------------------------------------------------

#: ML-KEM ciphertext length in bytes per key spec (FIPS 203, table 3).
ML_KEM_CIPHERTEXT_BYTES: dict[str, int] = {
    "ML_KEM_512": 768,
    "ML_KEM_768": 1088,
    "ML_KEM_1024": 1568,
}


def encapsulate(material: Material) -> tuple[bytes, bytes]:
    """A fresh 32-byte shared secret and its ciphertext under the key's public half."""
    public: Any = material.public_key  # an ML-KEM public key (cryptography >= 48)
    secret, ciphertext = public.encapsulate()
    return bytes(secret), bytes(ciphertext)


def decapsulate(material: Material, ciphertext: bytes) -> bytes:
    """The shared secret in ``ciphertext``; InvalidCiphertextException (no message, as
    Decrypt's) when its length does not fit the key spec."""
    if len(ciphertext) != ML_KEM_CIPHERTEXT_BYTES.get(material.key_spec):
        raise KMSError("InvalidCiphertextException", None)
    key: Any = _private_key(material)
    return bytes(key.decapsulate(ciphertext))


# --- helpers ----------------------------------------------------------------------------


def _private_key(material: Material) -> PrivateKeyTypes:
    if material.private_key is None:
        raise ValueError(f"{material} has no private key: it is not an asymmetric key")
    return material.private_key


def _rsa_key(material: Material) -> rsa.RSAPrivateKey:
    key = _private_key(material)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"RSA encryption needs an RSA key, not {material}")
    return key
