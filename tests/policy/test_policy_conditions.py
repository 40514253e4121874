"""Condition operators as in IAM (api.md §7).

Source for the semantics: IAM User Guide, reference_policies_elements_condition_operators
(absent keys, negated operators, IfExists, Null) and reference_policies_multi-value-conditions
(AND/OR/NOR, ForAnyValue/ForAllValues).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pytest_fakekms.policy.conditions import FAMILIES, compile_condition, compile_conditions

ABSENT = object()
KEY = "kms:Thing"


def holds(operator: str, policy_value: object, context_value: object = ABSENT) -> bool:
    """Compile ``{operator: {KEY: policy_value}}`` and decide it for one context value."""
    context = {} if context_value is ABSENT else {KEY.lower(): context_value}
    return compile_condition(operator, KEY, policy_value).holds(context)


def check(operator: str, policy_value: object, cases: list[tuple[object, bool]]) -> None:
    """Assert ``holds`` for each (context value, expected) pair, naming the failing one."""
    results = [(ctx, holds(operator, policy_value, ctx)) for ctx, _ in cases]
    assert results == [(ctx, expected) for ctx, expected in cases]


# --- string ---------------------------------------------------------------------------


def test_string_equals_is_exact_and_case_sensitive() -> None:
    """StringEquals: exact, case-sensitive; several policy values are OR'd."""
    check("StringEquals", ["alpha", "beta"], [("alpha", True), ("beta", True), ("Alpha", False)])
    check("StringEquals", "a*", [("abc", False), ("a*", True)])


def test_string_not_equals_is_nor() -> None:
    """StringNotEquals with several values: true when the value matches none of them."""
    check("StringNotEquals", ["alpha", "beta"], [("alpha", False), ("beta", False), ("c", True)])


def test_string_ignore_case() -> None:
    """StringEqualsIgnoreCase / StringNotEqualsIgnoreCase ignore case."""
    check("StringEqualsIgnoreCase", "Alpha", [("ALPHA", True), ("alpha", True), ("alp", False)])
    check("StringNotEqualsIgnoreCase", "Alpha", [("ALPHA", False), ("beta", True)])


def test_string_like_wildcards() -> None:
    """StringLike: ``*`` any run, ``?`` one character, case-sensitive, whole value."""
    check(
        "StringLike",
        ["arn:aws:iam::*:role/admin-?", "exact"],
        [
            ("arn:aws:iam::111122223333:role/admin-1", True),
            ("arn:aws:iam::111122223333:role/admin-12", False),
            ("arn:aws:iam::111122223333:role/Admin-1", False),
            ("exact", True),
            ("exactly", False),
            ("a.b", False),
        ],
    )
    check("StringLike", "a.b[c]", [("a.b[c]", True), ("axb[c]", False)])
    check("StringLike", "line*", [("line1\nline2", True)])


def test_string_not_like() -> None:
    """StringNotLike: true when no pattern matches."""
    check("StringNotLike", ["a*", "b*"], [("abc", False), ("bcd", False), ("cde", True)])


def test_string_operators_compare_non_strings_as_text() -> None:
    """Context booleans and numbers compare as their JSON text (``true``, ``42``)."""
    check("StringEquals", "true", [(True, True), (False, False)])
    check("StringEquals", 42, [(42, True), ("42", True), (43, False)])


# --- ARN ------------------------------------------------------------------------------

ROLE = "arn:aws:iam::111122223333:role/admin"


@pytest.mark.parametrize("operator", ["ArnEquals", "ArnLike"])
def test_arn_equals_and_like_match_segment_wise(operator: str) -> None:
    """ArnEquals/ArnLike: each of the six ARN parts matched on its own, wildcards allowed."""
    check(
        operator,
        "arn:aws:iam::*:role/*",
        [
            (ROLE, True),
            ("arn:aws:iam::444455556666:role/path/other", True),
            ("arn:aws:iam::111122223333:user/admin", False),
            ("arn:aws:sts::111122223333:role/admin", False),
            ("not-an-arn", False),
        ],
    )
    # "*" in a part before the resource does not run across a colon.
    check(operator, "arn:*:iam::111122223333:role/admin", [(ROLE, True)])
    check(
        operator,
        "arn:*:iam::111122223333:role/admin",
        [("arn:a:b:iam::111122223333:role/admin", False)],
    )
    # A pattern that is not six parts matches nothing, except a lone "*".
    check(operator, "arn:aws:*:role/admin", [(ROLE, False)])
    check(operator, "*", [(ROLE, True), ("anything", True)])
    check(operator, ROLE, [(ROLE, True), (ROLE + "x", False)])


