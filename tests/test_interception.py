"""Interception (issue #2, point 2): every botocore KMS request in the process is answered
in-process, whatever the client, Region, credentials or config; nothing else is touched."""

from __future__ import annotations

import gc
import socket
import threading
import time
import weakref
from typing import Any

import boto3
import botocore.endpoint
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from pytest_fakekms import FakeKMS, interceptor


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a connection fail loudly."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_client_created_before_the_fake_is_answered(
    no_network: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    client = boto3.client("kms", region_name="eu-west-1")
    with FakeKMS() as fake:
        key = client.create_key()["KeyMetadata"]
    assert key["Arn"].startswith("arn:aws:kms:eu-west-1:123456789012:key/")
    assert fake.calls.one("CreateKey").region == "eu-west-1"


def test_real_looking_credentials_and_no_network(
    fake_kms: Any, no_network: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    client = boto3.Session().client("kms", region_name="us-west-2")
    assert client.list_keys()["Keys"] == []
    assert fake_kms.calls.one("ListKeys").region == "us-west-2"


def test_parameter_validation_off_still_validated_server_side(fake_kms: Any) -> None:
    """botocore validates only required/min client-side; the service checks the rest
    (kms-facts §1.1). With client validation off, the fake still answers
    ValidationException/SerializationException rather than a traceback."""
    client = boto3.client("kms", region_name="us-east-1", config=Config(parameter_validation=False))
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.describe_key(KeyId="")
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_custom_endpoint_url_and_any_region(fake_kms: Any) -> None:
    client = boto3.client(
        "kms", region_name="ap-southeast-2", endpoint_url="https://kms.example.internal"
    )
    arn = client.create_key()["KeyMetadata"]["Arn"]
    assert ":ap-southeast-2:" in arn


def test_plain_botocore_session_and_default_session(fake_kms: Any) -> None:
    botocore_client: Any = botocore.session.get_session().create_client(
        "kms", region_name="us-east-1"
    )
    boto3_client = boto3.client("kms", region_name="us-east-1")
    key_id = botocore_client.create_key()["KeyMetadata"]["KeyId"]
    assert boto3_client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id


def test_hook_is_gone_after_the_fake_stops(no_network: None) -> None:
    endpoint: Any = botocore.endpoint  # its private names are not in botocore's stubs
    original, original_time = endpoint.Endpoint._send_request, endpoint.time
    client = _plain_client()
    with FakeKMS():
        client.list_keys()
        assert endpoint.Endpoint._send_request is not original
        assert endpoint.time is not original_time
        assert _before_send_handlers(client, "ListKeys") == [interceptor._before_send]
    assert endpoint.Endpoint._send_request is original
    assert endpoint.time is original_time
    assert _before_send_handlers(client, "ListKeys") == []


def test_two_active_fakes_is_a_usage_error() -> None:
    with FakeKMS(), pytest.raises(RuntimeError, match="already active"):
        FakeKMS().start()


def test_state_stays_readable_after_the_with_block() -> None:
    with FakeKMS() as fake:
        key_id = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["KeyId"]
    assert fake.key(key_id).key_id == key_id
    assert len(fake.calls) == 1
    assert len(fake.policy_history(key_id)) == 1


def test_decorator_form() -> None:
    fake = FakeKMS()

    @fake
    def provision() -> str:
        return str(
            boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["KeyId"]
        )

    key_id = provision()
    assert fake.key(key_id).state == "Enabled"


@pytest.mark.parametrize("moto_first", [True, False], ids=["moto-outside", "moto-inside"])
def test_coexists_with_moto_for_s3(moto_first: bool, no_network: None) -> None:
    moto = pytest.importorskip("moto")
    with _nested(moto.mock_aws(), FakeKMS(), moto_first) as fake:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bucket")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["bucket"]
        key_id = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["KeyId"]
        assert fake.key(key_id).key_id == key_id  # KMS went to the fake, not to moto
        assert fake.calls.operations == ["CreateKey"]
        assert not moto.backends.get_backend("kms")["123456789012"]["us-east-1"].keys


class _nested:
    def __init__(self, moto_mock: Any, fake: FakeKMS, moto_first: bool) -> None:
        self.order = [moto_mock, fake] if moto_first else [fake, moto_mock]
        self.fake = fake

    def __enter__(self) -> FakeKMS:
        for manager in self.order:
            manager.__enter__()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        for manager in reversed(self.order):
            manager.__exit__(*exc)


def test_unimplemented_operation_is_an_error_naming_it(kms: Any) -> None:
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.describe_custom_key_stores()
    error = raised.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert "DescribeCustomKeyStores" in error["Message"]


# --- clients across fakes, threads and failed retries ----------------------------------------


def test_a_client_kept_across_fakes_is_answered_by_each_in_turn(no_network: None) -> None:
    client = boto3.client("kms", region_name="us-east-1")
    with FakeKMS() as first:
        first_key = client.create_key()["KeyMetadata"]["KeyId"]
        client.describe_key(KeyId=first_key)
    with FakeKMS() as second:
        with pytest.raises(client.exceptions.NotFoundException):
            client.describe_key(KeyId=first_key)  # the second fake's state, not the first's
        second_key = client.create_key()["KeyMetadata"]["KeyId"]
    assert first.calls.operations == ["CreateKey", "DescribeKey"]
    assert second.calls.operations == ["DescribeKey", "CreateKey"]
    assert second.key(second_key).key_id == second_key


def test_the_interceptor_keeps_no_client_alive() -> None:
    """A client that goes is collected while the fake stays active: nothing the
    interceptor keeps (a view of the endpoint per call, or the set of emitters that
    carry its handler, which holds them weakly) holds on to it."""
    with FakeKMS():
        dropped = boto3.client("kms", region_name="us-east-1")
        dropped.list_keys()
        endpoint = weakref.ref(dropped._endpoint)
        del dropped
        gc.collect()
        assert endpoint() is None


def test_a_retry_back_off_is_recorded_on_the_thread_that_waited(fake_kms: Any) -> None:
    """Threads share a client: a back-off botocore asked for on one thread must go on
    that thread's next attempt, never on another thread's request made in between.
    Thread A is held between its retry decision and its second attempt while thread B
    makes a whole request."""
    client = boto3.client(
        "kms", region_name="us-east-1", config=Config(retries={"mode": "standard"})
    )
    key_id = fake_kms.create_key().key_id
    a_waits, b_done = threading.Event(), threading.Event()
    a_attempts = 0

    def hold_a_before_its_retry(**_: Any) -> None:
        nonlocal a_attempts
        if threading.current_thread().name == "A":
            a_attempts += 1
            if a_attempts == 2:  # the back-off is decided, the attempt not yet made
                a_waits.set()
                assert b_done.wait(10)

    client.meta.events.register("request-created.kms.DescribeKey", hold_a_before_its_retry)
    fake_kms.inject_fault("DescribeKey", "ThrottlingException", times=1)
    a = threading.Thread(target=client.describe_key, kwargs={"KeyId": key_id}, name="A")
    a.start()
    assert a_waits.wait(10)
    client.list_keys()  # thread B's whole request, made while A waits to retry
    b_done.set()
    a.join(10)
    first, listing, second = fake_kms.calls
    assert (first.operation, first.attempt, first.error) == (
        "DescribeKey",
        1,
        "ThrottlingException",
    )
    assert (listing.operation, listing.attempt, listing.backoff) == ("ListKeys", 1, 0.0)
    assert (second.operation, second.attempt, second.error) == ("DescribeKey", 2, None)
    assert second.backoff > 0


def test_a_back_off_whose_retry_never_came_is_not_carried_over(fake_kms: Any) -> None:
    """botocore decided to retry, then building the retry failed (here a handler raises):
    the back-off it had asked for must not land on the thread's next request."""
    client = boto3.client(
        "kms", region_name="us-east-1", config=Config(retries={"mode": "standard"})
    )
    key_id = fake_kms.create_key().key_id
    attempts = 0

    def fail_the_retry(**_: Any) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 2:
            raise RuntimeError("the retry could not be built")

    client.meta.events.register("request-created.kms.DescribeKey", fail_the_retry)
    fake_kms.inject_fault("DescribeKey", "ThrottlingException", times=1)
    with pytest.raises(RuntimeError, match="could not be built"):
        client.describe_key(KeyId=key_id)
    client.describe_key(KeyId=key_id)
    throttled, next_request = fake_kms.calls
    assert (throttled.attempt, throttled.error) == (1, "ThrottlingException")
    assert (next_request.attempt, next_request.error, next_request.backoff) == (1, None, 0.0)


# --- the two paths: the fake's handler alone on the client, or a view ------------------------


def _before_send_handlers(client: Any, operation: str) -> list[Any]:
    """The ``before-send`` handlers botocore would call for ``operation`` on ``client``."""
    return list(client.meta.events._emitter._handlers.prefix_search(f"before-send.kms.{operation}"))


@pytest.fixture
def views(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the per-call endpoint views the interceptor makes."""
    made: list[int] = []
    original = interceptor._KMSEmitter.__init__

    def counted(self: Any, inner: Any, dispatcher: Any) -> None:
        made.append(1)
        original(self, inner, dispatcher)

    monkeypatch.setattr(interceptor._KMSEmitter, "__init__", counted)
    return made


def _plain_client(**config: Any) -> Any:
    """A KMS client with no ``before-send`` handler of anyone's (moto's stub, when moto
    was imported before it was made, taken off)."""
    client = boto3.client("kms", region_name="us-east-1", config=Config(**config))
    for handler in _before_send_handlers(client, "ListKeys"):
        client.meta.events.unregister("before-send", handler)
    return client


def test_a_plain_client_is_answered_by_the_handler_alone(fake_kms: Any, views: list[int]) -> None:
    """The fast path (issue #8): no other handler can answer, so botocore's own pipeline
    calls the fake's handler and no per-call view is made."""
    client = _plain_client()
    client.describe_key(KeyId=client.create_key()["KeyMetadata"]["KeyId"])
    assert views == []
    assert _before_send_handlers(client, "DescribeKey") == [interceptor._before_send]
    assert fake_kms.calls.operations == ["CreateKey", "DescribeKey"]


@pytest.mark.parametrize("where", ["before-send", "before-send.kms.DescribeKey"])
def test_other_before_send_handlers_never_see_a_kms_request(
    fake_kms: Any, views: list[int], where: str
) -> None:
    """Another handler on the client (a stub of anyone's) would see every request the
    fake answers, and could answer it too: for its requests the fake answers through a
    view instead, and the handler is never called."""
    client = _plain_client()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    seen: list[str] = []
    client.meta.events.register(where, lambda event_name, **_: seen.append(event_name))
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id
    assert client.list_keys()["Keys"]
    assert seen == []
    assert len(views) == (2 if where == "before-send" else 1)


def test_an_idle_moto_stub_leaves_the_handler_alone(views: list[int], no_network: None) -> None:
    """moto's stub sits on every client of a session made after ``import moto`` and
    answers nothing outside ``mock_aws()``; inside it, the fake answers through a view
    and moto's KMS stays empty (``test_coexists_with_moto_for_s3``)."""
    moto = pytest.importorskip("moto")
    with FakeKMS() as fake:
        client = boto3.Session().client("kms", region_name="us-east-1")
        client.list_keys()
        assert len(_before_send_handlers(client, "ListKeys")) == 2  # the fake's and moto's
        assert views == []
        with moto.mock_aws():
            client.list_keys()
        assert views == [1]
        assert fake.calls.operations == ["ListKeys", "ListKeys"]


@pytest.mark.parametrize("path", ["alone", "view"])
def test_retries_wait_on_the_virtual_clock_only(
    fake_kms: Any, views: list[int], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """On either path, a retried call never sleeps for real: each back-off goes on the
    fake's clock and on the next attempt's record."""
    client = _plain_client(retries={"mode": "standard", "max_attempts": 3})
    if path == "view":
        client.meta.events.register("before-send", lambda **_: None)
    key_id = fake_kms.create_key().key_id
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    fake_kms.inject_fault("DescribeKey", "ThrottlingException", times=2)
    before = fake_kms.clock.now()
    client.describe_key(KeyId=key_id)
    attempts = fake_kms.calls.filter("DescribeKey")
    assert [(c.attempt, c.error) for c in attempts] == [
        (1, "ThrottlingException"),
        (2, "ThrottlingException"),
        (3, None),
    ]
    assert attempts[0].backoff == 0.0
    assert attempts[1].backoff > 0
    assert attempts[2].backoff > 0
    waited = attempts[1].backoff + attempts[2].backoff
    # The clock reads to the millisecond (test_clock.py::test_the_clock_reads_to_the_millisecond).
    assert (fake_kms.clock.now() - before).total_seconds() == pytest.approx(waited, abs=1e-3)
    assert all(seconds == 0 for seconds in slept)
    assert (views == []) == (path == "alone")


def test_other_sleeps_in_botocore_stay_real(fake_kms: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a fake is active, botocore.endpoint's ``time`` is the fake's stand-in; a
    wait outside a call through the fake (another service's retry) sleeps for real."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    stand_in: Any = botocore.endpoint.time  # type: ignore[attr-defined]  # not re-exported
    stand_in.sleep(0.25)
    assert slept == [0.25]
    assert stand_in.monotonic is time.monotonic


def test_a_retry_of_another_service_inside_a_kms_call_sleeps_for_real(
    fake_kms: Any, views: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler of the KMS call (here on ``request-created``) that makes a call to
    another service on the same thread: that call's retry waits for real, and neither
    the fake's clock nor the KMS call's record takes its back-off."""
    answers = [500, 200]

    def dynamodb_answers(request: Any, **_: Any) -> AWSResponse:
        status = answers.pop(0)
        body = b'{"TableNames": []}' if status == 200 else b'{"__type": "InternalServerError"}'
        return AWSResponse(request.url, status, {}, _Raw(body))  # type: ignore[arg-type]

    dynamodb = boto3.client(
        "dynamodb", region_name="us-east-1", config=Config(retries={"mode": "standard"})
    )
    dynamodb.meta.events.register_first("before-send.dynamodb.ListTables", dynamodb_answers)
    client = _plain_client()
    client.meta.events.register(
        "request-created.kms.DescribeKey", lambda **_: dynamodb.list_tables()
    )
    key_id = fake_kms.create_key().key_id
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    before = fake_kms.clock.now()
    client.describe_key(KeyId=key_id)
    assert answers == []  # DynamoDB was asked twice: its call was retried
    assert len(slept) == 1
    assert slept[0] > 0
    assert fake_kms.clock.now() == before
    assert fake_kms.calls.one("DescribeKey").backoff == 0.0
    assert views == []  # the KMS call took the alone path


class _Raw:
    """The raw body an ``AWSResponse`` streams its content from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body
