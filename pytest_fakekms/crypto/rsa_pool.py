"""RSA private keys made ahead of time, each handed out at most once per process.

Generating an RSA key is by far the dearest thing the fake does: 50-130 ms for
RSA_2048 and 0.1-1 s for RSA_3072 or RSA_4096 on the project's 2-core machine
(issue #8, 2026-11-27), against well under a millisecond for everything else a
call costs. Every RSA key the fake makes (a KMS key's material, a data key pair,
a GetParametersForImport wrapping key) comes from :func:`new_rsa_key`, which
first takes a key given back by a failed first use (:func:`give_back`), then the
next unused entry of a pool shipped with the package, and only generates a key
once the pool of that size is used up.

The pool (``rsa_pool.bin``, written by ``scripts/make_rsa_pool.py``) holds the
two primes of each key; the private key is rebuilt from them in 0.3-0.6 ms, and the
file (120 KB) is read once per process in about 0.4 ms.
The keys are real RSA keys with e = 65537 made by ``cryptography`` like any
other, but they are the same in every process: within a process no two calls
get the same key (two KMS keys never share material, as in AWS), while across
processes (pytest-xdist workers, a test run and ``python -m pytest_fakekms
serve``) the n-th RSA_2048 key is the same one. A private key the fake is given
(ImportKeyMaterial, a state loaded by ``serve --state``) is :func:`claim`-ed, so
the pool does not hand out that key again in the process. Key material is secret
only in name in a fake, and nothing a test can see within one process tells a
pooled key from a generated one.

Layout of the file: for each size of :data:`POOL_LAYOUT` in order, ``count``
entries of ``p || q``, each prime ``bits // 16`` bytes, big-endian.
"""

from __future__ import annotations

import functools
import importlib.resources
import threading

from cryptography.hazmat.primitives.asymmetric import rsa

PUBLIC_EXPONENT = 65537
#: (key size in bits, entries in the pool) in file order.
POOL_LAYOUT: tuple[tuple[int, int], ...] = ((2048, 512), (3072, 64), (4096, 64))
POOL_FILE = "rsa_pool.bin"

_lock = threading.Lock()
_next: dict[int, int] = {}  # the pool position to try next, per key size
_claimed: set[int] = set()  # moduli of keys this process was given from outside
_returned: dict[int, list[rsa.RSAPrivateKey]] = {}  # given back unseen, per key size


def new_rsa_key(bits: int) -> rsa.RSAPrivateKey:
    """An RSA private key of ``bits`` with e = 65537 that this process has not seen."""
    entries = _pool().get(bits, ())
    with _lock:
        returned = _returned.get(bits)
        if returned:
            return returned.pop()
        position = _next.get(bits, 0)
        while position < len(entries):
            p, q = entries[position]
            position += 1
            if p * q not in _claimed:
                _next[bits] = position
                return _private_key(p, q)
        _next[bits] = position
    return rsa.generate_private_key(PUBLIC_EXPONENT, bits)


def give_back(key: object) -> None:
    """Take back a key :func:`new_rsa_key` made that nothing outside the fake has seen:
    the first material of a key whose first use failed (a failed request changes no
    state, so the key gets new material at its next use). The next request for a key
    of its size gets it, so failures do not use up the pool. A private key of another
    kind (ECC, Ed25519, post-quantum: generated afresh every time) is simply dropped."""
    if not isinstance(key, rsa.RSAPrivateKey):
        return
    with _lock:
        _returned.setdefault(key.key_size, []).append(key)


def claim(key: rsa.RSAPrivateKey) -> None:
    """Note a key given to the fake from outside, so the pool never hands it out."""
    with _lock:
        _claimed.add(key.private_numbers().public_numbers.n)


def _private_key(p: int, q: int) -> rsa.RSAPrivateKey:
    d = rsa.rsa_recover_private_exponent(PUBLIC_EXPONENT, p, q)
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(PUBLIC_EXPONENT, p * q),
    )
    # The primes come from keys cryptography generated (scripts/make_rsa_pool.py), and
    # tests/crypto/test_rsa_pool.py checks every entry. OpenSSL's own check would test
    # both for primality again: 20 s for 128 keys, most of what the pool saves.
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


@functools.cache
def _pool() -> dict[int, tuple[tuple[int, int], ...]]:
    """The pool's entries by key size, read once per process."""
    data = importlib.resources.files(__package__).joinpath(POOL_FILE).read_bytes()
    return parse_pool(data)


def parse_pool(data: bytes) -> dict[int, tuple[tuple[int, int], ...]]:
    """The entries of a pool file laid out as :data:`POOL_LAYOUT` says."""
    pool: dict[int, tuple[tuple[int, int], ...]] = {}
    offset = 0
    for bits, count in POOL_LAYOUT:
        width = bits // 16
        entries = []
        for _ in range(count):
            p = int.from_bytes(data[offset : offset + width], "big")
            q = int.from_bytes(data[offset + width : offset + 2 * width], "big")
            entries.append((p, q))
            offset += 2 * width
        pool[bits] = tuple(entries)
    if offset != len(data):
        raise ValueError(f"{POOL_FILE} holds {len(data)} bytes, its layout {offset}")
    return pool
