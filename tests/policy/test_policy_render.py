"""render_aws / default_policy: GetKeyPolicy's re-serialization (kms-facts §1.3, §2.2)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fakekms.policy import render
from pytest_fakekms.policy.render import default_policy, render_aws, render_document

# Exact text from kms-facts §2.2 (VERIFIED: botocore GetKeyPolicy example, LocalStack snapshot,
# CloudTrail example in the 2023 developer guide).
DEFAULT_111122223333 = """{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}"""


def test_default_policy_is_byte_exact() -> None:
    """kms-facts §2.2: the default key policy text, byte for byte."""
    assert default_policy("111122223333") == DEFAULT_111122223333


def test_default_policy_partition_follows_the_region() -> None:
    """kms-facts §2.2: ``arn:<partition>:iam::<account>:root``."""
    text = default_policy("123456789012", partition="aws-cn")
    assert '"AWS" : "arn:aws-cn:iam::123456789012:root"' in text
    assert text == DEFAULT_111122223333.replace(
        "arn:aws:iam::111122223333", "arn:aws-cn:iam::123456789012"
    )


def test_render_of_parsed_default_is_the_default() -> None:
    """Re-rendering the parsed default policy reproduces it exactly."""
    assert render_aws(json.loads(DEFAULT_111122223333)) == DEFAULT_111122223333


def test_two_statements() -> None:
    """Objects in an array: ``[ {`` … ``}, {`` … ``} ]`` (kms-facts §1.3, aws-cli #9456)."""
    value = {"Statement": [{"Sid": "a"}, {"Sid": "b", "Action": ["kms:Encrypt", "kms:Decrypt"]}]}
    assert render_aws(value) == (
        "{\n"
        '  "Statement" : [ {\n'
        '    "Sid" : "a"\n'
        "  }, {\n"
        '    "Sid" : "b",\n'
        '    "Action" : [ "kms:Encrypt", "kms:Decrypt" ]\n'
        "  } ]\n"
        "}"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({}, "{ }"),
        ([], "[ ]"),
        ({"a": {}}, '{\n  "a" : { }\n}'),
        ({"a": []}, '{\n  "a" : [ ]\n}'),
        ([[1, 2], [], [[3]]], "[ [ 1, 2 ], [ ], [ [ 3 ] ] ]"),
        ([{}, {"k": 1}], '[ { }, {\n  "k" : 1\n} ]'),
        (
            {"a": [{"b": {"c": [1]}}]},
            '{\n  "a" : [ {\n    "b" : {\n      "c" : [ 1 ]\n    }\n  } ]\n}',
        ),
        ([True, False, None], "[ true, false, null ]"),
        ([0, -7, 12345678901234567890], "[ 0, -7, 12345678901234567890 ]"),
        ([1.5, -0.25, 1e20], "[ 1.5, -0.25, 1e+20 ]"),
        ("plain", '"plain"'),
        (42, "42"),
    ],
    ids=repr,
)
def test_layout(value: object, text: str) -> None:
    """Jackson DefaultPrettyPrinter layout: only objects indent; arrays stay inline."""
    assert render_aws(value) == text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("a/b", '"a/b"'),
        ("line\nnext\ttab\rcr\bbs\fff", '"line\\nnext\\ttab\\rcr\\bbs\\fff"'),
        ("\x00\x01\x1f", '"\\u0000\\u0001\\u001F"'),
        ("\x7f", '"\x7f"'),
        ("café ÿ ✓ 😀", '"café ÿ ✓ 😀"'),
    ],
    ids=["quote", "backslash", "slash", "short-escapes", "control", "del", "non-ascii"],
)
def test_string_escaping(raw: str, escaped: str) -> None:
    """Jackson escapes ``"``, ``\\`` and control characters only (upper-case hex)."""
    assert render_aws(raw) == escaped
    assert render_aws({raw: raw}) == "{\n  " + escaped + " : " + escaped + "\n}"


