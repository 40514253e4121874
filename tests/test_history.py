"""Unit tests for policy history, statement-level diffs and the history assertion."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from pytest_fakekms.history import (
    PolicyHistory,
    PolicyVersion,
    assert_policy_history,
    diff_documents,
    policy_repr_compare,
)

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
CALLER = "arn:aws:iam::123456789012:role/fakekms-caller"
ROOT = "arn:aws:iam::123456789012:root"


def statement(sid: str | None = "Admin", **elements: Any) -> dict[str, Any]:
    """An Allow-everything statement for the account root, with overrides."""
    body: dict[str, Any] = {} if sid is None else {"Sid": sid}
    body.update(Effect="Allow", Principal={"AWS": ROOT}, Action="kms:*", Resource="*")
    body.update(elements)
    return body


def document(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A policy document with the given statements."""
    return {"Version": "2012-10-17", **top, "Statement": list(statements)}


def version(
    doc: dict[str, Any], operation: str = "PutKeyPolicy", seconds: int = 0, **overrides: Any
) -> PolicyVersion:
    """A PolicyVersion set ``seconds`` after T0."""
    fields: dict[str, Any] = {
        "document": doc,
        "text": json.dumps(doc),
        "policy_name": "default",
        "set_at": T0 + timedelta(seconds=seconds),
        "set_by": CALLER,
        "bypass_lockout_check": False,
        "operation": operation,
    }
    fields.update(overrides)
    return PolicyVersion(**fields)


BASE = document(statement())
NEW = document(statement(Action=["kms:Decrypt"]))


# --- PolicyVersion and PolicyHistory -----------------------------------------------------


class TestPolicyVersion:
    def test_document_is_read_only(self) -> None:
        v = version(document(statement()))
        with pytest.raises(TypeError):
            v.document["Statement"][0]["Action"] = "kms:Decrypt"
        with pytest.raises(TypeError):
            v.document["Statement"].append({})

    def test_equality_is_by_value(self) -> None:
        assert version(BASE) == version(json.loads(json.dumps(BASE)))
        assert version(BASE) != version(NEW)
        assert version(BASE).document == BASE

    def test_describe(self) -> None:
        assert version(BASE, "CreateKey").describe() == (
            f"CreateKey by {CALLER} at 2024-01-01T00:00:00+00:00"
        )
        assert version(BASE, bypass_lockout_check=True, policy_name="other").describe() == (
            f"PutKeyPolicy by {CALLER} at 2024-01-01T00:00:00+00:00, "
            "policy name 'other', lockout safety check bypassed"
        )


class TestPolicyHistory:
    def test_append_and_read(self) -> None:
        history = PolicyHistory()
        first, second = version(BASE, "CreateKey"), version(NEW, seconds=5)
        history.append("k1", first)
        history.append("k1", second)
        history.append("k2", first)
        assert history.versions("k1") == [first, second]
        assert history.versions("k2") == [first]
        assert history.versions("unknown") == []

    def test_a_put_becomes_one_version_when_read(self) -> None:
        """The request path records a put as a tuple (issue #8): read back, it is the
        version ``append`` would hold, made once, in order with the others."""
        history = PolicyHistory()
        history.created_with("k1", BASE, json.dumps(BASE), T0, ROOT)
        text = json.dumps(NEW)
        history.put("k1", text, T0 + timedelta(seconds=5), CALLER, bypass=True, operation="X")
        history.append("k1", version(NEW, seconds=9))
        created, put, appended = history.versions("k1")
        assert created.operation == "CreateKey"
        assert put == version(NEW, "X", seconds=5, bypass_lockout_check=True)
        assert put.document == NEW  # parsed from the text when first read
        assert history.versions("k1")[1] is put
        assert appended == version(NEW, seconds=9)

    def test_versions_returns_a_copy(self) -> None:
        history = PolicyHistory()
        history.append("k1", version(BASE))
        history.versions("k1").clear()
        assert len(history.versions("k1")) == 1

    def test_appends_from_many_threads(self) -> None:
        history = PolicyHistory()
        v = version(BASE)

        def worker() -> None:
            for _ in range(500):
                history.append("k1", v)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(history.versions("k1")) == 2000


# --- diff_documents ----------------------------------------------------------------------


