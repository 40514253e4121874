"""Unit tests for recorded calls: Call, CallList and CallRecorder (no botocore involved)."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import threading
from datetime import datetime, timezone
from typing import Any, cast

import pytest

from pytest_fakekms.matching import ANY
from pytest_fakekms.recorder import (
    Call,
    CallFields,
    CallList,
    CallRecorder,
    FrozenDict,
    FrozenList,
    format_value,
    freeze,
    thaw,
)

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY}"


def _fields_of(call: Call) -> CallFields:
    """``call`` as the request path records it: its fields' values, in order."""
    return cast("CallFields", tuple(getattr(call, f.name) for f in dataclasses.fields(Call)))


def make_call(
    operation: str = "PutKeyPolicy",
    *,
    error: str | None = None,
    status: int | None = None,
    attempt: int = 1,
    injected: bool = False,
    backoff: float = 0.0,
    response: dict[str, Any] | None = None,
    transport: str = "in-process",
    **params: Any,
) -> Call:
    """A recorded call with plausible defaults; params are the keyword arguments."""
    return Call(
        operation=operation,
        params=params,
        response=None if error else (response or {}),
        error=error,
        error_message=f"{error} happened" if error else None,
        http_status=status or (400 if error else 200),
        region="us-east-1",
        account_id="123456789012",
        caller="arn:aws:iam::123456789012:role/fakekms-caller",
        attempt=attempt,
        at=T0,
        injected=injected,
        backoff=backoff,
        transport=transport,
    )


@pytest.fixture
def calls() -> CallList:
    """CreateKey, then PutKeyPolicy on k1, then a throttled PutKeyPolicy on k2 and its retry."""
    return CallList(
        [
            make_call("CreateKey", Description="test"),
            make_call(KeyId="k1", PolicyName="default", Policy="{}"),
            make_call(KeyId="k2", PolicyName="default", Policy="{}", error="ThrottlingException"),
            make_call(KeyId="k2", PolicyName="default", Policy="{}", attempt=2, backoff=0.5),
        ]
    )


# --- Call -------------------------------------------------------------------------------


