"""ECDSA nonces made ahead of time, each used at most once per process.

An ECDSA signature of a digest with private key ``d`` on a curve of order ``n`` is
``(r, s)`` with ``r = x(k·G) mod n`` and ``s = k⁻¹·(z + r·d) mod n``, where ``z`` is
the digest as an integer (cut to the bit length of ``n``) and ``k`` a fresh random
nonce. Nearly all of the cost is the point ``k·G`` and the inverse ``k⁻¹``: through
``cryptography`` (OpenSSL) a P-256 signature of 1 KiB costs about 40 µs in a loop on
the project's 2-core machine and about twice that inside a boto3 call, a fifth of
what botocore's own pipeline costs for a Sign (issue #8, 2026-11-27). With both made
ahead of time, what is left is a hash, two multiplications modulo ``n`` and the DER
encoding: about 5 µs.

The pool (``ecdsa_pool.bin``, written by ``scripts/make_ecdsa_pool.py``) holds, for
each entry, ``r``. The entry's ``k⁻¹`` is not stored: it is derived from the key
spec and the entry's index with SHAKE-256 (:func:`_inverse_nonce`), and the script
computed ``r`` from it (``k`` is its inverse modulo ``n``, ``k·G`` came from
``cryptography``). ``tests/crypto/test_ecdsa_pool.py`` checks every entry.

Which signatures use it (:func:`sign` returns None for the others, and the caller
signs with ``cryptography``'s random nonces):

* only keys the fake generated in this process (``Material.generated``). Imported
  material, and keys read from a saved state, which another process may hold too,
  never do;
* each entry once per process, in order; a process that has used up a curve's
  entries signs with ``cryptography`` from then on;
* never in a process made by ``fork``: it holds its parent's keys and the parent's
  position in the pool, and would sign with the nonces the parent uses next.

What a test can see: nothing. The signatures are valid DER-encoded ECDSA signatures
that verify with any library under the key's public key, and two signatures of the
same message differ, as they did when every signature drew a random nonce from
``cryptography`` (whether AWS's own ECDSA is randomized is not on record). What they give
away: everybody who has the package knows every nonce in it, so one signature
reveals the private key of the KMS key that made it. Key material is secret only in
name in a fake (``rsa_pool.py`` hands out the same RSA keys in every process); that
is why material a test brings (ImportKeyMaterial) never signs with the pool.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
import threading

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

#: The order ``n`` of each curve's base point (SEC 2 and FIPS 186-4 D.1.2).
CURVE_ORDERS: dict[str, int] = {
    "ECC_NIST_P256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ECC_NIST_P384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77A"
        "ECEC196ACCC52973",
        16,
    ),
    "ECC_NIST_P521": int(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
        16,
    ),
    "ECC_SECG_P256K1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}
#: (key spec, entries in the pool) in file order. P-256 is the ECC key spec most used.
POOL_LAYOUT: tuple[tuple[str, int], ...] = (
    ("ECC_NIST_P256", 4096),
    ("ECC_NIST_P384", 512),
    ("ECC_NIST_P521", 512),
    ("ECC_SECG_P256K1", 512),
)
POOL_FILE = "ecdsa_pool.bin"
_LABEL = b"pytest-fakekms ECDSA nonce pool v1|"

_lock = threading.Lock()
_next: dict[str, int] = {}  # the entry to use next, per key spec
_forked = False


def sign(key_spec: str, private_value: int, digest: bytes) -> bytes | None:
    """The DER ECDSA signature of ``digest`` by the private key ``private_value`` with
    the next unused nonce of ``key_spec``'s pool; None when there is none to use."""
    if _forked:
        return None
    entries, width, count = _pool()[key_spec]
    with _lock:
        index = _next.get(key_spec, 0)
        if index >= count:
            return None
        _next[key_spec] = index + 1
    n = CURVE_ORDERS[key_spec]
    offset = index * width
    r = int.from_bytes(entries[offset : offset + width], "big")
    z = int.from_bytes(digest, "big")
    excess = len(digest) * 8 - n.bit_length()
    if excess > 0:
        z >>= excess
    s = _inverse_nonce(key_spec, index) * (z + r * private_value) % n
    return encode_dss_signature(r, s)


def _inverse_nonce(key_spec: str, index: int) -> int:
    """``k⁻¹`` of entry ``index``: in [1, n - 1], derived, never stored."""
    n = CURVE_ORDERS[key_spec]
    size = (n.bit_length() + 7) // 8 + 16  # 128 bits more than n: no visible bias
    seed = _LABEL + key_spec.encode() + b"|" + index.to_bytes(4, "big")
    return int.from_bytes(hashlib.shake_256(seed).digest(size), "big") % (n - 1) + 1


def entry_width(key_spec: str) -> int:
    """Bytes per entry of ``key_spec``: ``r`` is less than ``n``."""
    return (CURVE_ORDERS[key_spec].bit_length() + 7) // 8


@functools.cache
def _pool() -> dict[str, tuple[bytes, int, int]]:
    """Each key spec's entries (bytes), their width and their number, read once per process."""
    data = importlib.resources.files(__package__).joinpath(POOL_FILE).read_bytes()
    return parse_pool(data)


def parse_pool(data: bytes) -> dict[str, tuple[bytes, int, int]]:
    """The entries of a pool file laid out as :data:`POOL_LAYOUT` says."""
    pool: dict[str, tuple[bytes, int, int]] = {}
    offset = 0
    for key_spec, count in POOL_LAYOUT:
        width = entry_width(key_spec)
        pool[key_spec] = (data[offset : offset + width * count], width, count)
        offset += width * count
    if offset != len(data):
        raise ValueError(f"{POOL_FILE} holds {len(data)} bytes, its layout {offset}")
    return pool


def _after_fork_in_child() -> None:
    global _forked
    _forked = True


if hasattr(os, "register_at_fork"):  # not on Windows, which cannot fork
    os.register_at_fork(after_in_child=_after_fork_in_child)
