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

Private keys are made, read and recognised in :mod:`.private_keys`, imported by the
first asymmetric key: a session of symmetric and HMAC keys never loads
``cryptography``'s asymmetric and serialization modules (issue #8).

``material_id`` has AWS's ``CurrentKeyMaterialId`` format, 64 lowercase hex
characters (kms-facts §7.1); the fake draws it at random.
"""

from __future__ import annotations

import dataclasses
import functools
import secrets
from typing import TYPE_CHECKING

from pytest_fakekms.crypto.specs import MAC
from pytest_fakekms.domain.identifiers import random_hex_id

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

SYMMETRIC_KEY_BYTES = 32
HMAC_KEY_BYTES: dict[str, int] = {spec: int(spec[-3:]) // 8 for spec in MAC}


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
        from cryptography.hazmat.primitives.asymmetric import ec

        if not isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{self} is not an ECC key")
        return self.private_key.private_numbers().private_value

    @functools.cached_property
    def public_key_der(self) -> bytes:
        """:attr:`public_key` as DER SubjectPublicKeyInfo, as GetPublicKey returns it."""
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

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
    from pytest_fakekms.crypto.private_keys import generate_private_key

    private_key = generate_private_key(key_spec)
    return Material(key_spec, version, material_id, private_key=private_key, generated=True)


def discard_unseen(material: Material) -> None:
    """Forget ``material``, made by :func:`new_material` and never seen outside the fake
    (a failed first use): an RSA key goes back to the pool (``rsa_pool.give_back``)."""
    if material.generated and material.private_key is not None:
        from pytest_fakekms.crypto.rsa_pool import give_back  # loaded with the key itself

        give_back(material.private_key)


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
    from pytest_fakekms.crypto.private_keys import load_private_key

    return Material(key_spec, version, material_id, private_key=load_private_key(key_spec, data))
