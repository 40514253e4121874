"""The wire protocol's fast paths give exactly what the plain library calls give.

The request path decodes bodies with the C scanner behind ``json.loads`` and encodes
results with one prebuilt C encoder (issue #8, docs/performance.md). These tests pin
that both agree with ``json.loads``/``json.dumps`` on any input, and that bodies no
JSON parser can read (bad bytes, nesting past the recursion limit) are AWS's
``SerializationException``, never a traceback.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import uuid
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fakekms import FakeKMS, protocol
from pytest_fakekms.domain.identifiers import random_uuid
from pytest_fakekms.errors import KMSError
from pytest_fakekms.recorder import Call

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_objects = st.dictionaries(st.text(max_size=8), _json_values, max_size=5)


def _reference(body: bytes) -> dict[str, Any] | str:
    """What plain ``json.loads`` makes of ``body``: the object, or the error code."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return "SerializationException"
    return value if isinstance(value, dict) else "SerializationException"


def _decoded(body: bytes) -> dict[str, Any] | str:
    try:
        return protocol._decode_body(body)
    except KMSError as error:
        return error.code


@given(_objects, st.sampled_from(["", " ", "\n", "x", "}", ",1"]))
def test_body_fast_path_agrees_with_json_loads(value: dict[str, Any], tail: str) -> None:
    body = (json.dumps(value, ensure_ascii=False) + tail).encode()
    assert _decoded(body) == _reference(body)


@given(st.binary(max_size=40))
def test_any_bytes_decode_like_json_loads_or_are_a_serialization_error(raw: bytes) -> None:
    body = b"{" + raw
    assert _decoded(body) == _reference(body)


@pytest.mark.parametrize(
    "body",
    [
        '{"KeyId": "k"}'.encode("utf-16-le"),  # starts with "{" but is not UTF-8
        b'{"KeyId": "\xed\xa0\x80"}',  # an encoded surrogate: not strict UTF-8
        b'  {"KeyId": "k"}',
        b'{"KeyId": "k"}  ',
    ],
)
def test_bodies_off_the_fast_path_still_decode_as_json_loads_does(body: bytes) -> None:
    assert _decoded(body) == _reference(body)


def test_a_body_nested_past_the_recursion_limit_is_a_serialization_exception() -> None:
    """Found while adding the fast path: ``json.loads`` raises RecursionError, not
    ValueError, so such a body used to escape as a Python traceback."""
    deep = b'{"Limit":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with FakeKMS() as fake:
        answer = fake._dispatcher.handle(
            "https://kms.us-east-1.amazonaws.com/", {"X-Amz-Target": "TrentService.ListKeys"}, deep
        )
    assert answer.status == 400
    assert json.loads(answer.body)["__type"] == "SerializationException"


@given(_objects | st.fixed_dictionaries({"Blob": st.binary(), "At": st.datetimes()}))
def test_result_encoder_matches_json_dumps(value: dict[str, Any]) -> None:
    at = value.get("At")
    if isinstance(at, dt.datetime):
        value = {**value, "At": at.replace(tzinfo=dt.timezone.utc)}
    body = protocol.encode_result(value).body
    wire = protocol.to_wire(value)
    assert json.loads(body) == wire
    # Compact, as AWS sends it; top-level blobs come first (member order means nothing).
    blobs = {k: v for k, v in wire.items() if isinstance(value[k], bytes)}
    expected = json.dumps({**blobs, **wire}, separators=(",", ":")).encode()
    assert body == expected


_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_random_ids_are_version_4_uuids_and_do_not_repeat() -> None:
    ids = [random_uuid() for _ in range(5000)]
    assert all(_UUID4.fullmatch(i) for i in ids)
    assert all(uuid.UUID(i).version == 4 for i in ids[:50])
    assert len(set(ids)) == len(ids)
    request_ids = {protocol.success(b"{}").headers["x-amzn-RequestId"] for _ in range(50)}
    assert len(request_ids) == 50
    assert all(_UUID4.fullmatch(i) for i in request_ids)
    variants = {i[19] for i in ids}  # RFC 4122 variant: 10xx, so one of 8, 9, a, b
    assert variants == set("89ab")