class TestDiffDocuments:
    def test_equal_documents(self) -> None:
        reordered = {
            "Statement": [dict(reversed(list(statement().items())))],
            "Version": "2012-10-17",
        }
        assert diff_documents(BASE, reordered) == []

    def test_statement_added(self) -> None:
        actual = document(statement(), statement("Deny", Effect="Deny", Action="kms:Delete*"))
        assert diff_documents(BASE, actual) == [
            "Sid 'Deny' added: {'Sid': 'Deny', 'Effect': 'Deny', 'Principal': "
            f"{{'AWS': '{ROOT}'}}, 'Action': 'kms:Delete*', 'Resource': '*'}}"
        ]

    def test_statement_removed(self) -> None:
        expected = document(statement(), statement("Audit", Action="kms:Describe*"))
        assert diff_documents(expected, BASE) == [
            "Sid 'Audit' removed: {'Sid': 'Audit', 'Effect': 'Allow', 'Principal': "
            f"{{'AWS': '{ROOT}'}}, 'Action': 'kms:Describe*', 'Resource': '*'}}"
        ]

    def test_action_changed(self) -> None:
        expected = document(statement(Action=["kms:*"]))
        assert diff_documents(expected, NEW) == [
            "Sid 'Admin' changed: Action ['kms:*'] -> ['kms:Decrypt']"
        ]

    def test_string_and_one_element_list_differ(self) -> None:
        assert diff_documents(BASE, document(statement(Action=["kms:*"]))) == [
            "Sid 'Admin' changed: Action 'kms:*' -> ['kms:*']"
        ]

    def test_principal_changed(self) -> None:
        role = "arn:aws:iam::123456789012:role/admin"
        actual = document(statement(Principal={"AWS": role}))
        assert diff_documents(BASE, actual) == [
            f"Sid 'Admin' changed: Principal['AWS'] '{ROOT}' -> '{role}'"
        ]

    def test_principal_form_changed(self) -> None:
        assert diff_documents(BASE, document(statement(Principal="*"))) == [
            f"Sid 'Admin' changed: Principal {{'AWS': '{ROOT}'}} -> '*'"
        ]

    def test_condition_changed(self) -> None:
        expected = document(
            statement(Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}})
        )
        actual = document(
            statement(
                Condition={
                    "StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"},
                    "Bool": {"aws:SecureTransport": "true"},
                }
            )
        )
        assert diff_documents(expected, actual) == [
            "Sid 'Admin' changed: Condition['StringEquals']['kms:ViaService'] "
            "'s3.us-east-1.amazonaws.com' -> 'ec2.us-east-1.amazonaws.com'",
            "Sid 'Admin' changed: Condition['Bool'] (absent) -> {'aws:SecureTransport': 'true'}",
        ]

    def test_condition_added_and_boolean_not_string(self) -> None:
        actual = document(statement(Condition={"Bool": {"aws:SecureTransport": True}}))
        expected = document(statement(Condition={"Bool": {"aws:SecureTransport": "true"}}))
        assert diff_documents(BASE, actual) == [
            "Sid 'Admin' changed: Condition (absent) -> {'Bool': {'aws:SecureTransport': True}}"
        ]
        assert diff_documents(expected, actual) == [
            "Sid 'Admin' changed: Condition['Bool']['aws:SecureTransport'] 'true' -> True"
        ]

    def test_several_elements_changed(self) -> None:
        actual = document(statement(Effect="Deny", NotAction="kms:Decrypt", Resource=["*"]))
        del actual["Statement"][0]["Action"]
        assert diff_documents(BASE, actual) == [
            "Sid 'Admin' changed: Effect 'Allow' -> 'Deny'",
            "Sid 'Admin' changed: Action 'kms:*' -> (absent)",
            "Sid 'Admin' changed: NotAction (absent) -> 'kms:Decrypt'",
            "Sid 'Admin' changed: Resource '*' -> ['*']",
        ]

    def test_version_and_id_changed(self) -> None:
        actual = {**BASE, "Version": "2008-10-17", "Id": "key-consolepolicy-3"}
        assert diff_documents(BASE, actual) == [
            "Version '2012-10-17' -> '2008-10-17'",
            "Id (absent) -> 'key-consolepolicy-3'",
        ]

    def test_statements_without_sid_pair_by_position(self) -> None:
        expected = document(
            statement(None), statement("Named"), statement(None, Action="kms:Encrypt")
        )
        actual = document(
            statement(None), statement("Named"), statement(None, Action="kms:Decrypt")
        )
        assert diff_documents(expected, actual) == [
            "Statement 3 (no Sid) changed: Action 'kms:Encrypt' -> 'kms:Decrypt'"
        ]

    def test_extra_statement_without_sid(self) -> None:
        actual = document(statement(None), statement(None, Effect="Deny"))
        assert diff_documents(document(statement(None)), actual) == [
            "Statement 2 (no Sid) added: {'Effect': 'Deny', 'Principal': "
            f"{{'AWS': '{ROOT}'}}, 'Action': 'kms:*', 'Resource': '*'}}"
        ]

    def test_statement_order(self) -> None:
        a, b = statement("A"), statement("B")
        assert diff_documents(document(a, b), document(b, a)) == [
            "Statement order [Sid 'A', Sid 'B'] -> [Sid 'B', Sid 'A']"
        ]

    def test_single_statement_object_versus_list(self) -> None:
        single = {"Version": "2012-10-17", "Statement": statement()}
        assert diff_documents(single, BASE) == ["Statement a single object -> a list"]

    def test_missing_statement(self) -> None:
        assert diff_documents({"Version": "2012-10-17"}, BASE) == [
            "Statement (absent) -> [{'Sid': 'Admin', 'Effect': 'Allow', 'Principal': "
            f"{{'AWS': '{ROOT}'}}, 'Action': 'kms:*', 'Resource': '*'}}]"
        ]


