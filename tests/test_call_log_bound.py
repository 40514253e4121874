"""A bounded call log: ``FakeKMS(max_calls=N)`` for fakes that live long, and the
standalone server, which keeps none.

Measured before the bound (issue #8, 2026-11-27, tracemalloc over 1,000 requests to a
served fake): every request kept about 1 KB (DescribeKey) to 3.3 KB (an Encrypt of
1 KiB) for the fake's lifetime, so a standalone server left running grew without end.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import kms_client
from hypothesis import given
from hypothesis import strategies as st
from test_recorder import T0, _fields_of, make_call
from test_server import http_client

from pytest_fakekms import FakeKMS
from pytest_fakekms.__main__ import build_parser, standalone_fake
from pytest_fakekms.recorder import CallFields, CallRecorder


def test_the_most_recent_calls_are_kept() -> None:
    """Through boto3: the log never holds more than ``max_calls``, keeps the newest,
    and a snapshot taken earlier keeps what it held."""
    with FakeKMS(max_calls=3) as fake:
        kms = kms_client()
        key_id = kms.create_key(Description="first")["KeyMetadata"]["KeyId"]
        early = fake.calls
        for n in range(1, 8):
            kms.describe_key(KeyId=key_id)
            assert len(fake.calls) == min(n + 1, 3)
        kms.list_aliases()
        assert fake.calls.operations == ["DescribeKey", "DescribeKey", "ListAliases"]
        assert early.operations == ["CreateKey"]
        fake.assert_not_called("CreateKey")  # forgotten: the log says what it holds
        with pytest.raises(AssertionError, match="CreateKey"):
            fake.assert_called("CreateKey")
        assert fake.key(key_id).description == "first"  # state is not the log
        assert "3 calls" in repr(fake)


def test_zero_keeps_no_call_and_the_fake_still_answers() -> None:
    with FakeKMS(max_calls=0) as fake:
        kms = kms_client()
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        blob = kms.encrypt(KeyId=key_id, Plaintext=b"kept?")["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept?"
        assert len(fake.calls) == 0
        assert list(fake.calls) == []


@pytest.mark.parametrize("bad", [-1, True, 1.5, "3"])
def test_max_calls_must_be_a_count(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_calls"):
        FakeKMS(max_calls=bad)


def _last(items: list[int], limit: int | None) -> list[int]:
    return items if limit is None else items[max(len(items) - limit, 0) :] if limit else []


def _fields(n: int) -> CallFields:
    """Call n's fields as the request path records them (its number is its attempt)."""
    return ("DescribeKey", {}, {}, None, None, 200, "us-east-1", "123456789012",
            "arn:aws:iam::123456789012:root", n, T0, False, 0.0, None, "in-process")  # fmt: skip


@given(
    limit=st.one_of(st.none(), st.integers(0, 6)),
    reads=st.lists(st.booleans(), max_size=40),
)
def test_the_recorder_keeps_the_last_limit_calls(limit: int | None, reads: list[bool]) -> None:
    """Whatever the bound and however many calls, ``calls`` is the last ``limit`` of
    them in order, and snapshots keep what they saw while the log is trimmed. Calls are
    recorded as their fields and become Calls when read: ``reads`` says after which
    calls a snapshot is taken, so trimming meets entries read and not read alike."""
    recorder = CallRecorder(limit)
    snapshots = []
    for n, read in enumerate(reads):
        recorder.record(_fields(n))
        if read:
            snapshots.append((n, recorder.calls))
    assert [c.attempt for c in recorder.calls] == _last(list(range(len(reads))), limit)
    assert len(recorder) == len(recorder.calls)
    if limit is not None:  # what is forgotten is gone, not hidden: memory stays bounded
        assert len(recorder._calls) < max(2 * limit, 1)
    for n, snapshot in snapshots:
        assert [c.attempt for c in snapshot] == _last(list(range(n + 1)), limit)


def test_the_standalone_server_keeps_no_call() -> None:
    """``python -m pytest_fakekms serve`` answers with a fake that records nothing: no
    one outside its process can read the log, and it may run for days."""
    fake = standalone_fake(build_parser().parse_args(["serve"]))
    fake.serve()
    try:
        kms = http_client(fake)
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id
    finally:
        fake.stop()
    assert len(fake.calls) == 0
    assert fake.key(key_id).key_id == key_id


def test_a_bounded_log_makes_each_call_once_however_often_it_is_read() -> None:
    """Over its bound (and before the next record trims it), a log read twice gives the
    same Call objects: the entries kept become Calls once, not at every read."""
    recorder = CallRecorder(3)
    for n in range(5):
        recorder.record(_fields_of(make_call("DescribeKey", attempt=n + 1)))
    first, second = recorder.calls, recorder.calls
    assert [c.attempt for c in first] == [3, 4, 5]
    assert all(a is b for a, b in zip(first, second, strict=True))
    assert len(recorder._calls) == 3  # trimmed at the read
