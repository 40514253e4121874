"""Write ``pytest_fakekms/crypto/ecdsa_pool.bin``: ECDSA nonces made ahead of time.

Run from anywhere: ``python scripts/make_ecdsa_pool.py`` (a few seconds). For each
entry of each curve the fake's own derivation gives ``k⁻¹``; the script inverts it
and stores ``r = x(k·G) mod n``, with ``k·G`` from ``cryptography``. See
``pytest_fakekms/crypto/ecdsa_pool.py`` for the layout and for how the fake uses
them. The file follows from the derivation: running the script again writes the
same bytes.
"""

from __future__ import annotations

import pathlib

from cryptography.hazmat.primitives.asymmetric import ec

from pytest_fakekms.crypto.ecdsa_pool import (
    CURVE_ORDERS,
    POOL_FILE,
    POOL_LAYOUT,
    _inverse_nonce,
    entry_width,
    parse_pool,
)
from pytest_fakekms.crypto.material import EC_CURVES

TARGET = pathlib.Path(__file__).resolve().parent.parent / "pytest_fakekms" / "crypto" / POOL_FILE


def nonce_point_x(key_spec: str, index: int) -> int:
    """``r`` of entry ``index``: the x coordinate of ``k·G`` modulo ``n``."""
    n = CURVE_ORDERS[key_spec]
    k = pow(_inverse_nonce(key_spec, index), -1, n)
    point = ec.derive_private_key(k, EC_CURVES[key_spec]).public_key().public_numbers()
    r = point.x % n
    if r == 0:  # probability about 2**-256; the layout has no way to skip an entry
        raise SystemExit(f"{key_spec} entry {index} has r = 0: change the label")
    return r


def main() -> None:
    data = b"".join(
        nonce_point_x(key_spec, index).to_bytes(entry_width(key_spec), "big")
        for key_spec, count in POOL_LAYOUT
        for index in range(count)
    )
    parse_pool(data)  # the layout reads back
    TARGET.write_bytes(data)
    print(f"wrote {len(data):,} bytes to {TARGET}")


if __name__ == "__main__":
    main()
