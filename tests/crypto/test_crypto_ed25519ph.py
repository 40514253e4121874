"""The pure-Python Ed25519ph against RFC 8032 and against ``cryptography``'s Ed25519."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fakekms.crypto import _ed25519ph

# RFC 8032 section 7.3, test "abc" (Ed25519ph).
RFC_SECRET = bytes.fromhex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
RFC_PUBLIC = bytes.fromhex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf")
RFC_SIGNATURE = bytes.fromhex(
    "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
    "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"
)
_L = 2**252 + 27742317777372353535851937790883648493


def test_rfc_8032_ed25519ph_vector() -> None:
    assert _ed25519ph.public_key(RFC_SECRET) == RFC_PUBLIC
    assert _ed25519ph.sign(RFC_SECRET, b"abc") == RFC_SIGNATURE
    assert _ed25519ph.verify(RFC_PUBLIC, b"abc", RFC_SIGNATURE)


def test_prehashed_and_pure_signatures_differ() -> None:
    pure = _ed25519ph.sign(RFC_SECRET, b"abc", prehashed=False)
    assert pure != RFC_SIGNATURE
    assert not _ed25519ph.verify(RFC_PUBLIC, b"abc", pure)
    assert _ed25519ph.verify(RFC_PUBLIC, b"abc", pure, prehashed=False)


@settings(max_examples=15, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=100))
def test_pure_mode_matches_cryptography(seed: bytes, message: bytes) -> None:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    assert _ed25519ph.public_key(seed) == key.public_key().public_bytes_raw()
    assert _ed25519ph.sign(seed, message, prehashed=False) == key.sign(message)


def test_kms_style_digest_signature_verifies() -> None:
    digest = hashlib.sha512(b"the real message").digest()
    signature = _ed25519ph.sign(RFC_SECRET, digest)
    assert _ed25519ph.verify(RFC_PUBLIC, digest, signature)
    assert not _ed25519ph.verify(RFC_PUBLIC, hashlib.sha512(b"other").digest(), signature)


def test_verify_rejects_malformed_input() -> None:
    assert not _ed25519ph.verify(RFC_PUBLIC, b"abc", RFC_SIGNATURE[:-1])
    assert not _ed25519ph.verify(RFC_PUBLIC[:-1], b"abc", RFC_SIGNATURE)
    big_s = RFC_SIGNATURE[:32] + _L.to_bytes(32, "little")
    assert not _ed25519ph.verify(RFC_PUBLIC, b"abc", big_s)
    not_a_point = (2**255 - 1).to_bytes(32, "little")  # y >= p
    assert not _ed25519ph.verify(not_a_point, b"abc", RFC_SIGNATURE)
    assert not _ed25519ph.verify(RFC_PUBLIC, b"abc", not_a_point + RFC_SIGNATURE[32:])
    flipped = bytes([RFC_SIGNATURE[0] ^ 1]) + RFC_SIGNATURE[1:]
    assert not _ed25519ph.verify(RFC_PUBLIC, b"abc", flipped)