@pytest.mark.parametrize("operator", ["ArnNotEquals", "ArnNotLike"])
def test_arn_negated(operator: str) -> None:
    """ArnNotEquals/ArnNotLike: true when no pattern matches."""
    check(operator, ["arn:aws:iam::*:role/admin"], [(ROLE, False), (ROLE + "2", True)])


# --- numeric ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("NumericEquals", [False, True, False]),
        ("NumericNotEquals", [True, False, True]),
        ("NumericLessThan", [True, False, False]),
        ("NumericLessThanEquals", [True, True, False]),
        ("NumericGreaterThan", [False, False, True]),
        ("NumericGreaterThanEquals", [False, True, True]),
    ],
)
def test_numeric_operators(operator: str, expected: list[bool]) -> None:
    """Numeric*: compare as numbers; context numbers or numeric strings (4 < 5 < 6)."""
    check(operator, "5", list(zip([4, 5.0, "6"], expected, strict=True)))


def test_numeric_unreadable_values_never_match() -> None:
    """A value that is not a number never matches (so the negated form holds)."""
    check("NumericEquals", "five", [(5, False)])
    check("NumericEquals", 5, [("five", False), (True, False), (10**400, False), (None, False)])
    check("NumericNotEquals", 5, [("five", True)])


# --- date ------------------------------------------------------------------------------

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("DateEquals", [False, True, False]),
        ("DateNotEquals", [True, False, True]),
        ("DateLessThan", [True, False, False]),
        ("DateLessThanEquals", [True, True, False]),
        ("DateGreaterThan", [False, False, True]),
        ("DateGreaterThanEquals", [False, True, True]),
    ],
)
def test_date_operators(operator: str, expected: list[bool]) -> None:
    """Date*: ISO 8601 or epoch seconds on either side, datetimes in the context."""
    before = "2024-05-01T11:59:59Z"
    after = int((NOON + timedelta(seconds=1)).timestamp())
    check(operator, "2024-05-01T12:00:00Z", list(zip([before, NOON, after], expected, strict=True)))


def test_date_forms() -> None:
    """Policy dates as ISO with offset, date only, or epoch; naive datetimes are UTC."""
    check("DateEquals", "2024-05-01T14:00:00+02:00", [(NOON, True)])
    check("DateEquals", str(int(NOON.timestamp())), [(NOON, True)])
    check("DateEquals", "2024-05-01", [(datetime(2024, 5, 1), True)])
    check("DateLessThan", "2024-05-01T12:00:01Z", [(NOON.replace(tzinfo=None), True)])
    check("DateEquals", "yesterday", [(NOON, False)])
    check("DateEquals", "2024-05-01T12:00:00Z", [("noon", False), ([], False)])


# --- bool, binary, IP, Null ---------------------------------------------------------------


def test_bool() -> None:
    """Bool: ``true``/``false`` (any case) against context booleans or their text."""
    check("Bool", "true", [(True, True), (False, False), ("TRUE", True), ("yes", False)])
    check("Bool", False, [(False, True), (True, False), ("false", True)])


def test_binary_equals() -> None:
    """BinaryEquals: base64 in the policy, bytes or base64 in the context."""
    check(
        "BinaryEquals",
        "QmluYXJ5VmFsdWU=",
        [(b"BinaryValue", True), ("QmluYXJ5VmFsdWU=", True), (b"Other", False), ("!!", False)],
    )
    check("BinaryEquals", "not base64!", [(b"", False)])


def test_ip_address() -> None:
    """IpAddress/NotIpAddress: CIDR ranges, IPv4 and IPv6."""
    ranges = ["203.0.113.0/24", "2001:db8::/32"]
    check(
        "IpAddress",
        ranges,
        [("203.0.113.7", True), ("198.51.100.1", False), ("2001:db8::1", True), ("x", False)],
    )
    check("NotIpAddress", ranges, [("203.0.113.7", False), ("198.51.100.1", True)])
    check("IpAddress", "203.0.113.7", [("203.0.113.7", True)])
    check("IpAddress", "bogus", [("203.0.113.7", False)])


def test_null() -> None:
    """Null: ``true`` holds when the key is absent, ``false`` when it is present."""
    check("Null", "true", [(ABSENT, True), ("x", False), (None, True), ([], True)])
    check("Null", "false", [(ABSENT, False), ("x", True), (False, True)])
    check("Null", True, [(ABSENT, True)])


# --- absent keys and IfExists ------------------------------------------------------------