def test_unsupported_type_is_a_type_error() -> None:
    """Only JSON values can be rendered: anything else is a programming error."""
    with pytest.raises(TypeError, match="cannot write a set"):
        render_aws({"a": {1}})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_render_round_trips(value: object) -> None:
    """``json.loads(render_aws(v)) == v`` for any JSON value."""
    assert json.loads(render_aws(value)) == value


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_render_is_idempotent_through_json(value: object) -> None:
    """Rendering the re-parsed rendering gives the same text."""
    text = render_aws(value)
    assert render_aws(json.loads(text)) == text


def _reference_render(value: object, level: int = 0) -> str:
    """The layout of the module docstring, written the plain way: one character at a time
    for strings, one recursion per value. render_aws takes shortcuts (C escaping, arrays of
    strings joined in one go); it must give this text for every value."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        inner = "  " * (level + 1)
        entries = [
            inner + _reference_string(str(k)) + " : " + _reference_render(v, level + 1)
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(entries) + "\n" + "  " * level + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(_reference_render(v, level) for v in value) + " ]"
    if isinstance(value, str):
        return _reference_string(value)
    return json.dumps(value)


def _reference_string(text: str) -> str:
    short = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b"}
    short["\f"] = "\\f"
    out = []
    for char in text:
        if char in short:
            out.append(short[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


# Text that exercises every escaping branch: control characters (upper-case \u00XX), the
# short escapes, and a literal backslash followed by "u", which the C escaper's output
# also contains and which must not be mistaken for an escape.
tricky_text = st.text(
    st.sampled_from(["a", "u", "0", "F", "\\", '"', "\n", "\b", "\x00", "\x1f", "\x7f", "é", "😀"]),
    max_size=12,
)
policy_like = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(tricky_text, min_size=1, max_size=4)  # the arrays-of-strings shortcut
        | st.dictionaries(tricky_text, children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(policy_like)
def test_render_matches_the_plain_reference(value: object) -> None:
    """The shortcuts in render_aws give exactly the documented layout and escaping."""
    assert render_aws(value) == _reference_render(value)


@pytest.mark.parametrize(
    "value",
    [
        {"Action": ["kms:\\u0041", "kms:Encrypt"]},
        {"Sid": "\\u001f"},
        {"Action": ["a\x01", "b"]},
        {"Resource": ["x", 1]},
        {"Statement": [{"Principal": {"AWS": ["\x1f", "arn:aws:iam::111122223333:root"]}}]},
    ],
    ids=["backslash-u-in-array", "backslash-u-value", "control-in-array", "mixed-array", "nest"],
)
def test_render_shortcut_edges(value: object) -> None:
    """Cases next to the shortcuts' edges, pinned (the property test may not draw them)."""
    assert render_aws(value) == _reference_render(value)
    assert json.loads(render_aws(value)) == value


# --- render_document: statement texts kept with the statement objects -------------------

statement_values = st.dictionaries(
    st.sampled_from(["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]),
    policy_like,
    min_size=1,
    max_size=4,
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(statement_values, min_size=1, max_size=6),
    st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=5), min_size=1, max_size=6),
    st.booleans(),
)
def test_render_document_is_render_aws(
    pool: list[dict[str, object]], picks: list[list[int]], single: bool
) -> None:
    """Documents that share statement objects (as parsed documents do) render exactly as
    render_aws renders them, whichever was rendered first and however often."""
    for pick in picks:
        statements = [pool[i % len(pool)] for i in pick]
        document: dict[str, object] = {"Version": "2012-10-17", "Id": str(pick)}
        document["Statement"] = statements[0] if single else statements
        assert render_document(document) == render_aws(document)
        assert render_document(document) == render_aws(document)  # now from what was kept


def test_render_document_after_its_table_was_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_STATEMENT_TEXTS_LIMIT", 2)
    monkeypatch.setattr(render, "_STATEMENT_TEXTS", {})
    statements = [{"Sid": f"s{i}", "Effect": "Allow", "Action": ["kms:*"]} for i in range(5)]
    for _ in range(3):
        document = {"Version": "2012-10-17", "Statement": statements}
        assert render_document(document) == render_aws(document)
    assert len(render._STATEMENT_TEXTS) <= 2


def test_render_document_keeps_documents_that_are_not_policies_exact() -> None:
    for value in ({}, {"Statement": []}, {"Statement": "x"}, {"Statement": [1, {"a": "b"}]}):
        assert render_document(value) == render_aws(value)
