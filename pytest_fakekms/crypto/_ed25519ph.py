"""Ed25519ph (RFC 8032 section 5.1, "HashEdDSA"), which ``cryptography`` does not offer.

KMS's ED25519_PH_SHA_512 signs a 64-byte digest with Ed25519ph and still applies
the SHA-512 pre-hash to it (Sign docs: "the input is hashed twice: once by you
and once by KMS"), so the signature verifies as Ed25519ph over the digest bytes.

This is a small, slow (a few milliseconds per signature), non-constant-time
implementation on extended twisted-Edwards coordinates, for a test double only.
The same code with ``prehashed=False`` is plain Ed25519, which the test suite
compares byte for byte with ``cryptography``'s deterministic signatures; the
RFC 8032 Ed25519ph test vector checks the pre-hashed mode.
"""

from __future__ import annotations

import hashlib

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_DOM2_PREFIX = b"SigEd25519 no Ed25519 collisions"

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z


def _sha512(*parts: bytes) -> bytes:
    return hashlib.sha512(b"".join(parts)).digest()


def _add(p: Point, q: Point) -> Point:
    """Unified addition on -x^2 + y^2 = 1 + d x^2 y^2 (also doubles)."""
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _multiply(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _encode(point: Point) -> bytes:
    z_inv = pow(point[2], _P - 2, _P)
    x, y = point[0] * z_inv % _P, point[1] * z_inv % _P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _recover_x(y: int, sign: int) -> int | None:
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P or (x == 0 and sign):
        return None
    return _P - x if x & 1 != sign else x


def _decode(data: bytes) -> Point | None:
    if len(data) != 32:
        return None
    value = int.from_bytes(data, "little")
    y, sign = value & ((1 << 255) - 1), value >> 255
    x = None if y >= _P else _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


def _base_point() -> Point:
    point = _decode((4 * pow(5, _P - 2, _P) % _P).to_bytes(32, "little"))  # y = 4/5, x even
    if point is None:  # pragma: no cover - a constant of the curve
        raise RuntimeError("Ed25519 base point does not decode")
    return point


_BASE = _base_point()


def _base_multiply(scalar: int) -> Point:
    return _multiply(scalar, _BASE)


def _expand(seed: bytes) -> tuple[int, bytes]:
    digest = _sha512(seed)
    scalar = int.from_bytes(digest[:32], "little") & ((1 << 254) - 8) | (1 << 254)
    return scalar, digest[32:]


def _framing(message: bytes, prehashed: bool) -> tuple[bytes, bytes]:
    """(dom2 prefix, message as signed): Ed25519ph uses dom2(1, "") and SHA-512(message)."""
    if prehashed:
        return _DOM2_PREFIX + b"\x01\x00", _sha512(message)
    return b"", message


def public_key(seed: bytes) -> bytes:
    """The 32-byte public key of a 32-byte private key seed."""
    return _encode(_base_multiply(_expand(seed)[0]))


def sign(seed: bytes, message: bytes, *, prehashed: bool = True) -> bytes:
    """A 64-byte Ed25519ph (or, with ``prehashed=False``, Ed25519) signature."""
    scalar, prefix = _expand(seed)
    dom, signed = _framing(message, prehashed)
    encoded_a = _encode(_base_multiply(scalar))
    r = int.from_bytes(_sha512(dom, prefix, signed), "little") % _L
    encoded_r = _encode(_base_multiply(r))
    k = int.from_bytes(_sha512(dom, encoded_r, encoded_a, signed), "little") % _L
    return encoded_r + ((r + k * scalar) % _L).to_bytes(32, "little")


def verify(public: bytes, message: bytes, signature: bytes, *, prehashed: bool = True) -> bool:
    """Whether ``signature`` is valid for ``message`` under the 32-byte ``public`` key."""
    if len(signature) != 64:
        return False
    point_a, point_r = _decode(public), _decode(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if point_a is None or point_r is None or s >= _L:
        return False
    dom, signed = _framing(message, prehashed)
    k = int.from_bytes(_sha512(dom, signature[:32], public, signed), "little") % _L
    return _encode(_base_multiply(s)) == _encode(_add(point_r, _multiply(k, point_a)))