class TestCallImmutability:
    def test_setting_a_member_raises_type_error(self) -> None:
        call = make_call(KeyId="k1")
        with pytest.raises(TypeError, match=r"key views read-only.*thaw\(value\)"):
            call.params["KeyId"] = "k2"  # type: ignore[index]

    @pytest.mark.parametrize(
        "mutate",
        [
            lambda p: p.__delitem__("KeyId"),
            lambda p: p.update(KeyId="x"),
            lambda p: p.pop("KeyId"),
            lambda p: p.popitem(),
            lambda p: p.setdefault("New", 1),
            lambda p: p.clear(),
            lambda p: p.__ior__({"New": 1}),
        ],
        ids=["del", "update", "pop", "popitem", "setdefault", "clear", "ior"],
    )
    def test_every_dict_mutator_is_refused(self, mutate: Any) -> None:
        call = make_call(KeyId="k1")
        with pytest.raises(TypeError):
            mutate(call.params)
        assert call.params == {"KeyId": "k1"}

    @pytest.mark.parametrize(
        "mutate",
        [
            lambda t: t.append(1),
            lambda t: t.extend([1]),
            lambda t: t.insert(0, 1),
            lambda t: t.pop(),
            lambda t: t.remove(t[0]),
            lambda t: t.clear(),
            lambda t: t.sort(),
            lambda t: t.reverse(),
            lambda t: t.__setitem__(0, 1),
            lambda t: t.__delitem__(0),
            lambda t: t.__iadd__([1]),
            lambda t: t.__imul__(2),
        ],
    )
    def test_nested_lists_are_frozen(self, mutate: Any) -> None:
        call = make_call("TagResource", KeyId="k1", Tags=[{"TagKey": "a", "TagValue": "b"}])
        with pytest.raises(TypeError, match="read-only"):
            mutate(call.params["Tags"])
        assert call.params["Tags"] == [{"TagKey": "a", "TagValue": "b"}]

    def test_nested_dicts_inside_lists_are_frozen(self) -> None:
        call = make_call("TagResource", Tags=[{"TagKey": "a", "TagValue": "b"}])
        with pytest.raises(TypeError):
            call.params["Tags"][0]["TagKey"] = "z"

    def test_the_response_is_frozen(self) -> None:
        call = make_call("CreateKey", response={"KeyMetadata": {"KeyId": KEY}})
        assert call.response is not None
        with pytest.raises(TypeError):
            call.response["KeyMetadata"]["KeyId"] = "x"

    def test_the_callers_dict_is_copied_not_wrapped(self) -> None:
        """A Call takes ownership of the dicts it is given (the dispatcher hands over fresh
        ones) and freezes a copy on first read, off the request path."""
        params: dict[str, Any] = {"KeyId": "k1", "GrantTokens": ["t"]}
        call = Call(**{**dataclasses.asdict(make_call()), "params": params})
        assert call.params == params
        params["KeyId"] = "changed"
        params["GrantTokens"].append("u")
        assert call.params == {"KeyId": "k1", "GrantTokens": ["t"]}

    def test_fields_cannot_be_reassigned(self) -> None:
        call = make_call()
        with pytest.raises(dataclasses.FrozenInstanceError):
            call.operation = "Other"  # type: ignore[misc]

    def test_frozen_values_compare_equal_to_plain_ones(self) -> None:
        call = make_call(KeyId="k1", Tags=[{"TagKey": "a", "TagValue": "b"}])
        assert call.params == {"KeyId": "k1", "Tags": [{"TagKey": "a", "TagValue": "b"}]}
        assert isinstance(call.params, dict)
        assert isinstance(call.params["Tags"], list)

    def test_bytearray_becomes_bytes(self) -> None:
        assert make_call("Encrypt", Plaintext=bytearray(b"hi")).params["Plaintext"] == b"hi"
        assert type(make_call("Encrypt", Plaintext=bytearray(b"hi")).params["Plaintext"]) is bytes

    def test_thaw_gives_a_mutable_deep_copy(self) -> None:
        call = make_call("TagResource", Tags=[{"TagKey": "a", "TagValue": "b"}])
        mutable = thaw(call.params)
        mutable["Tags"][0]["TagKey"] = "z"
        assert type(mutable) is dict
        assert type(mutable["Tags"]) is list
        assert call.params["Tags"][0]["TagKey"] == "a"

    def test_copy_deepcopy_pickle_json_and_hash(self) -> None:
        call = make_call("TagResource", KeyId="k1", Tags=[{"TagKey": "a", "TagValue": "b"}])
        assert copy.copy(call.params) is call.params
        assert copy.deepcopy(call) == call
        restored = pickle.loads(pickle.dumps(call))
        assert restored == call
        assert isinstance(restored.params, FrozenDict)
        assert isinstance(restored.params["Tags"], FrozenList)
        assert json.loads(json.dumps(call.params)) == call.params
        assert hash(call) == hash(copy.deepcopy(call))

    def test_asdict_and_replace_keep_working(self) -> None:
        call = make_call(KeyId="k1", Tags=[{"TagKey": "a"}])
        assert dataclasses.asdict(call)["params"] == {"KeyId": "k1", "Tags": [{"TagKey": "a"}]}
        retried = dataclasses.replace(call, attempt=2)
        assert retried.attempt == 2
        assert retried.params is call.params

    def test_freeze_is_idempotent(self) -> None:
        frozen = freeze({"a": [1, {"b": 2}]})
        assert freeze(frozen) is frozen
        assert freeze({1, 2}) == frozenset({1, 2})


class TestCallOutcome:
    def test_succeeded_and_outcome(self) -> None:
        assert make_call().succeeded
        assert make_call().outcome == "ok"
        failed = make_call(error="NotFoundException")
        assert not failed.succeeded
        assert failed.outcome == "NotFoundException (400)"

    def test_defaults_for_key_id_and_transport(self) -> None:
        call = make_call()
        assert call.key_id is None
        assert call.transport == "in-process"


