"""The HTTP front door (issue #7): raw HTTP edge cases, botocore over HTTP, byte-identical
answers in-process and over HTTP, the server fixtures, subprocesses and many threads."""

from __future__ import annotations

import contextlib
import gc
import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from conftest import CALLER, SCENARIO_OPERATIONS, allow, policy

from pytest_fakekms import FakeKMS
from pytest_fakekms.server import MAX_REQUEST_BYTES, FakeKMSServer, is_loopback

JSON_TYPE = "application/x-amz-json-1.1"


# --- helpers -------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[FakeKMS]:
    """A fake served over HTTP on loopback, with no in-process hook."""
    fake = FakeKMS()
    fake.serve()
    try:
        yield fake
    finally:
        fake.stop()


def connect(fake: FakeKMS) -> http.client.HTTPConnection:
    parts = urlsplit(fake.endpoint_url)
    assert parts.hostname == "127.0.0.1"
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def target(operation: str) -> dict[str, str]:
    return {"X-Amz-Target": f"TrentService.{operation}", "Content-Type": JSON_TYPE}


def exchange(
    conn: http.client.HTTPConnection,
    method: str = "POST",
    body: bytes | str | None = b"{}",
    headers: dict[str, str] | None = None,
    path: str = "/",
) -> tuple[http.client.HTTPResponse, bytes]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def post(conn: http.client.HTTPConnection, operation: str, **params: Any) -> Any:
    response, body = exchange(conn, body=json.dumps(params), headers=target(operation))
    return response.status, json.loads(body)


def kms_error(response: http.client.HTTPResponse, body: bytes) -> tuple[int, str, str | None]:
    """(status, __type, message) of a KMS-style JSON error, checking its shape."""
    assert response.getheader("Content-Type") == JSON_TYPE
    assert int(response.getheader("Content-Length") or -1) == len(body)
    uuid.UUID(response.getheader("x-amzn-RequestId") or "")
    document = json.loads(body)
    assert set(document) <= {"__type", "message"}
    return response.status, document["__type"], document.get("message")


def raw(fake: FakeKMS, data: bytes) -> bytes:
    """Send raw bytes, return everything the server answers until it closes."""
    parts = urlsplit(fake.endpoint_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # the client has said all it will say
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parse_raw(answer: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    assert int(headers["Content-Length"]) == len(body)
    return int(status_line.split()[1]), headers, json.loads(body)


def http_client(fake: FakeKMS, **kwargs: Any) -> Any:
    return boto3.client(
        "kms",
        region_name=kwargs.pop("region_name", "us-east-1"),
        endpoint_url=fake.endpoint_url,
        aws_access_key_id=kwargs.pop("aws_access_key_id", "AKIAHTTPTESTING00000"),
        aws_secret_access_key="secret",
        config=kwargs.pop("config", Config(retries={"total_max_attempts": 1, "mode": "standard"})),
        **kwargs,
    )


# --- malformed and unusual requests ----------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "BREW"])
def test_methods_other_than_post_get_a_kms_style_405(served: FakeKMS, method: str) -> None:
    response, body = exchange(connect(served), method, body=None)
    status, code, message = kms_error(response, body)
    assert (status, code) == (405, "UnknownOperationException")
    assert method in (message or "")
    assert response.getheader("Allow") == "POST, OPTIONS"
    assert len(served.calls) == 0


def test_head_gets_the_error_headers_without_a_body(served: FakeKMS) -> None:
    response, body = exchange(connect(served), "HEAD", body=None)
    assert response.status == 405
    assert body == b""


def test_missing_target_is_answered_and_recorded(served: FakeKMS) -> None:
    response, body = exchange(connect(served), headers={"Content-Type": JSON_TYPE})
    assert kms_error(response, body) == (
        400,
        "UnknownOperationException",
        "Missing X-Amz-Target header.",
    )
    call = served.calls.one()
    assert (call.operation, call.transport, call.http_status) == ("<unknown>", "http", 400)


@pytest.mark.parametrize("value", ["TrentService.NoSuchOperation", "DynamoDB_20120810.ListTables"])
def test_unknown_target(served: FakeKMS, value: str) -> None:
    response, body = exchange(connect(served), headers={"X-Amz-Target": value})
    status, code, _ = kms_error(response, body)
    assert (status, code) == (400, "UnknownOperationException")
    assert served.calls.last.transport == "http"


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b'{"KeyId": '])
def test_body_that_is_not_json(served: FakeKMS, body: bytes) -> None:
    response, answer = exchange(connect(served), body=body, headers=target("DescribeKey"))
    assert kms_error(response, answer) == (
        400,
        "SerializationException",
        "Unable to parse the request body as JSON.",
    )
    assert served.calls.one("DescribeKey").error == "SerializationException"