# --- assert_policy_history ---------------------------------------------------------------


class TestAssertPolicyHistory:
    def test_passes_with_dicts_and_json_text(self) -> None:
        history = [version(BASE, "CreateKey"), version(NEW, seconds=5)]
        text = json.dumps(json.loads(json.dumps(NEW)), indent=4, sort_keys=True)
        assert_policy_history(history, [BASE, text])
        assert_policy_history(history, (BASE, NEW))
        assert_policy_history([], [])

    def test_a_version_differs(self) -> None:
        history = [version(BASE, "CreateKey"), version(NEW, seconds=5)]
        with pytest.raises(AssertionError) as raised:
            assert_policy_history(history, [BASE, BASE])
        assert str(raised.value) == (
            "Policy history does not match: the key has 2 versions as expected, "
            "but version 2 differs.\n"
            f"Version 2 (PutKeyPolicy by {CALLER} at 2024-01-01T00:00:05+00:00) differs "
            "(expected -> actual):\n"
            "  Sid 'Admin' changed: Action 'kms:*' -> ['kms:Decrypt']\n"
            "Policy versions recorded (2):\n"
            f"  1. CreateKey by {CALLER} at 2024-01-01T00:00:00+00:00\n"
            f"  2. PutKeyPolicy by {CALLER} at 2024-01-01T00:00:05+00:00"
        )

    def test_an_extra_version(self) -> None:
        history = [version(BASE, "CreateKey"), version(NEW, seconds=5), version(BASE, seconds=9)]
        with pytest.raises(AssertionError) as raised:
            assert_policy_history(history, [BASE, NEW])
        assert str(raised.value) == (
            "Policy history does not match: expected 2 versions, but the key has 3.\n"
            f"Version 3 was not expected: PutKeyPolicy by {CALLER} at 2024-01-01T00:00:09+00:00\n"
            "Policy versions recorded (3):\n"
            f"  1. CreateKey by {CALLER} at 2024-01-01T00:00:00+00:00\n"
            f"  2. PutKeyPolicy by {CALLER} at 2024-01-01T00:00:05+00:00\n"
            f"  3. PutKeyPolicy by {CALLER} at 2024-01-01T00:00:09+00:00"
        )

    def test_a_missing_version(self) -> None:
        with pytest.raises(AssertionError) as raised:
            assert_policy_history([version(BASE, "CreateKey")], [BASE, NEW])
        assert str(raised.value) == (
            "Policy history does not match: expected 2 versions, but the key has 1.\n"
            "Version 2 is missing: expected {'Version': '2012-10-17', 'Statement': "
            f"[{{'Sid': 'Admin', 'Effect': 'Allow', 'Principal': {{'AWS': '{ROOT}'}}, "
            "'Action': ['kms:Decrypt'], 'Resource': '*'}]}\n"
            "Policy versions recorded (1):\n"
            f"  1. CreateKey by {CALLER} at 2024-01-01T00:00:00+00:00"
        )

    def test_hint_when_the_creation_policy_was_left_out(self) -> None:
        history = [version(BASE, "CreateKey"), version(NEW, seconds=5)]
        with pytest.raises(AssertionError) as raised:
            assert_policy_history(history, [NEW])
        message = str(raised.value)
        assert message.startswith(
            "Policy history does not match: expected 1 version, but the key has 2.\n"
            f"Version 1 (CreateKey by {CALLER} at 2024-01-01T00:00:00+00:00) differs "
            "(expected -> actual):\n"
            "  Sid 'Admin' changed: Action ['kms:Decrypt'] -> 'kms:*'\n"
            f"Version 2 was not expected: PutKeyPolicy by {CALLER} at 2024-01-01T00:00:05+00:00\n"
            "Hint: the history starts with the policy set by CreateKey"
        )

    def test_no_history_at_all(self) -> None:
        with pytest.raises(AssertionError, match=r"^Policy history does not match: expected 1 "):
            assert_policy_history([], [BASE])

    def test_accepts_policy_versions_as_expected(self) -> None:
        assert_policy_history([version(BASE)], [version(json.loads(json.dumps(BASE)), seconds=3)])

    def test_invalid_json_is_a_usage_error(self) -> None:
        with pytest.raises(ValueError, match=r"expected\[1\] is not valid JSON"):
            assert_policy_history([version(BASE), version(NEW)], [BASE, "{not json"])

    def test_a_single_document_is_a_usage_error(self) -> None:
        with pytest.raises(TypeError, match=r"wrap a single document in a list: \[document\]"):
            assert_policy_history([version(BASE)], BASE)  # type: ignore[arg-type]

    def test_other_types_are_a_usage_error(self) -> None:
        with pytest.raises(TypeError, match=r"expected\[0\] must be a policy document"):
            assert_policy_history([version(BASE)], [42])  # type: ignore[list-item]