class TestSummary:
    def test_success(self) -> None:
        assert make_call("CreateKey").summary() == "CreateKey() -> ok"

    def test_error_with_attempt_and_injection(self) -> None:
        call = make_call(
            KeyId=KEY,
            PolicyName="default",
            error="MalformedPolicyDocumentException",
            attempt=2,
            injected=True,
        )
        assert call.summary() == (
            f"PutKeyPolicy(KeyId='{KEY}', PolicyName='default') -> "
            "MalformedPolicyDocumentException (400) [attempt 2, injected]"
        )

    def test_backoff_and_transport_tags(self) -> None:
        call = make_call("DescribeKey", KeyId="k", attempt=3, backoff=0.25, transport="http")
        assert call.summary() == (
            "DescribeKey(KeyId='k') -> ok [attempt 3, after 0.25s back-off, via http]"
        )

    def test_server_error_status(self) -> None:
        call = make_call("Decrypt", error="DependencyTimeoutException", status=503)
        assert call.summary() == "Decrypt() -> DependencyTimeoutException (503)"

    def test_blobs_are_shown_as_sizes(self) -> None:
        call = make_call("Decrypt", CiphertextBlob=b"\x00" * 184)
        assert call.summary() == "Decrypt(CiphertextBlob=<184 bytes>) -> ok"

    def test_long_policy_is_compacted_and_cut(self) -> None:
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "A" * 50}]}, indent=2)
        summary = make_call(KeyId="k", Policy=policy).summary()
        assert summary == (
            'PutKeyPolicy(KeyId=\'k\', Policy=\'{ "Version": "2012-10-17", '
            '"Statement": [ { "Sid": "AAAAAAA…\') -> ok'
        )

    def test_arns_are_shown_whole(self) -> None:
        assert make_call("DescribeKey", KeyId=KEY_ARN).summary() == (
            f"DescribeKey(KeyId='{KEY_ARN}') -> ok"
        )

    def test_long_lists_and_mappings_are_elided(self) -> None:
        context = {f"k{i}": "v" for i in range(5)}
        call = make_call("Encrypt", GrantTokens=["a", "b", "c", "d"], EncryptionContext=context)
        assert call.summary() == (
            "Encrypt(GrantTokens=['a', 'b', 'c', …(+1)], "
            "EncryptionContext={'k0': 'v', 'k1': 'v', 'k2': 'v', …(+2)}) -> ok"
        )

    def test_format_value_other_types(self) -> None:
        assert format_value(ANY) == "ANY"
        assert format_value(True) == "True"
        assert format_value(7) == "7"
        assert format_value(T0) == "2024-01-01T00:00:00+00:00"
        assert format_value(frozenset({"x" * 100})).endswith("…")


# --- CallList ---------------------------------------------------------------------------


class TestCallListSequence:
    def test_len_index_and_iteration(self, calls: CallList) -> None:
        assert len(calls) == 4
        assert calls[0].operation == "CreateKey"
        assert calls[-1].attempt == 2
        assert [c.operation for c in calls] == calls.operations
        assert calls.operations == ["CreateKey", "PutKeyPolicy", "PutKeyPolicy", "PutKeyPolicy"]

    def test_index_out_of_range(self, calls: CallList) -> None:
        with pytest.raises(IndexError, match=r"CallList index out of range \(4 calls\)"):
            calls[4]
        with pytest.raises(IndexError):
            calls[-5]

    def test_slicing_returns_a_call_list(self, calls: CallList) -> None:
        tail = calls[1:]
        assert isinstance(tail, CallList)
        assert tail.operations == ["PutKeyPolicy"] * 3
        assert calls[::2] == [calls[0], calls[2]]
        assert calls[::-1][0] is calls[3]
        assert calls[10:] == []

    def test_equality(self, calls: CallList) -> None:
        assert calls == list(calls)
        assert calls == tuple(calls)
        assert calls == CallList(list(calls))
        assert calls != list(calls)[:3]
        assert calls != "not a list"
        assert CallList() == []
        assert not CallList()

    def test_is_not_hashable_and_not_writable(self, calls: CallList) -> None:
        with pytest.raises(TypeError):
            hash(calls)
        with pytest.raises(TypeError):
            calls[0] = calls[1]  # type: ignore[index]
        assert not hasattr(calls, "append")

    def test_sequence_mixins(self, calls: CallList) -> None:
        assert calls[1] in calls
        assert calls.index(calls[2]) == 2
        assert calls.count(calls[0]) == 1
        assert next(reversed(calls)) is calls[3]

    def test_repr(self, calls: CallList) -> None:
        assert repr(calls[:2]) == "<CallList of 2 calls: CreateKey, PutKeyPolicy>"
        assert repr(CallList()) == "<CallList of 0 calls: >"