def test_json_that_is_not_an_object(served: FakeKMS) -> None:
    response, answer = exchange(connect(served), body=b"[1]", headers=target("ListKeys"))
    assert kms_error(response, answer)[:2] == (400, "SerializationException")


def test_empty_body_is_an_empty_request(served: FakeKMS) -> None:
    response, answer = exchange(connect(served), body=b"", headers=target("ListKeys"))
    assert response.status == 200
    assert json.loads(answer)["Keys"] == []


def test_oversized_body_is_413_and_the_server_keeps_serving(served: FakeKMS) -> None:
    conn = connect(served)
    body = b'{"Policy": "' + b"x" * MAX_REQUEST_BYTES + b'"}'
    response, answer = exchange(conn, body=body, headers=target("PutKeyPolicy"))
    status, code, message = kms_error(response, answer)
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert str(MAX_REQUEST_BYTES) in (message or "")
    assert response.getheader("Connection") == "close"
    assert len(served.calls) == 0
    assert post(connect(served), "ListKeys")[0] == 200


def test_oversized_body_with_expect_100_continue_is_refused_before_it_is_sent(
    served: FakeKMS,
) -> None:
    head = (
        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.ListKeys\r\n"
        f"Content-Length: {MAX_REQUEST_BYTES * 100}\r\nExpect: 100-continue\r\n\r\n"
    )
    status, headers, document = parse_raw(raw(served, head.encode()))
    assert (status, document["__type"]) == (413, "RequestEntityTooLargeException")
    assert headers["Connection"] == "close"


def test_a_request_just_under_the_limit_is_answered(served: FakeKMS) -> None:
    padding = MAX_REQUEST_BYTES - 100
    body = json.dumps({"Limit": 5, "Pad": "x" * padding}).encode()
    response, answer = exchange(connect(served), body=body, headers=target("ListKeys"))
    assert response.status == 200, answer


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"garbage\r\n\r\n", 400),
        (b"POST / HTTP/x.y\r\n\r\n", 400),
        (b"POST / HTTP/2.0\r\n\r\n", 505),
        (b"POST / HTTP/1.1 extra words\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", 400),
        (b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
        # Found by fuzzing on 2026-11-27: each of these dropped the connection (and a
        # chunk size of -1 read to the end of the stream, past the size limit).
        (b"POST / HTTP/1.1\r\nContent-Length: \xb2\r\n\r\n{}", 400),
        *(
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n%s\r\n{}\r\n0\r\n\r\n"
                % size,
                400,
            )
            for size in (b"-1", b"-2", b"+2", b"0x2", b"0_2", b"1" * 40)
        ),
    ],
    ids=[
        "no-version",
        "bad-version",
        "http2",
        "too-many-words",
        "content-length-not-a-number",
        "content-length-negative",
        "content-length-conflict",
        "header-too-long",
        "unknown-transfer-encoding",
        "bad-chunk-size",
        "chunk-without-crlf",
        "uri-too-long",
        "content-length-superscript-digit",
        *(f"chunk-size-{name}" for name in ("-1", "-2", "plus", "0x", "underscore", "40-digits")),
    ],
)
def test_malformed_http_gets_a_kms_style_error(
    served: FakeKMS, request_bytes: bytes, status: int
) -> None:
    answer = raw(served, request_bytes)
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    got_status, headers, document = parse_raw(answer)
    assert got_status == status
    assert document["__type"] == "BadRequestException"
    assert document["message"]
    assert headers["Connection"] == "close"
    assert headers["Content-Type"] == JSON_TYPE
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_a_content_length_of_thousands_of_digits_is_too_large(served: FakeKMS) -> None:
    """Found by fuzzing on 2026-11-27: int() refuses over 4,300 digits, and the server
    dropped the connection. It is a length like any other, over the limit."""
    answer = raw(served, b"POST / HTTP/1.1\r\nContent-Length: " + b"1" * 5000 + b"\r\n\r\n{}")
    status, headers, document = parse_raw(answer)
    assert (status, document["__type"]) == (413, "RequestEntityTooLargeException")
    assert headers["Connection"] == "close"