# --- policy_repr_compare -----------------------------------------------------------------


class TestPolicyReprCompare:
    def test_documents(self) -> None:
        assert policy_repr_compare(BASE, NEW) == [
            "{'Version': '2012-10-17', 'Statement': … == {'Version': '2012-10-17', 'Statement': …",
            "Policy differences (left -> right):",
            "  Sid 'Admin' changed: Action 'kms:*' -> ['kms:Decrypt']",
        ]

    def test_versions(self) -> None:
        left = version(BASE, "CreateKey")
        right = version(NEW, seconds=5, set_by=ROOT)
        assert policy_repr_compare(left, right) == [
            "PolicyVersion(CreateKey at 2024-01-01T00:00:00+00:00) == "
            "PolicyVersion(PutKeyPolicy at 2024-01-01T00:00:05+00:00)",
            "Policy differences (left -> right):",
            "  Sid 'Admin' changed: Action 'kms:*' -> ['kms:Decrypt']",
            "  set_at 2024-01-01T00:00:00+00:00 -> 2024-01-01T00:00:05+00:00",
            f"  set_by '{CALLER}' -> '{ROOT}'",
            "  operation 'CreateKey' -> 'PutKeyPolicy'",
        ]

    def test_versions_with_the_same_document_but_other_text(self) -> None:
        left = version(BASE)
        right = version(BASE, text=json.dumps(BASE, indent=2))
        lines = policy_repr_compare(left, right)
        assert lines is not None
        assert lines[2].startswith('  text \'{"Version": "2012-10-17", ')

    @pytest.mark.parametrize(
        ("left", "right"),
        [
            (BASE, BASE),
            ({"a": 1}, {"a": 2}),
            (BASE, "text"),
            (version(BASE), BASE),
            (version(BASE), version(BASE)),
        ],
    )
    def test_not_for_us(self, left: object, right: object) -> None:
        assert policy_repr_compare(left, right) is None