class TestLast:
    def test_last(self, calls: CallList) -> None:
        assert calls.last is calls[3]

    def test_last_on_an_empty_list_fails_the_test(self) -> None:
        with pytest.raises(
            AssertionError,
            match=r"^There is no last KMS call: this list of recorded calls is empty\.$",
        ):
            CallList().last  # noqa: B018


class TestFilter:
    def test_by_operation(self, calls: CallList) -> None:
        assert calls.filter("CreateKey") == [calls[0]]
        assert len(calls.filter("PutKeyPolicy")) == 3
        assert calls.filter("Decrypt") == []

    def test_by_params_only(self, calls: CallList) -> None:
        assert calls.filter(KeyId="k2") == [calls[2], calls[3]]
        assert calls.filter() == calls

    def test_by_operation_and_params(self, calls: CallList) -> None:
        result = calls.filter("PutKeyPolicy", KeyId="k2", Policy=ANY)
        assert isinstance(result, CallList)
        assert result == [calls[2], calls[3]]

    def test_nested_subset(self) -> None:
        log = CallList(
            [
                make_call("Encrypt", EncryptionContext={"app": "x", "env": "prod"}),
                make_call("Encrypt", EncryptionContext={"app": "y"}),
            ]
        )
        assert log.filter("Encrypt", EncryptionContext={"env": "prod"}) == [log[0]]

    def test_matching_reads_the_params_as_recorded(self) -> None:
        """A filter matches the params as recorded and leaves them unfrozen (freezing every
        call of a long log was most of a filter's cost); frozen or not, they match alike."""
        log = CallList(
            make_call(
                "Encrypt", Plaintext=b"x", GrantTokens=["a", "b"], EncryptionContext={"app": "x"}
            )
            for _ in range(2)
        )
        criteria: dict[str, Any] = {
            "Plaintext": b"x",
            "GrantTokens": ["a", "b"],
            "EncryptionContext": {"app": ANY},
        }
        assert log.filter("Encrypt", **criteria) == list(log)
        assert [type(vars(call)["params"]) for call in log] == [dict, dict]
        assert isinstance(log[0].params, FrozenDict)  # reading them freezes them
        assert log.filter("Encrypt", **criteria) == list(log)
        assert log.filter("Encrypt", GrantTokens=("a",)) == []

    def test_filters_chain(self, calls: CallList) -> None:
        assert calls.filter("PutKeyPolicy").filter(KeyId="k1") == [calls[1]]

    @pytest.mark.parametrize(
        ("args", "kwargs", "error", "message"),
        [
            (("put_key_policy",), {}, ValueError, r"use the API's spelling, e.g. 'PutKeyPolicy'"),
            (("",), {}, ValueError, "the operation name is empty"),
            ((42,), {}, TypeError, "not 42"),
            ((), {"key_id": "k1"}, ValueError, r"key_id=\.\.\. is not a KMS request member.*KeyId"),
        ],
    )
    def test_usage_errors_are_raised_at_once(
        self, calls: CallList, args: Any, kwargs: Any, error: type[Exception], message: str
    ) -> None:
        with pytest.raises(error, match=message):
            calls.filter(*args, **kwargs)