def test_call_fast_constructor_names_every_field(fake_kms: FakeKMS) -> None:
    """``Call._of`` (the dispatcher's constructor) must set exactly the dataclass fields."""
    boto3.client("kms", region_name="us-east-1").create_key()
    call = fake_kms.calls.last
    assert set(vars(call)) == {f.name for f in dataclasses.fields(Call)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.operation = "x"  # type: ignore[misc]


def _large_body(middle: str, *, pad: int = 6000) -> bytes:
    return json.dumps({"KeyId": "k", "Policy": "p" * pad + middle + "p" * pad}).encode()


def test_large_bodies_are_decoded_once_and_told_apart_in_full() -> None:
    """The large-body cache looks bodies up by length and edges, then compares them in
    full: two bodies with equal edges and length but a different middle decode apart."""
    protocol._REMEMBERED_BODIES.clear()
    first, twin = _large_body("A"), _large_body("B")
    assert len(first) == len(twin)
    assert first[:64] == twin[:64]
    assert first[-64:] == twin[-64:]
    decoded = protocol._decode_body(first)
    assert protocol._decode_body(bytes(first)) is decoded  # a new object, the same bytes
    assert protocol._decode_body(twin) == json.loads(twin)
    assert protocol._decode_body(first) == json.loads(first)


@given(_objects, st.text(max_size=20), st.text(max_size=20))
def test_escaped_bodies_decode_like_json_loads_the_first_time_and_again(
    value: dict[str, Any], middle: str, other: str
) -> None:
    """Bodies over 256 bytes that carry escaped text (a policy inside a string) go
    through the remembered-bodies table: the first answer, the remembered one, and
    that of a body with the same length and edges all agree with ``json.loads``."""

    def body_with(text: str) -> bytes:
        policy = '{"Sid": "' + "x" * 200 + '"}' + json.dumps(value) + text
        return json.dumps({"KeyId": "k", "Policy": policy, "PolicyName": "default"}).encode()

    body, twin = body_with(middle), body_with(other)
    assert b"\\" in body
    assert len(body) >= protocol.ESCAPED_BODY_BYTES
    for sent in (body, bytes(body), twin, body):
        assert _decoded(sent) == _reference(sent)


def test_the_large_body_cache_is_bounded() -> None:
    protocol._REMEMBERED_BODIES.clear()
    for n in range(protocol._REMEMBERED_BODIES_LIMIT * 3):
        body = _large_body(str(n), pad=3000 + n)
        assert protocol._decode_body(body) == json.loads(body)
        assert len(protocol._REMEMBERED_BODIES) <= protocol._REMEMBERED_BODIES_LIMIT


def test_a_large_body_that_fails_to_decode_is_not_remembered() -> None:
    protocol._REMEMBERED_BODIES.clear()
    bad = _large_body("x")[:-1]
    for _ in range(2):
        with pytest.raises(KMSError) as caught:
            protocol._decode_body(bad)
        assert caught.value.code == "SerializationException"
    assert not protocol._REMEMBERED_BODIES


_header_values = st.none() | st.sampled_from(
    [
        "",
        "TrentService.DescribeKey",
        "TrentService.",
        "Other.DescribeKey",
        "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/eu-west-1/kms/aws4_request, x",
        "AWS4-HMAC-SHA256 Credential=broken",
        "attempt=1",
        "attempt=3; max=5",
        "max=5",
    ]
)


def _outcome(headers: Any) -> object:
    try:
        request = protocol.decode("https://kms.us-west-2.amazonaws.com/", headers, b"{}")
    except KMSError as error:
        return (error.code, error.message)
    return dataclasses.astuple(request)


@given(
    target=_header_values, authorization=_header_values, attempt=_header_values, raw=st.booleans()
)
def test_decode_reads_the_interceptors_dict_as_any_other_mapping(
    target: str | None, authorization: str | None, attempt: str | None, raw: bool
) -> None:
    """decode reads the interceptor's plain dict (lower-case names, bytes values as
    botocore signs them) in line, and any other mapping through a case-insensitive
    look-up: both must give the same request, or the same error."""
    named = {"x-amz-target": target, "authorization": authorization, "amz-sdk-request": attempt}
    present = {name: value for name, value in named.items() if value is not None}
    lowered = {name: value.encode() if raw else value for name, value in present.items()}
    mixed_case = {name.title(): value for name, value in present.items()}
    assert _outcome(lowered) == _outcome(mixed_case)


@given(
    attempt=st.one_of(
        st.text(max_size=30).map(lambda text: "attempt=" + text),
        st.integers(min_value=0).map(lambda n: f"attempt={n}; max=3"),
        st.integers(5000, 6000).map(lambda n: "attempt=" + "9" * n),
    )
)
def test_any_attempt_header_decodes(attempt: str) -> None:
    """``amz-sdk-request`` is the client's to write: whatever it holds, decode gives an
    attempt number (found by fuzzing on 2026-11-27: 5,000 digits raised ValueError from
    int(), a 500 over HTTP). Up to nine ASCII digits are a number; anything else counts
    as a first attempt."""
    headers = {"x-amz-target": "TrentService.ListKeys", "amz-sdk-request": attempt}
    request = protocol.decode("https://kms.us-east-1.amazonaws.com/", headers, b"{}")
    digits = re.match(r"attempt=([0-9]+)", attempt)
    if digits and len(digits.group(1)) <= 9:
        assert request.attempt == int(digits.group(1))
    else:
        assert request.attempt == 1


def test_a_huge_attempt_number_is_answered_and_recorded(fake_kms: FakeKMS) -> None:
    headers = {
        "x-amz-target": "TrentService.ListKeys",
        "authorization": (
            "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/kms/aws4_request"
        ),
        "amz-sdk-request": "attempt=" + "9" * 5000,
    }
    answer = fake_kms._dispatcher.handle("https://kms.us-east-1.amazonaws.com/", headers, b"{}")
    assert answer.status == 200
    assert fake_kms.calls[-1].attempt == 1


_odd_values = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.binary(max_size=12),
    st.binary(max_size=12).map(bytearray),
    _header_values,
)
_bodies = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=12),
    st.binary(max_size=12),
    st.sampled_from([b"{}", b'{"Limit": 5}', b"[]", b'{"Limit": "x"}']),
)
_wrappers = st.sampled_from(
    [bytes, bytearray, memoryview, io.BytesIO, lambda b: b.decode("latin-1")]
)


