"""HMAC keys: standard tags, one algorithm per key spec, AWS's mismatch error."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import pytest

from pytest_fakekms.crypto import mac, material
from pytest_fakekms.errors import KMSError

Digest = Callable[[], Any]
PAIRS: list[tuple[str, str, Digest]] = [
    ("HMAC_224", "HMAC_SHA_224", hashlib.sha224),
    ("HMAC_256", "HMAC_SHA_256", hashlib.sha256),
    ("HMAC_384", "HMAC_SHA_384", hashlib.sha384),
    ("HMAC_512", "HMAC_SHA_512", hashlib.sha512),
]


@pytest.mark.parametrize(("key_spec", "algorithm", "digest"), PAIRS)
def test_generate_and_verify(key_spec: str, algorithm: str, digest: Digest) -> None:
    key = material.new_material(key_spec)
    tag = mac.generate_mac(key, algorithm, b"some important message")
    expected = hmac.new(key.secret, b"some important message", digest).digest()
    assert tag == expected
    assert mac.verify_mac(key, algorithm, b"some important message", tag)


def test_rfc_4231_vector() -> None:
    # RFC 4231 test case 1, HMAC-SHA-256.
    key = material.material_from_bytes("HMAC_256", b"\x0b" * 20)
    assert mac.generate_mac(key, "HMAC_SHA_256", b"Hi There").hex() == (
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    )


def test_verify_rejects_other_message_or_tag() -> None:
    key = material.new_material("HMAC_256")
    tag = mac.generate_mac(key, "HMAC_SHA_256", b"some important message")
    assert not mac.verify_mac(key, "HMAC_SHA_256", b"some different important message", tag)
    assert not mac.verify_mac(key, "HMAC_SHA_256", b"some important message", tag[:-1])
    assert not mac.verify_mac(key, "HMAC_SHA_256", b"some important message", b"")
    other = material.new_material("HMAC_256")
    assert not mac.verify_mac(other, "HMAC_SHA_256", b"some important message", tag)


@pytest.mark.parametrize(
    ("key_spec", "algorithm"),
    [("HMAC_224", "HMAC_SHA_256"), ("HMAC_256", "HMAC_SHA_512"), ("HMAC_512", "HMAC_SHA_224")],
)
@pytest.mark.parametrize("operation", ["generate", "verify"])
def test_algorithm_mismatch_is_awss_error(key_spec: str, algorithm: str, operation: str) -> None:
    # Recorded: snapshot test_invalid_generate_mac[HMAC_224-HMAC_SHA_256] and
    # test_invalid_verify_mac[HMAC_256-HMAC_SHA_512-some important message].
    key = material.new_material(key_spec)
    calls: dict[str, Callable[[], object]] = {
        "generate": lambda: mac.generate_mac(key, algorithm, b"message"),
        "verify": lambda: mac.verify_mac(key, algorithm, b"message", b"\x00" * 32),
    }
    with pytest.raises(KMSError) as info:
        calls[operation]()
    assert info.value.code == "InvalidKeyUsageException"
    assert info.value.message == f"Algorithm {algorithm} is incompatible with key spec {key_spec}."