class TestOne:
    def test_exactly_one(self, calls: CallList) -> None:
        assert calls.one("PutKeyPolicy", KeyId="k1") is calls[1]
        assert calls.one("CreateKey") is calls[0]

    def test_none_matched(self, calls: CallList) -> None:
        with pytest.raises(AssertionError) as raised:
            calls.one("PutKeyPolicy", KeyId="k3")
        assert str(raised.value) == (
            "Expected exactly one KMS call matching PutKeyPolicy(KeyId='k3'), but none matched.\n"
            "PutKeyPolicy was called with other parameters (3 calls):\n"
            "  call 2: params['KeyId']: expected 'k3' but was 'k1'\n"
            "  call 3: params['KeyId']: expected 'k3' but was 'k2'\n"
            "  call 4: params['KeyId']: expected 'k3' but was 'k2'\n"
            "KMS calls recorded (4):\n"
            "  1. CreateKey(Description='test') -> ok\n"
            "  2. PutKeyPolicy(KeyId='k1', PolicyName='default', Policy='{}') -> ok\n"
            "  3. PutKeyPolicy(KeyId='k2', PolicyName='default', Policy='{}') -> "
            "ThrottlingException (400)\n"
            "  4. PutKeyPolicy(KeyId='k2', PolicyName='default', Policy='{}') -> ok "
            "[attempt 2, after 0.5s back-off]"
        )

    def test_several_matched(self, calls: CallList) -> None:
        with pytest.raises(AssertionError) as raised:
            calls.one("PutKeyPolicy", KeyId="k2")
        assert str(raised.value).splitlines()[:4] == [
            "Expected exactly one KMS call matching PutKeyPolicy(KeyId='k2'), but 2 matched.",
            "Matched: calls 3 and 4.",
            "Note: call 4 is a retry (attempt > 1): every attempt botocore makes is recorded "
            "as a call. To count requests instead, keep the calls with attempt == 1.",
            "Use fake_kms.calls.filter('PutKeyPolicy', KeyId='k2') to get all of them, "
            "or give more parameters to single one out.",
        ]
        assert "KMS calls recorded (4):" in str(raised.value)

    def test_any_operation(self, calls: CallList) -> None:
        with pytest.raises(AssertionError, match=r"matching any operation, but 4 matched\."):
            calls.one()
        with pytest.raises(
            AssertionError,
            match=r"matching any operation with Policy='\{\}', but 3 matched\.\n"
            r"Matched: calls 2, 3 and 4\.",
        ):
            calls.one(Policy="{}")

    def test_empty_log(self) -> None:
        with pytest.raises(AssertionError) as raised:
            CallList().one("CreateKey")
        assert str(raised.value) == (
            "Expected exactly one KMS call matching CreateKey, but none matched.\n"
            "No KMS calls were recorded."
        )


