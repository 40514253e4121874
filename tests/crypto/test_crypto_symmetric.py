"""SYMMETRIC_DEFAULT ciphertext blobs: round trips, context binding, tampering, garbage."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fakekms.crypto import material, symmetric
from pytest_fakekms.errors import KMSError

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
MRK_ID = "mrk-1234abcd12ab34cd56ef1234567890ab"
KEY = material.new_material("SYMMETRIC_DEFAULT")
contexts = st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4)


def _assert_invalid_ciphertext(info: pytest.ExceptionInfo[KMSError]) -> None:
    # AWS sends no message member at all (kms-facts §5.3, snapshot
    # test_encrypt_decrypt_encryption_context).
    assert (info.value.code, info.value.message, info.value.status) == (
        "InvalidCiphertextException",
        None,
        400,
    )


@pytest.mark.parametrize("key_id", [KEY_ID, MRK_ID, KEY_ID.upper()])
@pytest.mark.parametrize("plaintext", [b"", b"x", b"secret data" * 10, bytes(range(256)) * 16])
def test_round_trip(key_id: str, plaintext: bytes) -> None:
    blob = symmetric.encrypt(key_id, KEY, plaintext, {"purpose": "test"})
    assert symmetric.parse_blob(blob) == symmetric.BlobHeader(key_id, KEY.version)
    assert symmetric.decrypt(KEY, blob, {"purpose": "test"}) == plaintext


def test_blob_layout_matches_the_documented_format() -> None:
    versioned = material.material_from_bytes("SYMMETRIC_DEFAULT", b"\x01" * 32, version=258)
    blob = symmetric.encrypt(KEY_ID, versioned, b"hello")
    assert blob[0] == 0x01
    assert blob[1] == 36
    assert blob[2:38] == KEY_ID.encode()
    assert struct.unpack(">I", blob[38:42]) == (258,)
    assert len(blob) == 42 + 12 + len(b"hello") + 16


def test_largest_plaintext_fits_the_ciphertext_limit() -> None:
    # Decrypt's CiphertextBlob is at most 6144 bytes (botocore model); Encrypt's
    # Plaintext at most 4096.
    assert len(symmetric.encrypt(MRK_ID, KEY, b"\x00" * 4096)) <= 6144


def test_fresh_nonce_each_time() -> None:
    assert symmetric.encrypt(KEY_ID, KEY, b"same") != symmetric.encrypt(KEY_ID, KEY, b"same")


@pytest.mark.parametrize("context", [None, {}])
def test_no_context_equals_empty_context(context: dict[str, str] | None) -> None:
    blob = symmetric.encrypt(KEY_ID, KEY, b"data", None)
    assert symmetric.decrypt(KEY, blob, context) == b"data"


def test_context_pair_order_does_not_matter() -> None:
    blob = symmetric.encrypt(KEY_ID, KEY, b"data", {"a": "1", "b": "2"})
    assert symmetric.decrypt(KEY, blob, {"b": "2", "a": "1"}) == b"data"


@pytest.mark.parametrize(
    ("used", "given"),
    [
        ({"ab": "c"}, {"a": "bc"}),
        ({"a": "bc"}, {"ab": "c"}),
        ({"k": "v"}, None),
        (None, {"k": "v"}),
        ({"k": "v"}, {"k": "V"}),
        ({"k": "v"}, {"K": "v"}),
        ({"a": "", "": "a"}, {"": "", "a": "a"}),
        ({"a": "1", "b": "2"}, {"a": "1"}),
    ],
)
def test_wrong_context_is_invalid_ciphertext(
    used: dict[str, str] | None, given: dict[str, str] | None
) -> None:
    blob = symmetric.encrypt(KEY_ID, KEY, b"data", used)
    with pytest.raises(KMSError) as info:
        symmetric.decrypt(KEY, blob, given)
    _assert_invalid_ciphertext(info)


def test_context_encoding_is_injective_on_the_classic_collision() -> None:
    assert symmetric.encode_context({"ab": "c"}) != symmetric.encode_context({"a": "bc"})


@settings(max_examples=300)
@given(contexts, contexts)
def test_context_encoding_is_injective(first: dict[str, str], second: dict[str, str]) -> None:
    same_encoding = symmetric.encode_context(first) == symmetric.encode_context(second)
    assert same_encoding == (first == second)


def test_lone_surrogates_in_context_still_work() -> None:
    blob = symmetric.encrypt(KEY_ID, KEY, b"data", {"k": "\ud800"})
    assert symmetric.decrypt(KEY, blob, {"k": "\ud800"}) == b"data"
    with pytest.raises(KMSError):
        symmetric.decrypt(KEY, blob, {"k": "\ud801"})


def test_every_tampered_byte_is_detected() -> None:
    blob = symmetric.encrypt(KEY_ID, KEY, b"secret", {"k": "v"})
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(KMSError) as info:
            symmetric.decrypt(KEY, bytes(tampered), {"k": "v"})
        _assert_invalid_ciphertext(info)


def test_truncated_or_extended_blob_is_invalid() -> None:
    blob = symmetric.encrypt(KEY_ID, KEY, b"secret")
    for broken in (blob[:-1], blob + b"\x00", blob[:20], b""):
        with pytest.raises(KMSError) as info:
            symmetric.decrypt(KEY, broken)
        _assert_invalid_ciphertext(info)


def test_other_material_cannot_decrypt() -> None:
    blob = symmetric.encrypt(KEY_ID, KEY, b"secret")
    other = material.new_material("SYMMETRIC_DEFAULT")
    with pytest.raises(KMSError) as info:
        symmetric.decrypt(other, blob)
    _assert_invalid_ciphertext(info)


def test_material_version_must_match_the_blob() -> None:
    rotated = material.material_from_bytes("SYMMETRIC_DEFAULT", KEY.secret, version=2)
    blob = symmetric.encrypt(KEY_ID, KEY, b"secret")
    with pytest.raises(KMSError) as info:
        symmetric.decrypt(rotated, blob)
    _assert_invalid_ciphertext(info)


def test_rotation_keeps_old_blobs_readable() -> None:
    versions = [material.new_material("SYMMETRIC_DEFAULT", version=v) for v in (1, 2, 3)]
    blobs = [symmetric.encrypt(KEY_ID, m, f"v{m.version}".encode()) for m in versions]
    for blob in blobs:
        header = symmetric.parse_blob(blob)
        chosen = versions[header.material_version - 1]
        assert symmetric.decrypt(chosen, blob) == f"v{header.material_version}".encode()


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\x01",
        b"\x02" + bytes(100),
        b"\x01\x00" + bytes(100),  # empty key id
        b"\x01\xff" + bytes(100),  # key id runs past the end
        b"\x01\x24" + b"not-a-key-id-but-36-characters-long" + bytes(40),
        b"\x01\x24" + "é".encode() * 18 + bytes(40),  # not ASCII
        b"\x01\x24" + KEY_ID.encode() + bytes(4 + 12 + 15),  # one byte short of a tag
    ],
)
def test_parse_blob_rejects_malformed_blobs(garbage: bytes) -> None:
    with pytest.raises(KMSError) as info:
        symmetric.parse_blob(garbage)
    _assert_invalid_ciphertext(info)


@settings(max_examples=500)
@given(st.binary(max_size=200))
def test_parse_blob_on_arbitrary_bytes_only_raises_invalid_ciphertext(garbage: bytes) -> None:
    try:
        outcome: object = symmetric.parse_blob(garbage)
    except KMSError as error:
        outcome = (error.code, error.message)
    assert isinstance(outcome, symmetric.BlobHeader) or outcome == (
        "InvalidCiphertextException",
        None,
    )


_plausible_blobs = st.builds(
    lambda version, body: bytes([1, 36]) + KEY_ID.encode() + struct.pack(">I", version) + body,
    st.integers(0, 2**32 - 1),
    st.binary(max_size=100),
)


@settings(max_examples=300)
@given(st.one_of(st.binary(max_size=200), _plausible_blobs), contexts)
def test_decrypt_on_arbitrary_bytes_only_raises_invalid_ciphertext(
    garbage: bytes, context: dict[str, str]
) -> None:
    with pytest.raises(KMSError) as info:
        symmetric.decrypt(KEY, garbage, context)
    _assert_invalid_ciphertext(info)


def test_bad_key_id_or_material_is_a_caller_mistake() -> None:
    with pytest.raises(ValueError, match="bare key id"):
        symmetric.encrypt("arn:aws:kms:us-east-1:111122223333:key/" + KEY_ID, KEY, b"x")
    hmac_key = material.new_material("HMAC_256")
    with pytest.raises(ValueError, match="needs SYMMETRIC_DEFAULT material"):
        symmetric.encrypt(KEY_ID, hmac_key, b"x")
    with pytest.raises(ValueError, match="needs SYMMETRIC_DEFAULT material"):
        symmetric.decrypt(hmac_key, b"anything")


def test_material_version_must_fit_in_a_u32() -> None:
    too_big = material.material_from_bytes("SYMMETRIC_DEFAULT", KEY.secret, version=2**32)
    with pytest.raises(ValueError, match="does not fit in a u32"):
        symmetric.encrypt(KEY_ID, too_big, b"x")
