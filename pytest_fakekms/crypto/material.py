"""Key material: the secret behind one version of a KMS key.

A KMS key owns a list of :class:`Material` values, oldest first; the last one is
current. Rotation appends a new one with the next ``version``; ciphertext blobs
name the version they were made with, so old material keeps decrypting (see
``symmetric.py``). Nothing here is generated until :func:`new_material` is called,
and callers call it on a key's first cryptographic use: symmetric and HMAC
material is 32-64 random bytes, but generating an RSA_4096 key takes up to a second
(RSA keys come from a pool made ahead of time while it lasts: ``rsa_pool.py``).

What each key spec holds:

* ``SYMMETRIC_DEFAULT``: 32 random bytes, an AES-256-GCM key (CreateKey KeySpec
  docs: "a 256-bit AES-GCM key").
* ``HMAC_224/256/384/512``: 28/32/48/64 random bytes. The developer guide says an
  HMAC key spec's length determines its MAC algorithm (``hmac.md``, key specs for
  HMAC keys), so the spec's number is taken as the key length in bits.
* RSA, ECC (NIST P-256/384/521, secp256k1), Ed25519, ML-DSA and ML-KEM specs: a
  private key object from ``cryptography`` (RSA with e = 65537).
* ``SM2``: not generated; it exists only in the AWS China Regions. ``ML_KEM_512``:
  not generated; ``cryptography`` has ML-KEM-768 and ML-KEM-1024 only.

``material_id`` has AWS's ``CurrentKeyMaterialId`` format, 64 lowercase hex
characters (kms-facts §7.1); the fake draws it at random.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import secrets
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_private_key,
)

from pytest_fakekms.crypto.rsa_pool import claim, give_back, new_rsa_key
from pytest_fakekms.crypto.specs import (
    ALL_KEY_SPECS,
    MAC,
    POST_QUANTUM_CLASSES,
    unsupported_key_spec,
)
from pytest_fakekms.domain.identifiers import random_hex_id
from pytest_fakekms.errors import KMSError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

SYMMETRIC_KEY_BYTES = 32
HMAC_KEY_BYTES: dict[str, int] = {spec: int(spec[-3:]) // 8 for spec in MAC}
RSA_KEY_BITS: dict[str, int] = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
EC_CURVES: dict[str, ec.EllipticCurve] = {
    "ECC_NIST_P256": ec.SECP256R1(),
    "ECC_NIST_P384": ec.SECP384R1(),
    "ECC_NIST_P521": ec.SECP521R1(),
    "ECC_SECG_P256K1": ec.SECP256K1(),
}


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Material:
    """One version of a key's material: secret bytes (symmetric/HMAC) or a private key."""

    key_spec: str
    version: int
    material_id: str
    secret: bytes = b""
    private_key: PrivateKeyTypes | None = None
    #: Made by :func:`new_material` in this process, not given to the fake (imported,
    #: or read from a saved state): only such ECC keys sign with ``ecdsa_pool``'s nonces.
    generated: bool = False

    def __repr__(self) -> str:  # never print the secret
        return f"Material({self.key_spec!r}, version={self.version}, id={self.material_id[:8]}...)"

    # Made on first use and kept: Verify and GetPublicKey ask for them on every call, and
    # a material never changes (the instance's __dict__ holds them; frozen only blocks
    # assignment).
    @functools.cached_property
    def public_key(self) -> PublicKeyTypes:
        """The public half of the private key (ValueError for symmetric and HMAC material)."""
        if self.private_key is None:
            raise ValueError(f"{self} has no private key: it is not an asymmetric key")
        return self.private_key.public_key()

    @functools.cached_property
    def private_value(self) -> int:
        """An ECC private key's scalar ``d`` (about 7 µs to read from the key object)."""
        if not isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{self} is not an ECC key")
        return self.private_key.private_numbers().private_value

    @functools.cached_property
    def public_key_der(self) -> bytes:
        """:attr:`public_key` as DER SubjectPublicKeyInfo, as GetPublicKey returns it."""
        return self.public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def new_material(key_spec: str, version: int = 1, *, material_id: str | None = None) -> Material:
    """Generate material for ``key_spec``, with ``material_id`` or a new one (the
    CurrentKeyMaterialId format, 64 lowercase hex characters); raises KMSError for specs
    the fake cannot make."""
    material_id = material_id or random_hex_id()
    if key_spec == "SYMMETRIC_DEFAULT":
        return Material(
            key_spec, version, material_id, secret=secrets.token_bytes(SYMMETRIC_KEY_BYTES)
        )
    if key_spec in HMAC_KEY_BYTES:
        secret = secrets.token_bytes(HMAC_KEY_BYTES[key_spec])
        return Material(key_spec, version, material_id, secret=secret)
    private_key = generate_private_key(key_spec)
    return Material(key_spec, version, material_id, private_key=private_key, generated=True)


