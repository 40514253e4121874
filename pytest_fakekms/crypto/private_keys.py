"""Asymmetric private keys: generated for a key spec, read from DER, and recognised.

Apart from :mod:`.material` so that a test session that only encrypts with symmetric
keys (or makes MACs) never imports ``cryptography``'s asymmetric and serialization
modules: about 6 ms of the session's first Encrypt (issue #8). :mod:`.material` calls
in here for the asymmetric specs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pytest_fakekms.crypto.rsa_pool import claim, new_rsa_key
from pytest_fakekms.crypto.specs import (
    ALL_KEY_SPECS,
    MAC,
    POST_QUANTUM_CLASSES,
    unsupported_key_spec,
)
from pytest_fakekms.errors import KMSError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

RSA_KEY_BITS: dict[str, int] = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
EC_CURVES: dict[str, ec.EllipticCurve] = {
    "ECC_NIST_P256": ec.SECP256R1(),
    "ECC_NIST_P384": ec.SECP384R1(),
    "ECC_NIST_P521": ec.SECP521R1(),
    "ECC_SECG_P256K1": ec.SECP256K1(),
}


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


def load_private_key(key_spec: str, data: bytes) -> PrivateKeyTypes:
    """The DER PKCS#8 private key in ``data``, which must be a ``key_spec`` key (ValueError
    otherwise). An RSA key is :func:`.rsa_pool.claim`-ed: the pool must not hand it to
    another KMS key."""
    key = _load_private_key(data)
    if key_spec_of(key) != key_spec:
        raise ValueError(f"the private key is a {key_spec_of(key)} key, not {key_spec}")
    if isinstance(key, rsa.RSAPrivateKey):
        claim(key)
    return key


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
    # DER: loaded by the first key read (see crypto/asymmetric.py's docstring).
    from cryptography.hazmat.primitives.serialization import load_der_private_key

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