def test_chunked_bodies_are_accepted(served: FakeKMS) -> None:
    body = b'{"Description": "chunked"}'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (body[:7], body[7:])) + b"0\r\n\r\n"
    head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    answer = raw(served, head + b"X-Amz-Target: TrentService.CreateKey\r\n\r\n" + chunks)
    status, _, document = parse_raw(answer)
    assert status == 200
    assert document["KeyMetadata"]["Description"] == "chunked"


def test_client_hanging_up_mid_body_does_not_break_the_server(served: FakeKMS) -> None:
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
    assert raw(served, head) == b""  # the client hung up mid-body: nobody to answer
    assert post(connect(served), "ListKeys")[0] == 200


def test_an_internal_error_is_a_500_and_the_server_keeps_serving(
    served: FakeKMS, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(served._dispatcher, "handle", broken)
    conn = connect(served)
    response, body = exchange(conn, headers=target("ListKeys"))
    status, code, message = kms_error(response, body)
    assert (status, code) == (500, "KMSInternalException")
    assert "ZeroDivisionError: boom" in (message or "")
    monkeypatch.undo()
    assert post(conn, "ListKeys")[0] == 200  # same keep-alive connection


def test_cors_preflight_and_headers(served: FakeKMS) -> None:
    conn = connect(served)
    response, body = exchange(
        conn,
        "OPTIONS",
        body=None,
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-amz-target, x-custom-thing",
        },
    )
    assert (response.status, body) == (200, b"")
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert "POST" in (response.getheader("Access-Control-Allow-Methods") or "")
    allowed = {
        h.strip() for h in (response.getheader("Access-Control-Allow-Headers") or "").split(",")
    }
    assert allowed >= {
        "authorization",
        "x-amz-target",
        "x-amz-date",
        "x-amz-content-sha256",
        "x-amz-user-agent",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "content-type",
        "x-custom-thing",
    }
    response, _ = exchange(conn, headers=target("ListKeys"))
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert "x-amzn-RequestId" in (response.getheader("Access-Control-Expose-Headers") or "")


def test_keep_alive_serves_many_requests_on_one_connection(served: FakeKMS) -> None:
    conn = connect(served)
    for _ in range(5):
        assert post(conn, "CreateKey")[0] == 200
    sock = conn.sock
    assert post(conn, "ListKeys")[1]["Keys"].__len__() == 5
    assert conn.sock is sock  # never reconnected


def test_region_and_caller_come_from_the_authorization_header(served: FakeKMS) -> None:
    served.add_principal("arn:aws:iam::123456789012:role/ops", access_key_id="AKIAOPS0000000000000")
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKIAOPS0000000000000/20240101/eu-west-3/kms/aws4_request, "
        "SignedHeaders=host, Signature=0000"
    )
    response, body = exchange(
        connect(served), headers={**target("CreateKey"), "Authorization": authorization}
    )
    assert response.status == 200
    assert ":eu-west-3:" in json.loads(body)["KeyMetadata"]["Arn"]
    call = served.calls.one("CreateKey")
    assert (call.region, call.caller) == ("eu-west-3", "arn:aws:iam::123456789012:role/ops")


