"""The KMS wire protocol (awsJson1_1), both ways: bytes in, :class:`Request`; result, bytes out.

A request is ``POST /`` with ``X-Amz-Target: TrentService.<Operation>`` and a JSON
body (kms-facts §5.1). The Region comes from the SigV4 credential scope of the
``Authorization`` header, else from the host (``kms.<region>.amazonaws.com``);
the access key id from the same header picks the caller. Responses are JSON
with an ``x-amzn-RequestId`` header; errors are ``{"__type": code, "message":
text}`` with the status from the error catalogue (kms-facts §5.2-5.3). No
botocore here: the interceptor and the HTTP server both speak through this module.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Mapping
from sys import intern
from typing import Any

from pytest_fakekms.domain.identifiers import random_uuid
from pytest_fakekms.errors import KMSError

TARGET_PREFIX = "TrentService."
_PREFIX_LENGTH = len(TARGET_PREFIX)
CONTENT_TYPE = "application/x-amz-json-1.1"

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")
_HOST_REGION = re.compile(r"kms(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com")
#: botocore's attempt number; a longer run of digits than any retry count is not one
#: (and ``int`` refuses over 4,300 digits), so such a header counts as a first attempt.
_ATTEMPT = re.compile(r"attempt=([0-9]{1,9})(?![0-9])")


@dataclasses.dataclass(slots=True)  # not frozen: a frozen __init__ costs ~1 µs per request
class Request:
    """A decoded KMS request."""

    operation: str
    params: dict[str, Any]
    region: str | None
    access_key_id: str | None
    attempt: int


@dataclasses.dataclass(slots=True)
class WireResponse:
    """What goes back on the wire."""

    status: int
    headers: dict[str, str]
    body: bytes


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    """Header ``name`` (given in lower case): one look-up in the interceptor's lower-cased
    dict or a case-insensitive mapping, else a scan of whatever mapping a caller passed."""
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if (key if key.__class__ is str else _text(key) or "").lower() == name:
                value = candidate
                break
    return value if value.__class__ is str else _text(value)


def _text(value: object) -> str | None:
    """A header value as text: botocore's signed headers are bytes; anything else that is
    not text (a hook's int) is what ``http.client`` would send, its ``str``."""
    if value is None or isinstance(value, str):
        return value  # a str subclass is text
    if isinstance(value, (bytes, bytearray)):
        return value.decode("latin-1")
    return str(value)


def operation_of(headers: Mapping[str, Any]) -> str:
    """The operation named by ``X-Amz-Target``, or an error saying what is wrong with it."""
    target = _header(headers, "x-amz-target")
    if not target or not target.startswith(TARGET_PREFIX):
        raise _target_error(target)
    return target[_PREFIX_LENGTH:]


def _target_error(target: str | None) -> KMSError:
    if not target:
        return KMSError("UnknownOperationException", "Missing X-Amz-Target header.")
    return KMSError("UnknownOperationException", f"Unknown target: {target}")


def decode(url: str, headers: Mapping[str, Any], body: bytes | str | None) -> Request:
    """Decode one HTTP request into a :class:`Request` (SerializationException on bad JSON)."""
    target = headers.get("x-amz-target") if headers.__class__ is dict else None
    if target is not None:  # the interceptor's dict: lower-case names, often bytes values
        # Read in line rather than through _header: each Python call on the request path
        # costs about twice its tight-loop price between botocore's steps (the CPU caches).
        authorization = headers.get("authorization") or _header(headers, "authorization")
        attempt_header = headers.get("amz-sdk-request") or _header(headers, "amz-sdk-request")
        # bytes as botocore signs them, decoded in line; anything else that is not text
        # (None, or a hook's int) through _text.
        if target.__class__ is bytes:
            target = target.decode("latin-1")
        elif target.__class__ is not str:
            target = _text(target)
        if authorization.__class__ is bytes:
            authorization = authorization.decode("latin-1")
        elif authorization.__class__ is not str:
            authorization = _text(authorization)
        if attempt_header.__class__ is bytes:
            attempt_header = attempt_header.decode("latin-1")
        elif attempt_header.__class__ is not str:
            attempt_header = _text(attempt_header)
    else:
        target = _header(headers, "x-amz-target")
        authorization = _header(headers, "authorization")
        attempt_header = _header(headers, "amz-sdk-request")
    if not target or not target.startswith(TARGET_PREFIX):
        raise _target_error(target)
    access_key_id = region = None
    if authorization:
        match = _CREDENTIAL.search(authorization)
        if match:
            access_key_id, region = match.groups()
    if region is None:
        match = _HOST_REGION.search(url)
        region = match.group(1) if match else None
    if attempt_header == "attempt=1":  # botocore's first attempt: spare the regex
        attempt = 1
    else:
        attempt_match = _ATTEMPT.search(attempt_header or "")
        attempt = int(attempt_match.group(1)) if attempt_match else 1
    # Interned: the call log keeps both for every request, and they repeat (118 B a call).
    operation = intern(target[_PREFIX_LENGTH:])
    if region is not None:
        region = intern(region)
    return Request(operation, _decode_body(body), region, access_key_id, attempt)


#: The C scanner behind ``json.loads``, called directly for the common case below.
_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


#: Bodies at least this long are decoded once per distinct body (:func:`_decode_remembered`).
LARGE_BODY_BYTES = 4096


#: Shorter bodies are remembered too when they carry escaped text, as a JSON document
#: inside a string does (a key policy): those are slow to scan and often sent again.
ESCAPED_BODY_BYTES = 256


def _decode_body(body: bytes | str | None) -> dict[str, Any]:
    if not body and (body is None or hasattr(body, "__len__")):  # not a falsy int
        return {}
    if isinstance(body, bytes) and (
        len(body) >= LARGE_BODY_BYTES or (len(body) >= ESCAPED_BODY_BYTES and b"\\" in body)
    ):
        return _decode_remembered(body)
    return _decode_json(body)


#: Decoded bodies remembered: (length, first and last _EDGE bytes) -> (the body, its value).
_REMEMBERED_BODIES: dict[tuple[int, bytes, bytes], tuple[bytes, dict[str, Any]]] = {}
_REMEMBERED_BODIES_LIMIT = 16
_EDGE = 64


def _decode_remembered(body: bytes) -> dict[str, Any]:
    """:func:`_decode_json`, remembered for the last few large or escaped bodies.

    A test that puts the same 30 KB key policy again sends the same bytes again. They are
    looked up by their length and edges, then compared in full (a ``memcmp``, about 1 µs
    for 30 KB): hashing the whole body, as a cache keyed by it would, costs ~8 µs, since
    botocore builds a new ``bytes`` object for every request. Bodies that share a key but
    differ replace one another. A full table is emptied (atomic, so threads of the HTTP
    server can share it; a race costs a miss, never a wrong value).

    The decoded value is shared between the requests that sent it, which is safe because
    nothing changes it: validation builds its own decoded copy and the call log freezes a
    copy of that. The parsed policy's own cache (``policy.document``) and the model's
    pattern check (``validation``) then find the very same text object, with its hash
    already computed. Bodies that fail to decode raise, and are not remembered.
    """
    key = (len(body), body[:_EDGE], body[-_EDGE:])
    seen = _REMEMBERED_BODIES.get(key)
    if seen is not None and seen[0] == body:
        return seen[1]
    value = _decode_json(body)
    if len(_REMEMBERED_BODIES) >= _REMEMBERED_BODIES_LIMIT:
        _REMEMBERED_BODIES.clear()
    _REMEMBERED_BODIES[key] = (body, value)
    return value


def _bytes_of(body: object) -> bytes:
    """The bytes of a body that is neither ``bytes`` nor ``str`` (ValueError if none)."""
    read = getattr(body, "read", None)
    if callable(read):
        body = read()
        if isinstance(body, str):
            return body.encode()
    try:
        return bytes(memoryview(body))  # type: ignore[arg-type]  # checked here
    except TypeError:
        raise ValueError(f"not a request body: {type(body).__name__}") from None


def _decode_json(body: bytes | str) -> dict[str, Any]:
    # Fast path for what SDKs send, a UTF-8 object with nothing around it: ``json.loads``
    # on bytes first sniffs the encoding and then checks for surrounding whitespace in
    # Python (about 2 µs a request). Anything else, or any doubt, takes ``json.loads``.
    if isinstance(body, bytes) and body[:1] == b"{":
        try:
            text = body.decode()
            value, end = _scan_once(text, 0)
        except (ValueError, StopIteration, RecursionError):
            pass
        else:
            if end == len(text):
                return value  # type: ignore[no-any-return]  # an object: it began with "{"
    try:
        if not isinstance(body, (bytes, str)):  # a bytearray, memoryview, file: its bytes
            body = _bytes_of(body)
        params = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise KMSError(
            "SerializationException", "Unable to parse the request body as JSON."
        ) from None
    if not isinstance(params, dict):
        from pytest_fakekms.validation import body_not_object_error

        raise body_not_object_error(params)
    return params


def _headers(length: int) -> dict[str, str]:
    """Response headers; the request id is a random UUID, as AWS's are (kms-facts §5.2)."""
    return {
        "x-amzn-RequestId": random_uuid(),
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(length),
    }


def to_wire(value: Any) -> Any:
    """``value`` with blobs as base64 and timestamps as epoch seconds, as JSON carries them."""
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    if isinstance(value, (bytes, dt.datetime)):
        return _wire_value(value)
    return value


def _wire_value(value: Any) -> Any:
    """JSON for the values operations return that JSON lacks: blobs and timestamps."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        return value.timestamp()
    raise TypeError(f"cannot put {type(value).__name__} on the wire")


def _result_encoder() -> Callable[[Mapping[str, Any]], str]:
    """Compact JSON with :func:`_wire_value` for blobs and timestamps, built once.

    ``JSONEncoder.encode`` builds a new C encoder (and a dict of ids for the circular
    check) at every call; results are fresh trees without cycles, so one C encoder made
    here serves every response. Without the C accelerator, the Python encoder does.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return json.JSONEncoder(separators=(",", ":"), default=_wire_value).encode
    chunks = make(
        None, _wire_value, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True
    )
    return lambda result: "".join(chunks(result, 0))


_encode_result_json = _result_encoder()


def encode_result(result: Mapping[str, Any]) -> WireResponse:
    """A successful response: HTTP 200 and the output members as JSON (``{}`` when none).

    Blobs (bytes) go as base64 and timestamps (datetime) as epoch seconds (kms-facts §5.1).
    """
    return success(result_body(result))


def result_body(result: Mapping[str, Any]) -> bytes:
    """The JSON body of a successful response (see :func:`encode_result`)."""
    if not result:  # PutKeyPolicy, TagResource, ...: most changes answer nothing
        return b"{}"
    for value in result.values():
        if value.__class__ is bytes:
            return _encode_with_blobs(result)
    return _encode_result_json(result).encode()


def success(body: bytes) -> WireResponse:
    """HTTP 200 with ``body``, a :func:`result_body`."""
    return WireResponse(200, _headers(len(body)), body)


_b2a_base64 = binascii.b2a_base64


def _encode_with_blobs(result: Mapping[str, Any]) -> bytes:
    """:func:`_encode_result_json` for a result with top-level blobs (CiphertextBlob,
    Plaintext, Signature...): their base64 goes into the body as it is, first.

    Base64 text needs no JSON escaping (``A-Z a-z 0-9 + / =``), yet the C encoder would
    check it character by character, about 2 µs for a 1 KiB blob, and copy it twice more
    (to ``str``, back to ``bytes``). Member order in a JSON object carries no meaning.
    """
    parts = [b"{"]
    rest = {}
    for name, value in result.items():
        if value.__class__ is bytes:
            parts += (_member_name(name), _b2a_base64(value, newline=False), b'",')
        else:
            rest[name] = value
    if rest:
        parts.append(_encode_result_json(rest).encode()[1:])  # its "{" is ours
    else:
        parts[-1] = b'"}'
    return b"".join(parts)


@functools.lru_cache(maxsize=64)
def _member_name(name: str) -> bytes:
    """``"name":"`` as JSON bytes: the start of a blob member."""
    return (json.encoder.encode_basestring_ascii(name) + ':"').encode()


def encode_error(error: KMSError) -> WireResponse:
    """An error response: ``{"__type": code, "message": text}`` with the catalogue's status."""
    payload: dict[str, str] = {"__type": error.code}
    if error.message is not None:
        payload["message"] = error.message
    body = json.dumps(payload, separators=(",", ":")).encode()
    return WireResponse(error.status, _headers(len(body)), body)