def discard_unseen(material: Material) -> None:
    """Forget ``material``, made by :func:`new_material` and never seen outside the fake
    (a failed first use): an RSA key goes back to the pool (``rsa_pool.give_back``)."""
    if material.generated and isinstance(material.private_key, rsa.RSAPrivateKey):
        give_back(material.private_key)


def generate_private_key(key_spec: str) -> PrivateKeyTypes:
    """A new private key for an asymmetric key spec (also used for data key pairs)."""
    if key_spec in RSA_KEY_BITS:
        return new_rsa_key(RSA_KEY_BITS[key_spec])  # from the pool: see rsa_pool.py
    if key_spec in EC_CURVES:
        return ec.generate_private_key(EC_CURVES[key_spec])
    if key_spec == "ECC_NIST_EDWARDS25519":
        return ed25519.Ed25519PrivateKey.generate()
    if key_spec in POST_QUANTUM_CLASSES:
        return _generate_post_quantum(key_spec)
    if key_spec in ALL_KEY_SPECS and key_spec != "SYMMETRIC_DEFAULT" and key_spec not in MAC:
        raise unsupported_key_spec(key_spec)
    raise ValueError(f"{key_spec!r} is not an asymmetric KMS key spec")


def material_from_bytes(
    key_spec: str, data: bytes, *, version: int = 1, material_id: str | None = None
) -> Material:
    """Material from given bytes: the raw key for symmetric/HMAC specs, a DER PKCS#8
    private key for asymmetric ones. For imported key material and for tests that
    need known keys. Raises ValueError when ``data`` does not fit ``key_spec``."""
    material_id = material_id or random_hex_id()
    if key_spec == "SYMMETRIC_DEFAULT":
        if len(data) != SYMMETRIC_KEY_BYTES:
            raise ValueError(f"SYMMETRIC_DEFAULT material must be 32 bytes, got {len(data)}")
        return Material(key_spec, version, material_id, secret=bytes(data))
    if key_spec in HMAC_KEY_BYTES:
        if not data:
            raise ValueError("HMAC key material must not be empty")
        return Material(key_spec, version, material_id, secret=bytes(data))
    key = _load_private_key(data)
    if key_spec_of(key) != key_spec:
        raise ValueError(f"the private key is a {key_spec_of(key)} key, not {key_spec}")
    if isinstance(key, rsa.RSAPrivateKey):
        claim(key)  # the pool must not hand this key to another KMS key
    return Material(key_spec, version, material_id, private_key=key)


def key_spec_of(key: PrivateKeyTypes) -> str | None:
    """The KMS key spec a private key belongs to, or None if KMS has no such spec."""
    if isinstance(key, rsa.RSAPrivateKey):
        return next((s for s, bits in RSA_KEY_BITS.items() if bits == key.key_size), None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return next((s for s, c in EC_CURVES.items() if c.name == key.curve.name), None)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ECC_NIST_EDWARDS25519"
    return _post_quantum_spec_of(key)


def _load_private_key(data: bytes) -> PrivateKeyTypes:
    try:
        return load_der_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a DER PKCS#8 private key: {exc}") from exc


def _post_quantum_class(key_spec: str) -> Any:
    """The private key class of a post-quantum spec, or None where ``cryptography`` lacks it."""
    module_name, class_name, _ = POST_QUANTUM_CLASSES[key_spec]
    try:
        module = importlib.import_module(f"cryptography.hazmat.primitives.asymmetric.{module_name}")
    except ImportError:
        return None
    return getattr(module, class_name, None)


def check_post_quantum(key_spec: str) -> None:
    """Refuse a post-quantum key spec the installed ``cryptography`` has no class for, so
    that CreateKey (which declares UnsupportedOperationException) refuses it rather than
    the key's first use (Sign, Encapsulate: they declare no such code)."""
    if _post_quantum_class(key_spec) is None:
        family = POST_QUANTUM_CLASSES[key_spec][2]
        raise _no_post_quantum(key_spec, f"no {family} support in this cryptography release")


def _generate_post_quantum(key_spec: str) -> PrivateKeyTypes:
    key_class = _post_quantum_class(key_spec)
    family = POST_QUANTUM_CLASSES[key_spec][2]
    try:
        if key_class is None:
            raise UnsupportedAlgorithm(f"no {family} support in this cryptography release")
        key: PrivateKeyTypes = key_class.generate()
        return key
    except UnsupportedAlgorithm as exc:
        raise _no_post_quantum(key_spec, str(exc)) from exc


def _no_post_quantum(key_spec: str, reason: str) -> KMSError:
    family = POST_QUANTUM_CLASSES[key_spec][2]
    return KMSError(
        "UnsupportedOperationException",
        f"pytest-fakekms cannot create {key_spec} keys here: the installed cryptography "
        f"package or its OpenSSL lacks {family} ({reason}). cryptography 48 with OpenSSL >= "
        "3.5 has it.",
    )


def _post_quantum_spec_of(key: PrivateKeyTypes) -> str | None:
    for key_spec in POST_QUANTUM_CLASSES:
        key_class = _post_quantum_class(key_spec)
        if key_class is not None and isinstance(key, key_class):
            return key_spec
    return None