@given(
    headers=st.dictionaries(
        st.sampled_from(["x-amz-target", "authorization", "amz-sdk-request", 7]),
        _odd_values,
        max_size=4,
    ),
    target=st.sampled_from(["TrentService.ListKeys", "TrentService.DescribeKey", None]),
    title_case=st.booleans(),
    body=st.sampled_from([b"{}", b'{"Limit": 5}', b"[]", b'{"KeyId": 3}', b"{", b"\xff"]),
    wrap=_wrappers,
)
def test_headers_and_bodies_of_any_type_get_an_answer(
    headers: dict[Any, Any], target: str | None, title_case: bool, body: bytes, wrap: Any
) -> None:
    """What reaches the dispatcher is botocore's request, which a user's event hook can
    change: header values that are not text (an int, bytes, a bytearray) read as the text
    ``http.client`` would send, and a bytearray, memoryview or file body as its bytes.
    Whatever they are, the answer is the one the plain bytes and text get, never a
    traceback, and no key is made (until 2026-11-27 an int header value raised
    AttributeError or TypeError out of ``Dispatcher.handle``, a memoryview body
    TypeError)."""
    if target is not None:
        headers["x-amz-target"] = target
    if title_case:  # read by a scan of the names, not in line
        headers = {k.title() if isinstance(k, str) else k: v for k, v in headers.items()}
    plain = {str(name): _plain_text(value) for name, value in headers.items()}
    plain = {name: value for name, value in plain.items() if value is not None}
    fake = FakeKMS()
    url = "https://kms.us-east-1.amazonaws.com/"
    answer = fake._dispatcher.handle(url, headers, wrap(body))
    expected = fake._dispatcher.handle(url, plain, body)
    assert (answer.status, answer.body) == (expected.status, expected.body)
    assert fake.keys() == []


def _plain_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("latin-1")
    return str(value)


@given(body=_bodies)
def test_a_body_of_any_type_is_answered(body: Any) -> None:
    """A body that is no bytes at all (an int) is a SerializationException like any
    other unreadable body; a str is read as JSON text."""
    headers = {"x-amz-target": "TrentService.ListKeys"}
    answer = FakeKMS()._dispatcher.handle("https://kms.us-east-1.amazonaws.com/", headers, body)
    assert answer.status in (200, 400)
    if isinstance(body, int):
        assert json.loads(answer.body)["__type"] == "SerializationException"