# --- lifecycle -----------------------------------------------------------------------


def test_only_loopback_unless_asked() -> None:
    fake = FakeKMS()
    with pytest.raises(ValueError, match="not a loopback address"):
        fake.serve("0.0.0.0")
    with pytest.raises(ValueError, match="allow_remote=True"):
        FakeKMSServer(fake._dispatcher, host="192.0.2.1")
    assert [is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "localhost")] == [True] * 4
    assert [is_loopback(h) for h in ("0.0.0.0", "::", "192.0.2.1", "example.com")] == [False] * 4


def test_endpoint_url_needs_a_server() -> None:
    fake = FakeKMS()
    with pytest.raises(RuntimeError, match=r"fake_kms_server fixture or call fake\.serve\(\)"):
        _ = fake.endpoint_url
    url = fake.serve()
    try:
        assert url == fake.endpoint_url
        assert url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError, match="already serving"):
            fake.serve()
    finally:
        fake.stop_serving()
    with pytest.raises(RuntimeError):
        _ = fake.endpoint_url
    fake.stop_serving()  # twice is fine


def test_stop_closes_keep_alive_connections_and_joins_every_thread() -> None:
    fake = FakeKMS()
    fake.serve()
    connections = [connect(fake) for _ in range(3)]
    for conn in connections:
        assert post(conn, "ListKeys")[0] == 200  # each now idles in a handler thread
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    assert not [t for t in threading.enumerate() if t.name.startswith("pytest-fakekms-")]
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        post(connections[0], "ListKeys")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open descriptors")
def test_serving_and_stopping_again_and_again_leaks_nothing() -> None:
    """The accept loop sleeps until a connection or stop() wakes it (no polling): every
    stop ends the loop's thread and closes the listening socket and the wake-up pair."""
    fake = FakeKMS()
    fake.serve()
    fake.stop()  # the first serve loads what is loaded once (the model)
    before = len(os.listdir("/proc/self/fd"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)  # a socket freed but never closed
        for round_ in range(20):
            fake.serve()
            if round_ % 2:
                conn = connect(fake)
                assert post(conn, "ListKeys")[0] == 200
                conn.close()
            fake.stop()
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert len(os.listdir("/proc/self/fd")) == before
    assert not [t for t in threading.enumerate() if t.name.startswith("pytest-fakekms-")]


def test_a_server_stopped_before_its_loop_ran_stops() -> None:
    """stop() straight after start() (the thread may not have reached select yet)."""
    for _ in range(20):
        server = FakeKMSServer(FakeKMS()._dispatcher).start()
        server.stop()
        assert not server.serving


def test_server_as_a_context_manager() -> None:
    fake = FakeKMS()
    with FakeKMSServer(fake._dispatcher) as server:
        assert repr(server).startswith("<FakeKMSServer http://127.0.0.1:")
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("POST", "/", b"{}", target("ListKeys"))
        assert conn.getresponse().status == 200
    assert repr(server) == "<FakeKMSServer stopped>"


# --- botocore over HTTP, without the in-process hook ---------------------------------


def test_botocore_end_to_end_over_http(served: FakeKMS) -> None:
    from pytest_fakekms import interceptor

    assert not interceptor.is_active()
    kms = http_client(served)
    key_id = kms.create_key(Description="over http")["KeyMetadata"]["KeyId"]
    document = policy(allow({"AWS": CALLER}), allow({"AWS": "arn:aws:iam::123456789012:root"}))
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=document)
    kms.put_key_policy(KeyId=key_id, Policy=document)
    assert json.loads(kms.get_key_policy(KeyId=key_id)["Policy"]) == json.loads(document)
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException) as raised:
        kms.put_key_policy(KeyId=key_id, Policy='{"Statement": [{"Effect": "Allow"}]}')
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=str(uuid.uuid4()))
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    kms.put_key_policy(KeyId=key_id, Policy=document)  # allowed in every key state
    assert kms.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]

    assert {c.transport for c in served.calls} == {"http"}
    assert served.calls.operations == SCENARIO_OPERATIONS
    assert len(served.policy_history(key_id)) == 4
    assert served.key(key_id).state == "PendingDeletion"