class TestRender:
    def test_numbered_summaries(self, calls: CallList) -> None:
        assert calls[:2].render() == (
            "  1. CreateKey(Description='test') -> ok\n"
            "  2. PutKeyPolicy(KeyId='k1', PolicyName='default', Policy='{}') -> ok"
        )

    def test_empty(self) -> None:
        assert CallList().render() == "  (no KMS calls were recorded)"

    def test_limit_elides_the_middle(self) -> None:
        log = CallList(make_call("DescribeKey", KeyId=f"k{i}") for i in range(1, 11))
        assert log.render(limit=4).splitlines() == [
            "  1. DescribeKey(KeyId='k1') -> ok",
            "  2. DescribeKey(KeyId='k2') -> ok",
            "  … 6 calls omitted …",
            "  9. DescribeKey(KeyId='k9') -> ok",
            "  10. DescribeKey(KeyId='k10') -> ok",
        ]
        assert len(log.render(limit=10).splitlines()) == 10

    def test_limit_summarises_only_the_calls_shown(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A failure report stays cheap after 100,000 calls: only the calls it lists are
        summarised."""
        log = CallList(make_call("DescribeKey", KeyId=f"k{i}") for i in range(1, 10_001))
        summarised: list[Call] = []
        original = Call.summary

        def counted(call: Call) -> str:
            summarised.append(call)
            return original(call)

        monkeypatch.setattr(Call, "summary", counted)
        lines = log.render(limit=6).splitlines()
        assert len(summarised) == 6
        assert lines[3] == "  … 9994 calls omitted …"
        assert lines[-1] == "  10000. DescribeKey(KeyId='k10000') -> ok"


# --- CallRecorder -----------------------------------------------------------------------


class TestCallRecorder:
    def test_fields_recorded_become_one_call_when_read(self) -> None:
        """The request path records a call's fields (issue #8): the log makes the Call
        on the first read, once, with every field in place and params frozen."""
        recorder = CallRecorder()
        call = make_call("Encrypt", KeyId=KEY, Plaintext=b"x")
        recorder.record(_fields_of(call))
        recorder.record(make_call("DescribeKey"))
        first = recorder.calls[0]
        assert type(first) is Call
        assert first == call
        assert isinstance(first.params, FrozenDict)
        assert recorder.calls[0] is first  # made once, kept
        assert recorder.calls.operations == ["Encrypt", "DescribeKey"]

    def test_a_report_makes_only_the_calls_it_shows(self) -> None:
        """A failing test's report of 1,000 calls lists 10: only those become Calls;
        iterating the log makes the rest."""
        recorder = CallRecorder()
        for n in range(1000):
            recorder.record(_fields_of(make_call("DescribeKey", attempt=n + 1)))
        assert "… 990 calls omitted …" in recorder.calls.render(limit=10)
        made = [i for i, entry in enumerate(recorder._calls) if type(entry) is Call]
        assert made == [*range(5), *range(995, 1000)]
        assert [call.attempt for call in recorder.calls] == list(range(1, 1001))
        assert all(type(entry) is Call for entry in recorder._calls)

    def test_record_and_read(self) -> None:
        recorder = CallRecorder()
        assert recorder.calls == []
        recorder.record(make_call("CreateKey"))
        recorder.record(make_call("DescribeKey"))
        assert recorder.calls.operations == ["CreateKey", "DescribeKey"]
        assert len(recorder) == 2

    def test_a_snapshot_does_not_grow(self) -> None:
        recorder = CallRecorder()
        recorder.record(make_call("CreateKey"))
        snapshot = recorder.calls
        recorder.record(make_call("DescribeKey"))
        assert snapshot.operations == ["CreateKey"]
        assert snapshot.last.operation == "CreateKey"
        assert list(snapshot) == [snapshot[0]]
        with pytest.raises(IndexError):
            snapshot[1]
        assert len(recorder.calls) == 2

    def test_clear_keeps_earlier_snapshots(self) -> None:
        recorder = CallRecorder()
        recorder.record(make_call("CreateKey"))
        before = recorder.calls
        recorder.clear()
        assert recorder.calls == []
        recorder.record(make_call("DescribeKey"))
        assert before.operations == ["CreateKey"]
        assert recorder.calls.operations == ["DescribeKey"]

    def test_appends_from_many_threads(self) -> None:
        recorder = CallRecorder()
        start = threading.Barrier(8)

        def worker(n: int) -> None:
            start.wait()
            for i in range(1000):
                recorder.record(make_call("Encrypt", KeyId=f"t{n}", Seq=i))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        calls = recorder.calls
        assert len(calls) == 8000
        for n in range(8):
            mine = [call.params["Seq"] for call in calls.filter(KeyId=f"t{n}")]
            assert mine == list(range(1000))

    def test_threads_reading_an_entry_at_once_get_one_call(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two threads that first read the same entry at once (the HTTP server's threads,
        or a test's), one by index and one by iterating, get the very same Call: the entry
        becomes a Call once. Making it is slowed here so that the second read comes while
        the first is still making it."""
        import time

        from pytest_fakekms import recorder as module

        recorder = CallRecorder()
        recorder.record(_fields_of(make_call("DescribeKey", KeyId=KEY)))
        real = module._as_call

        def slow(entry: Any) -> Call:
            time.sleep(0.05)
            return real(entry)

        monkeypatch.setattr(module, "_as_call", slow)
        snapshot = recorder.calls
        start = threading.Barrier(2)
        got: list[Call] = []

        def index() -> None:
            start.wait()
            got.append(snapshot[0])

        def iterate() -> None:
            start.wait()
            got.extend(snapshot)

        threads = [threading.Thread(target=read) for read in (index, iterate)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(got) == 2
        assert got[0] is got[1] is recorder.calls[0]
