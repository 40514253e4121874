"""ECDSA nonces made ahead of time (crypto/ecdsa_pool.py): every entry right, every
signature valid, no nonce used twice in a process.

What a test suite can see of the pool is only what AWS promises of an ECDSA Sign: a
DER-encoded ECDSA signature that verifies under the key's public key (GetPublicKey),
for RAW messages and for DIGEST messages of the algorithm's length (Sign docs). And
a new signature every call, as ECDSA with a fresh random nonce per signature (FIPS
186-5 §6.4) gives, and as the fake gave before the pool (cryptography signs that
way). Whether AWS's own ECDSA signatures are randomized is not on record (neither
kms-facts nor the recordings say); the pool keeps the fake's earlier behaviour. The
boto3 tests below check those; the others check the pool's data and its bookkeeping.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
from typing import Any

import pytest
from conftest import in_forked_child, kms_client
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms import FakeKMS
from pytest_fakekms.crypto import ecdsa_pool
from pytest_fakekms.crypto.private_keys import EC_CURVES
from pytest_fakekms.persistence import dump_state, load_state

ALGORITHMS = {
    "ECC_NIST_P256": ("ECDSA_SHA_256", hashes.SHA256(), hashlib.sha256),
    "ECC_NIST_P384": ("ECDSA_SHA_384", hashes.SHA384(), hashlib.sha384),
    "ECC_NIST_P521": ("ECDSA_SHA_512", hashes.SHA512(), hashlib.sha512),
    "ECC_SECG_P256K1": ("ECDSA_SHA_256", hashes.SHA256(), hashlib.sha256),
}
SPECS = sorted(ALGORITHMS)


def _pool_r(key_spec: str) -> set[int]:
    entries, width, count = ecdsa_pool._pool()[key_spec]
    return {int.from_bytes(entries[i * width : (i + 1) * width], "big") for i in range(count)}


def _signing_key(kms: Any, key_spec: str) -> tuple[str, ec.EllipticCurvePublicKey]:
    key_id = kms.create_key(KeySpec=key_spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    public = load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    assert isinstance(public, ec.EllipticCurvePublicKey)
    return key_id, public


def _sign(kms: Any, key_id: str, key_spec: str, message: bytes, **extra: Any) -> bytes:
    algorithm = ALGORITHMS[key_spec][0]
    response = kms.sign(KeyId=key_id, Message=message, SigningAlgorithm=algorithm, **extra)
    return bytes(response["Signature"])


# --- the pool's data ---------------------------------------------------------------------


@pytest.mark.parametrize("key_spec", SPECS)
def test_each_order_is_its_curves_order(key_spec: str) -> None:
    """cryptography takes any private scalar in [1, n - 1] and refuses n itself, which pins
    each constant to its curve's order."""
    n = ecdsa_pool.CURVE_ORDERS[key_spec]
    ec.derive_private_key(n - 1, EC_CURVES[key_spec])
    with pytest.raises(ValueError, match="Invalid EC key"):
        ec.derive_private_key(n, EC_CURVES[key_spec])


def test_every_entry_is_the_x_of_its_nonces_point() -> None:
    """r = x(k·G) mod n, k the inverse of the derived k⁻¹, for all 5,632 entries (about
    1.5 s), with k·G from cryptography; and no r twice."""
    pool = ecdsa_pool._pool()
    assert [(spec, pool[spec][2]) for spec, _ in ecdsa_pool.POOL_LAYOUT] == list(
        ecdsa_pool.POOL_LAYOUT
    )
    for key_spec, count in ecdsa_pool.POOL_LAYOUT:
        n = ecdsa_pool.CURVE_ORDERS[key_spec]
        entries, width, _ = pool[key_spec]
        for index in range(count):
            k = pow(ecdsa_pool._inverse_nonce(key_spec, index), -1, n)
            point = ec.derive_private_key(k, EC_CURVES[key_spec]).public_key()
            r = int.from_bytes(entries[index * width : (index + 1) * width], "big")
            assert r == point.public_numbers().x % n != 0, (key_spec, index)
        assert len(_pool_r(key_spec)) == count


def test_a_truncated_pool_file_is_refused() -> None:
    files = importlib.resources.files("pytest_fakekms.crypto")
    data = files.joinpath(ecdsa_pool.POOL_FILE).read_bytes()
    with pytest.raises(ValueError, match="layout"):
        ecdsa_pool.parse_pool(data[:-1])


# --- signatures, through boto3 -----------------------------------------------------------