def test_botocore_retries_injected_faults_over_http(
    served: FakeKMS, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.endpoint

    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", slept.append)
    served.inject_fault("ListKeys", "KMSInternalException", times=2)
    kms = boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=served.endpoint_url,
        aws_access_key_id="AKIAHTTPTESTING00000",
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 3, "mode": "standard"}),
    )
    assert kms.list_keys()["Keys"] == []
    assert [(c.attempt, c.http_status) for c in served.calls] == [(1, 500), (2, 500), (3, 200)]
    assert len(slept) == 2  # over HTTP, botocore's back-off is real time (no virtual clock)


def test_validation_is_server_side_over_http_too(served: FakeKMS) -> None:
    kms = http_client(served, config=Config(parameter_validation=False))
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.describe_key(KeyId="")
    assert raised.value.response["Error"]["Code"] == "ValidationException"


# --- the same bytes either way ---------------------------------------------------------


class _Capture:
    """The serialized request and raw response of a botocore call answered in-process."""

    def __init__(self, client: Any) -> None:
        self.request: Any = None
        self.response: dict[str, Any] = {}
        client.meta.events.register_last("request-created.kms.*", self._on_request)
        client.meta.events.register("before-parse.kms.*", self._on_response)

    def _on_request(self, request: Any, **_: Any) -> None:
        self.request = request

    def _on_response(self, response_dict: dict[str, Any], **_: Any) -> None:
        self.response = response_dict


def _replay(fake: FakeKMS, request: Any) -> tuple[int, dict[str, str], bytes]:
    headers = {
        k: v.decode() if isinstance(v, bytes) else v
        for k, v in request.headers.items()
        if k.lower() not in ("host", "content-length")
    }
    response, body = exchange(connect(fake), body=request.body, headers=headers)
    return response.status, dict(response.getheaders()), body


@pytest.mark.parametrize(
    "call",
    [
        lambda kms, key: kms.describe_key(KeyId=key),
        lambda kms, key: kms.get_key_policy(KeyId=key, PolicyName="default"),
        lambda kms, key: kms.get_key_policy(KeyId=key, PolicyName="other"),
        lambda kms, key: kms.list_key_policies(KeyId=key),
        lambda kms, key: kms.list_keys(),
        lambda kms, key: kms.list_aliases(KeyId=key),
        lambda kms, key: kms.put_key_policy(KeyId=key, Policy='{"Statement": []}'),
        lambda kms, key: kms.put_key_policy(KeyId=key, Policy="not json"),
        lambda kms, key: kms.describe_key(KeyId="alias/missing"),
        lambda kms, key: kms.describe_key(KeyId=""),
        lambda kms, key: kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=3),
    ],
    ids=[
        "DescribeKey",
        "GetKeyPolicy",
        "GetKeyPolicy-other-name",
        "ListKeyPolicies",
        "ListKeys",
        "ListAliases",
        "PutKeyPolicy-malformed",
        "PutKeyPolicy-not-json",
        "DescribeKey-missing-alias",
        "DescribeKey-empty",
        "ScheduleKeyDeletion-window",
    ],
)
def test_identical_bytes_in_process_and_over_http(fake_kms_server: FakeKMS, call: Any) -> None:
    key_id = fake_kms_server.create_key(description="same bytes", tags={"a": "b"}).key_id
    kms = boto3.client(
        "kms",
        region_name="us-east-1",
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )
    capture = _Capture(kms)
    with contextlib.suppress(kms.exceptions.ClientError):
        call(kms, key_id)
    status, headers, body = _replay(fake_kms_server, capture.request)

    in_process = capture.response
    assert status == in_process["status_code"]
    assert body == in_process["body"]
    for name, value in in_process["headers"].items():
        if name.lower() != "x-amzn-requestid":
            assert headers[name] == value, name
    assert headers["x-amzn-RequestId"] != in_process["headers"]["x-amzn-RequestId"]
    first, second = fake_kms_server.calls[-2:]
    assert (first.transport, second.transport) == ("in-process", "http")
    assert first.operation == second.operation
    assert (first.error, first.error_message) == (second.error, second.error_message)


