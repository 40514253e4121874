"""Write ``pytest_fakekms/crypto/rsa_pool.bin``: RSA keys made ahead of time.

Run from anywhere: ``python scripts/make_rsa_pool.py`` (about a minute). Each
entry is a key from ``cryptography``'s ``rsa.generate_private_key(65537, bits)``,
stored as its two primes; see ``pytest_fakekms/crypto/rsa_pool.py`` for the
layout and for how the fake uses them. Running it again replaces every key,
which changes nothing a test can rely on.
"""

from __future__ import annotations

import pathlib

from cryptography.hazmat.primitives.asymmetric import rsa

from pytest_fakekms.crypto.rsa_pool import POOL_FILE, POOL_LAYOUT, PUBLIC_EXPONENT, parse_pool

TARGET = pathlib.Path(__file__).resolve().parent.parent / "pytest_fakekms" / "crypto" / POOL_FILE


def main() -> None:
    parts: list[bytes] = []
    for bits, count in POOL_LAYOUT:
        width = bits // 16
        for _ in range(count):
            numbers = rsa.generate_private_key(PUBLIC_EXPONENT, bits).private_numbers()
            parts += (numbers.p.to_bytes(width, "big"), numbers.q.to_bytes(width, "big"))
    data = b"".join(parts)
    parse_pool(data)  # the layout reads back
    TARGET.write_bytes(data)
    print(f"wrote {len(data):,} bytes to {TARGET}")


if __name__ == "__main__":
    main()