@pytest.mark.parametrize("key_spec", SPECS)
def test_signatures_verify_and_come_from_the_pool(kms: Any, key_spec: str) -> None:
    """RAW and DIGEST, each verified by cryptography under GetPublicKey's key and by the
    fake's Verify; r is a pool entry, so the pool made them."""
    _, hash_algorithm, hashlib_hash = ALGORITHMS[key_spec]
    key_id, public = _signing_key(kms, key_spec)
    message = os.urandom(1024)
    raw = _sign(kms, key_id, key_spec, message)
    public.verify(raw, message, ec.ECDSA(hash_algorithm))
    digest = hashlib_hash(message).digest()
    prehashed = _sign(kms, key_id, key_spec, digest, MessageType="DIGEST")
    public.verify(prehashed, digest, ec.ECDSA(Prehashed(hash_algorithm)))
    public.verify(prehashed, message, ec.ECDSA(hash_algorithm))
    for signature in (raw, prehashed):
        assert decode_dss_signature(signature)[0] in _pool_r(key_spec)
        verified = kms.verify(
            KeyId=key_id,
            Message=message,
            SigningAlgorithm=ALGORITHMS[key_spec][0],
            Signature=signature,
        )
        assert verified["SignatureValid"] is True


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key_spec=st.sampled_from(SPECS),
    message=st.binary(min_size=1, max_size=4096),
    as_digest=st.booleans(),
)
def test_any_message_gives_a_valid_signature(
    kms: Any, key_spec: str, message: bytes, as_digest: bool
) -> None:
    """Messages of any length and content, and digests of any value (z of every size
    relative to n, P-521's 512-bit digests below its 521-bit order included)."""
    _, hash_algorithm, hashlib_hash = ALGORITHMS[key_spec]
    key_id, public = _signing_key(kms, key_spec)
    if as_digest:
        digest = hashlib_hash(message).digest()
        signature = _sign(kms, key_id, key_spec, digest, MessageType="DIGEST")
        public.verify(signature, digest, ec.ECDSA(Prehashed(hash_algorithm)))
    else:
        signature = _sign(kms, key_id, key_spec, message)
        public.verify(signature, message, ec.ECDSA(hash_algorithm))


def test_no_nonce_is_used_twice(kms: Any) -> None:
    """The same message, signed 200 times by one key and 200 times by another: 400
    different r values, so 400 different nonces (a nonce used twice with one key would
    give its private key away, and make two signatures of one message equal)."""
    message = b"the same message"
    r_values = set()
    for _ in range(2):
        key_id, public = _signing_key(kms, "ECC_NIST_P256")
        for _ in range(200):
            signature = _sign(kms, key_id, "ECC_NIST_P256", message)
            public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            r_values.add(decode_dss_signature(signature)[0])
    assert len(r_values) == 400


def test_a_used_up_pool_signs_with_cryptography(kms: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    key_id, public = _signing_key(kms, "ECC_NIST_P384")
    monkeypatch.setitem(ecdsa_pool._next, "ECC_NIST_P384", 512)
    signatures = {_sign(kms, key_id, "ECC_NIST_P384", b"m") for _ in range(3)}
    assert len(signatures) == 3
    for signature in signatures:
        public.verify(signature, b"m", ec.ECDSA(hashes.SHA384()))
        assert decode_dss_signature(signature)[0] not in _pool_r("ECC_NIST_P384")


def test_a_forked_child_does_not_sign_with_its_parents_next_nonce(kms: Any) -> None:
    """A child made by ``fork`` holds the parent's keys and the parent's place in the
    pool: signing there with the pool, it would use the very nonce the parent uses next,
    and the two signatures of one message would be equal (and give the key away). It
    signs with cryptography instead. Without the fork hook, this test fails."""
    key_id, public = _signing_key(kms, "ECC_NIST_P256")
    _sign(kms, key_id, "ECC_NIST_P256", b"before the fork")
    child_signature = in_forked_child(lambda: _sign(kms, key_id, "ECC_NIST_P256", b"m"))
    parent_signature = _sign(kms, key_id, "ECC_NIST_P256", b"m")
    public.verify(child_signature, b"m", ec.ECDSA(hashes.SHA256()))
    assert child_signature != parent_signature
    assert decode_dss_signature(child_signature)[0] not in _pool_r("ECC_NIST_P256")


def test_a_key_read_from_a_saved_state_signs_with_cryptography() -> None:
    """A saved state can be loaded by several processes (``serve --state``), each with
    the pool at the same place, so its keys sign with cryptography's random nonces."""
    kms = kms_client()
    with FakeKMS() as source:
        key_id, public = _signing_key(kms, "ECC_NIST_P256")
        made_here = _sign(kms, key_id, "ECC_NIST_P256", b"m")
        state = json.loads(json.dumps(dump_state(source)))
    with FakeKMS() as restored:
        load_state(state, restored)
        loaded = _sign(kms, key_id, "ECC_NIST_P256", b"m")
    for signature in (made_here, loaded):
        public.verify(signature, b"m", ec.ECDSA(hashes.SHA256()))
    assert decode_dss_signature(made_here)[0] in _pool_r("ECC_NIST_P256")
    assert decode_dss_signature(loaded)[0] not in _pool_r("ECC_NIST_P256")