# --- the fixtures ----------------------------------------------------------------------


def test_fake_kms_server_is_fake_kms(fake_kms: FakeKMS, fake_kms_server: FakeKMS) -> None:
    assert fake_kms_server is fake_kms
    assert os.environ["AWS_ENDPOINT_URL_KMS"] == fake_kms.endpoint_url
    assert os.environ["AWS_ACCESS_KEY_ID"]
    assert os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")


def test_in_process_clients_follow_the_env_but_are_answered_in_process(
    fake_kms_server: FakeKMS,
) -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    assert kms.meta.endpoint_url == fake_kms_server.endpoint_url
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    status, answer = post(connect(fake_kms_server), "DescribeKey", KeyId=key_id)
    assert (status, answer["KeyMetadata"]["KeyId"]) == (200, key_id)
    assert [(c.operation, c.transport) for c in fake_kms_server.calls] == [
        ("CreateKey", "in-process"),
        ("DescribeKey", "http"),
    ]


def test_server_env_is_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_fakekms.plugin import _serve_with_env

    monkeypatch.delenv("AWS_ENDPOINT_URL_KMS", raising=False)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    fake = FakeKMS(region="eu-central-1")
    serving = _serve_with_env(fake)
    assert next(serving) is fake
    assert os.environ["AWS_ENDPOINT_URL_KMS"] == fake.endpoint_url
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAFAKEKMSTESTING00"  # not the real profile
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-central-1"
    serving.close()
    for name in ("AWS_ENDPOINT_URL_KMS", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION"):
        assert name not in os.environ
    with pytest.raises(RuntimeError):
        _ = fake.endpoint_url


def test_server_env_keeps_existing_credentials_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_fakekms.plugin import _serve_with_env

    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", "http://elsewhere.invalid")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMINE000000000000")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    serving = _serve_with_env(FakeKMS())
    fake = next(serving)
    assert os.environ["AWS_ENDPOINT_URL_KMS"] == fake.endpoint_url
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAMINE000000000000"
    assert os.environ["AWS_DEFAULT_REGION"] == "ap-south-1"
    serving.close()
    assert os.environ["AWS_ENDPOINT_URL_KMS"] == "http://elsewhere.invalid"


_SUBPROCESS_SCRIPT = textwrap.dedent(
    """
    import sys, boto3
    kms = boto3.client("kms")
    print(kms.describe_key(KeyId=sys.argv[1])["KeyMetadata"]["Description"])
    print(kms.create_key(Description="from the subprocess")["KeyMetadata"]["KeyId"])
    """
)


def test_a_subprocess_sees_the_fake_through_the_environment(fake_kms_server: FakeKMS) -> None:
    key_id = boto3.client("kms").create_key(Description="from the test")["KeyMetadata"]["KeyId"]
    result = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS_SCRIPT, key_id],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    description, new_key_id = result.stdout.split()[:3], result.stdout.split()[-1]
    assert " ".join(description) == "from the test"
    assert fake_kms_server.key(new_key_id).description == "from the subprocess"
    assert [(c.operation, c.transport) for c in fake_kms_server.calls] == [
        ("CreateKey", "in-process"),
        ("DescribeKey", "http"),
        ("CreateKey", "http"),
    ]