POSITIVE = [
    ("StringEquals", "v"),
    ("StringEqualsIgnoreCase", "v"),
    ("StringLike", "v*"),
    ("ArnEquals", ROLE),
    ("ArnLike", ROLE),
    ("NumericEquals", "1"),
    ("NumericLessThan", "1"),
    ("DateEquals", "2024-05-01"),
    ("Bool", "true"),
    ("BinaryEquals", "AA=="),
    ("IpAddress", "10.0.0.0/8"),
]
NEGATED = [
    ("StringNotEquals", "v"),
    ("StringNotEqualsIgnoreCase", "v"),
    ("StringNotLike", "v*"),
    ("ArnNotEquals", ROLE),
    ("ArnNotLike", ROLE),
    ("NumericNotEquals", "1"),
    ("DateNotEquals", "2024-05-01"),
    ("NotIpAddress", "10.0.0.0/8"),
]


@pytest.mark.parametrize(("operator", "value"), POSITIVE)
def test_absent_key_makes_positive_operators_false(operator: str, value: str) -> None:
    """IAM: a key absent from the request context makes the condition false."""
    assert holds(operator, value) is False
    assert holds(operator, value, None) is False
    assert holds(operator, value, []) is False


@pytest.mark.parametrize(("operator", "value"), NEGATED)
def test_absent_key_makes_negated_operators_true(operator: str, value: str) -> None:
    """IAM: "If the policy condition requires that the key is not matched, such as
    StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
    """
    assert holds(operator, value) is True


@pytest.mark.parametrize(("operator", "value"), POSITIVE + NEGATED)
def test_if_exists_holds_when_absent_and_tests_when_present(operator: str, value: str) -> None:
    """``...IfExists``: true when the key is absent, else the plain operator's answer."""
    assert holds(operator + "IfExists", value) is True
    for present in ("v", ROLE, "1", "2024-05-01", "true", b"\0", "10.1.2.3", "zzz"):
        assert holds(operator + "IfExists", value, present) == holds(operator, value, present)


def test_every_family_is_known() -> None:
    """The operator table covers every family api.md §7 lists."""
    assert set(FAMILIES) == {op for op, _ in POSITIVE + NEGATED} | {
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Null",
    }


# --- multi-valued keys and set qualifiers ------------------------------------------------


def test_for_any_value() -> None:
    """ForAnyValue: some context value satisfies the operator; absent -> false."""
    op = "ForAnyValue:StringEquals"
    check(op, ["a", "b"], [(["x", "b"], True), (["x", "y"], False), (ABSENT, False), ([], False)])
    check("ForAnyValue:StringNotEquals", ["a"], [(["a", "x"], True), (["a"], False)])
    assert holds("ForAnyValue:StringEqualsIfExists", "a") is True


def test_for_all_values() -> None:
    """ForAllValues: every context value satisfies the operator; absent -> true."""
    op = "ForAllValues:StringLike"
    check(op, ["a*", "b*"], [(["ax", "bx"], True), (["ax", "cx"], False), (ABSENT, True)])
    check(op, "a*", [([], True), (None, True), ("ax", True)])
    check("ForAllValues:StringNotEquals", ["a"], [(["x", "y"], True), (["x", "a"], False)])


def test_multi_valued_key_without_qualifier_behaves_like_any() -> None:
    """Without a qualifier a positive operator holds if any context value matches,
    and a negated one if no context value matches."""
    check("StringEquals", "b", [(["a", "b"], True), (("a", "c"), False), ({"b"}, True)])
    check("StringNotEquals", "b", [(["a", "b"], False), (["a", "c"], True)])


# --- blocks: AND across keys and operators ----------------------------------------------


def test_keys_and_operators_are_anded() -> None:
    """Multiple keys, and multiple operators, must all hold."""
    conditions = compile_conditions(
        {
            "StringEquals": {"aws:PrincipalAccount": "111122223333", "aws:RequestedRegion": "x"},
            "Bool": {"aws:SecureTransport": "true"},
        }
    )
    good: dict[str, object] = {
        "aws:principalaccount": "111122223333",
        "aws:requestedregion": "x",
        "aws:securetransport": True,
    }
    assert all(c.holds(good) for c in conditions)
    for key in good:
        assert not all(c.holds({**good, key: "other"}) for c in conditions)


def test_condition_keys_are_case_insensitive() -> None:
    """IAM: context key names are not case-sensitive (looked up lower-cased)."""
    (cond,) = compile_conditions({"StringEquals": {"AWS:PrincipalARN": "x"}})
    assert cond.key == "AWS:PrincipalARN"
    assert cond.holds({"aws:principalarn": "x"})