def test_session_server_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import http.client, json, os
        from urllib.parse import urlsplit

        from pytest_fakekms import interceptor

        def post(url, operation, **params):
            parts = urlsplit(url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            conn.request("POST", "/", json.dumps(params),
                         {"X-Amz-Target": "TrentService." + operation})
            return json.loads(conn.getresponse().read())

        def test_one(fake_kms_server_session):
            assert not interceptor.is_active()
            assert os.environ["AWS_ENDPOINT_URL_KMS"] == fake_kms_server_session.endpoint_url
            post(fake_kms_server_session.endpoint_url, "CreateKey", Description="kept")

        def test_two(fake_kms_server_session, fake_kms):
            assert fake_kms is not fake_kms_server_session
            keys = post(os.environ["AWS_ENDPOINT_URL_KMS"], "ListKeys")["Keys"]
            assert len(keys) == 1
            assert [c.transport for c in fake_kms_server_session.calls] == ["http", "http"]
            assert fake_kms_server_session.account_id == "111122223333"
        """
    )
    pytester.makeini("[pytest]\nfakekms_account_id = 111122223333\n")
    before = os.environ.get("AWS_ENDPOINT_URL_KMS")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:benchmark")
    result.assert_outcomes(passed=2)
    assert os.environ.get("AWS_ENDPOINT_URL_KMS") == before


def test_session_server_keeps_the_calls_the_ini_allows(pytester: pytest.Pytester) -> None:
    """``fakekms_session_max_calls``: a session's application may make more calls than
    are worth keeping; the session fake then keeps the most recent ones."""
    pytester.makepyfile(
        """
        import boto3

        def client(fake):
            return boto3.client("kms", region_name="us-east-1", endpoint_url=fake.endpoint_url,
                                aws_access_key_id="a", aws_secret_access_key="b")

        def test_one(fake_kms_server_session):
            client(fake_kms_server_session).create_key(Description="kept")

        def test_two(fake_kms_server_session):
            kms = client(fake_kms_server_session)
            kms.list_keys()
            kms.list_aliases()
            assert fake_kms_server_session.calls.operations == ["ListKeys", "ListAliases"]
            assert len(fake_kms_server_session.keys()) == 1
        """
    )
    pytester.makeini("[pytest]\nfakekms_session_max_calls = 2\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:benchmark")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("value", ["many", "-1", "1.5", "\u00b2"])
def test_session_max_calls_must_be_a_count(pytester: pytest.Pytester, value: str) -> None:
    pytester.makepyfile("def test_one(fake_kms_server_session):\n    pass\n")
    pytester.makeini(f"[pytest]\nfakekms_session_max_calls = {value}\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:benchmark")
    result.stdout.fnmatch_lines(["*fakekms_session_max_calls must be a count*"])
    assert result.ret != 0


# --- many threads ---------------------------------------------------------------------


THREADS = 8
REQUESTS_PER_THREAD = 500


def test_many_threads_on_one_server(served: FakeKMS) -> None:
    """8 threads x 500 requests over keep-alive connections: all answered, all recorded."""
    creates = 50
    failures: list[str] = []
    created: dict[int, list[str]] = {}

    def work(worker: int) -> None:
        conn = connect(served)
        mine = created.setdefault(worker, [])
        try:
            for n in range(REQUESTS_PER_THREAD):
                if n < creates:
                    status, answer = post(conn, "CreateKey", Description=f"w{worker}-{n}")
                    mine.append(answer["KeyMetadata"]["KeyId"])
                else:
                    status, answer = post(conn, "DescribeKey", KeyId=mine[n % creates])
                    if answer["KeyMetadata"]["Description"] != f"w{worker}-{n % creates}":
                        failures.append(f"worker {worker}: wrong key {answer}")
                if status != 200:
                    failures.append(f"worker {worker} request {n}: {status} {answer}")
        except Exception as error:  # pragma: no cover - reported below
            failures.append(f"worker {worker}: {error!r}")
        finally:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started

    assert failures == []
    assert len(served.calls) == THREADS * REQUESTS_PER_THREAD
    assert len(served.calls.filter("CreateKey")) == THREADS * creates
    assert {c.transport for c in served.calls} == {"http"}
    assert len(served.keys()) == THREADS * creates
    descriptions = [key.description for key in served.keys()]  # noqa: SIM118 (not a dict)
    assert sorted(descriptions) == sorted(
        f"w{w}-{n}" for w in range(THREADS) for n in range(creates)
    )
    assert elapsed < 30  # typically 1-3 s; generous for slow CI machines
