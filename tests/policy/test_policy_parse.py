"""parse_policy: the key-policy grammar (kms-facts §0 rows 12-17, §1.2; api.md §7)."""

from __future__ import annotations

import json

import pytest

from pytest_fakekms import errors
from pytest_fakekms.errors import KMSError
from pytest_fakekms.policy.document import Principal, parse_policy

ROOT = "arn:aws:iam::111122223333:root"
MALFORMED = "MalformedPolicyDocumentException"


def statement(**changes: object) -> dict[str, object]:
    """A valid statement, with ``changes`` applied (value None deletes the element)."""
    base: dict[str, object] = {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": "kms:*",
        "Resource": "*",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def policy_text(*statements: dict[str, object], **top: object) -> str:
    """Policy JSON text with the given statements (default: one valid statement)."""
    doc: dict[str, object] = {
        "Version": "2012-10-17",
        "Statement": list(statements or [statement()]),
    }
    doc.update(top)
    return json.dumps({k: v for k, v in doc.items() if v is not None})


def malformed(text: str) -> str:
    """Parse ``text``, expect MalformedPolicyDocumentException, return its message."""
    with pytest.raises(KMSError) as info:
        parse_policy(text)
    assert info.value.code == MALFORMED
    assert info.value.status == 400
    assert info.value.message
    return info.value.message


# --- valid documents ----------------------------------------------------------------------


def test_default_policy_parses_into_its_parts() -> None:
    """The default key policy (kms-facts §2.2) parses into one Allow statement."""
    doc = parse_policy(policy_text(Id="key-default-1"))
    assert doc.version == "2012-10-17"
    assert doc.id == "key-default-1"
    (st,) = doc.statements
    assert st.sid == "Enable IAM User Permissions"
    assert st.effect == "Allow"
    assert st.principal == Principal(aws=(ROOT,))
    assert st.not_principal is None
    assert st.action == ("kms:*",)
    assert st.not_action is None
    assert st.resource == ("*",)
    assert st.not_resource is None
    assert st.condition == ()
    assert doc.value == json.loads(policy_text(Id="key-default-1"))


def test_statement_may_be_a_single_object() -> None:
    """IAM grammar: ``Statement`` is an object or a list of objects."""
    doc = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": statement()}))
    assert len(doc.statements) == 1


def test_missing_version_means_2008_10_17() -> None:
    """IAM: without Version the policy language defaults to 2008-10-17."""
    assert parse_policy(policy_text(Version=None)).version == "2008-10-17"


def test_version_2008_is_accepted() -> None:
    """IAM allows exactly two Version values."""
    assert parse_policy(policy_text(Version="2008-10-17")).version == "2008-10-17"


def test_sid_may_contain_spaces_and_be_absent() -> None:
    """Key-policy Sids may contain spaces (kms-facts §1.2)."""
    doc = parse_policy(policy_text(statement(Sid="a b c"), statement(Sid=None)))
    assert [s.sid for s in doc.statements] == ["a b c", None]


def test_not_forms_are_parsed() -> None:
    """NotPrincipal/NotAction/NotResource stand in for their positive forms."""
    st = statement(
        Principal=None,
        NotPrincipal={"AWS": [ROOT, "123456789012"]},
        Action=None,
        NotAction=["kms:Encrypt", "kms:Decrypt"],
        Resource=None,
        NotResource="arn:aws:kms:*:*:key/*",
    )
    (parsed,) = parse_policy(policy_text(st)).statements
    assert parsed.principal is None
    assert parsed.not_principal == Principal(aws=(ROOT, "123456789012"))
    assert parsed.not_action == ("kms:Encrypt", "kms:Decrypt")
    assert parsed.not_resource == ("arn:aws:kms:*:*:key/*",)


def test_principal_star_and_every_principal_type() -> None:
    """Principal is ``"*"`` or an object keyed by principal type."""
    star = parse_policy(policy_text(statement(Principal="*"))).statements[0]
    assert star.principal == Principal(everyone=True)
    typed = statement(
        Principal={
            "AWS": "*",
            "Service": ["logs.amazonaws.com"],
            "Federated": "accounts.google.com",
            "CanonicalUser": "a" * 64,
        }
    )
    (st,) = parse_policy(policy_text(typed)).statements
    assert st.principal is not None
    assert list(st.principal.items()) == [
        ("AWS", "*"),
        ("Service", "logs.amazonaws.com"),
        ("Federated", "accounts.google.com"),
        ("CanonicalUser", "a" * 64),
    ]


@pytest.mark.parametrize("action", ["*", "kms:*", "kms:Put*", "kms:Get?eyPolicy", "KMS:encrypt"])
def test_action_shapes_accepted(action: str) -> None:
    """Actions are ``*`` or ``service:action`` with ``*``/``?`` wildcards."""
    assert parse_policy(policy_text(statement(Action=action))).statements[0].action == (action,)


def test_conditions_are_compiled() -> None:
    """Condition values may be strings, numbers or booleans, alone or in lists."""
    cond = {
        "StringEquals": {"kms:CallerAccount": ["111122223333", "444455556666"]},
        "Bool": {"aws:SecureTransport": True},
        "NumericLessThan": {"kms:GrantCount": 5},
    }
    (st,) = parse_policy(policy_text(statement(Condition=cond))).statements
    assert [(c.operator, c.key, c.values) for c in st.condition] == [
        ("StringEquals", "kms:CallerAccount", ("111122223333", "444455556666")),
        ("Bool", "aws:SecureTransport", ("true",)),
        ("NumericLessThan", "kms:GrantCount", ("5",)),
    ]


def test_empty_condition_block_is_accepted() -> None:
    """An empty Condition object constrains nothing."""
    assert parse_policy(policy_text(statement(Condition={}))).statements[0].condition == ()


def test_parse_is_cached_by_text() -> None:
    """The same text gives the same immutable document object (the parse is cached)."""
    text = policy_text(statement(Sid="cache me"))
    assert parse_policy(text) is parse_policy(text)


# --- AWS's messages on record -----------------------------------------------------------


def test_statement_without_principal() -> None:
    """kms-facts §0 row 13 (VERIFIED): the exact AWS text."""
    message = malformed(policy_text(statement(Principal=None)))
    assert message == "Policy contains a statement with no principal."
    assert message == errors.NO_PRINCIPAL_MESSAGE


@pytest.mark.parametrize(
    "principal",
    [
        ROOT,  # a bare ARN string: only "*" may stand alone
        "",
        None,
        {},
        {"AWS": []},
        {"AWS": None},
        {"AWS": ROOT, "Service": None},
        {"AWS": [ROOT, 5]},
        {"AWS": {"x": ROOT}},
        {"IAM": ROOT},
        {"aws": ROOT},
        ["*"],
        7,
    ],
    ids=repr,
)
def test_principal_shapes_rejected_as_invalid_principals(principal: object) -> None:
    """A principal AWS cannot use gets the invalid-principals text (kms-facts §0 row 14)."""
    st = statement()
    st["Principal"] = principal  # None here is JSON null, not "absent"
    assert malformed(policy_text(st)) == errors.INVALID_PRINCIPALS_MESSAGE
    assert errors.INVALID_PRINCIPALS_MESSAGE == (
        "Policy contains a statement with one or more invalid principals."
    )


def test_not_principal_shapes_are_checked_too() -> None:
    """NotPrincipal follows the same grammar as Principal (kms-facts §0 row 14)."""
    st = statement(Principal=None, NotPrincipal={"AWS": []})
    assert malformed(policy_text(st)) == errors.INVALID_PRINCIPALS_MESSAGE


# --- our wording (AWS's text is not on record, kms-facts §0 rows 12, 16, 17) ------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not a real policy statement", "Policy is not valid JSON"),
        ("", "Policy is not valid JSON"),
        ('{"Version": "2012-10-17",', "Policy is not valid JSON"),
        ('{"Statement": [{"Effect": "Allow", "x": NaN}]}', "NaN is not a JSON number"),
        ('{"Statement": [], "n": Infinity}', "Infinity is not a JSON number"),
        ('{"Statement": [], "n": 1e400}', "number out of range"),
        ("[" * 100_000 + "]" * 100_000, "Policy is"),
        ("[]", "Policy document must be a JSON object"),
        ('"text"', "Policy document must be a JSON object"),
    ],
    ids=["prose", "empty", "truncated", "nan", "infinity", "overflow", "deep", "array", "string"],
)
def test_not_a_json_object(text: str, expected: str) -> None:
    """Non-JSON and non-object policies (kms-facts §0 row 12; message is ours)."""
    assert expected in malformed(text)


def test_duplicate_keys_rejected_at_any_depth() -> None:
    """Duplicate JSON keys are rejected (message ours), wherever they appear."""
    top = '{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": []}'
    assert malformed(top) == "Policy contains a duplicate element: Version"
    inner = policy_text().replace('"Effect": "Allow"', '"Effect": "Allow", "Effect": "Deny"')
    assert malformed(inner) == "Policy contains a duplicate element: Effect"
    cond = policy_text(statement(Condition={"Bool": {"k": "true"}})).replace(
        '{"k": "true"}', '{"k": "true", "k": "false"}'
    )
    assert malformed(cond) == "Policy contains a duplicate element: k"


V = "2012-10-17"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"Version": V}, "Policy has no Statement"),
        ({"Version": V, "Statement": []}, "Policy has an empty Statement list"),
        ({"Statement": ["x"]}, "Policy contains a statement that is not a JSON object"),
        ({"Statement": "x"}, "Policy contains a statement that is not a JSON object"),
        ({"Statement": [statement(), 1]}, "Policy contains a statement that is not a JSON object"),
        ({"Version": "2012-10-18"}, 'Policy has an invalid Version: "2012-10-18"'),
        ({"Version": 2012}, "Policy has an invalid Version: 2012"),
        ({"Version": None}, "Policy has an invalid Version: null"),
        ({"Id": 5, "Statement": [statement()]}, "Policy has an invalid Id: 5"),
        ({"Id": None, "Statement": [statement()]}, "Policy has an invalid Id: null"),
        ({"Extra": 1, "Statement": [statement()]}, "Policy contains an unknown element: Extra"),
        ({"statement": []}, "Policy contains an unknown element: statement"),
    ],
    ids=repr,
)
def test_top_level_rules(doc: dict[str, object], expected: str) -> None:
    """Top level: Version (two values), Id (string), Statement; nothing else (§0 row 16)."""
    assert malformed(json.dumps(doc)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"Foo": 1}, "Policy contains a statement with an unknown element: Foo"),
        ({"effect": "Allow"}, "Policy contains a statement with an unknown element: effect"),
        ({"Sid": 5}, "Policy contains a statement with an invalid Sid: 5"),
        ({"Effect": None}, "Policy contains a statement with no Effect"),
        ({"Effect": "allow"}, 'Policy contains a statement with an invalid Effect: "allow"'),
        ({"Effect": True}, "Policy contains a statement with an invalid Effect: true"),
        (
            {"NotPrincipal": {"AWS": ROOT}},
            "Policy contains a statement with both Principal and NotPrincipal",
        ),
        ({"Action": None}, "Policy contains a statement with no Action"),
        ({"NotAction": "kms:*"}, "Policy contains a statement with both Action and NotAction"),
        ({"Action": []}, "Policy contains a statement whose Action is not a string"),
        ({"Action": ["kms:*", 3]}, "Policy contains a statement whose Action is not a string"),
        ({"Action": {"kms": "*"}}, "Policy contains a statement whose Action is not a string"),
        ({"Action": "kms"}, 'Policy contains a statement with an invalid Action: "kms"'),
        ({"Action": "kms:"}, 'Policy contains a statement with an invalid Action: "kms:"'),
        ({"Action": "kms:Put Key"}, "Policy contains a statement with an invalid Action"),
        ({"Action": ""}, "Policy contains a statement with an invalid Action"),
        ({"Resource": None}, "Policy contains a statement with no Resource"),
        (
            {"NotResource": "*"},
            "Policy contains a statement with both Resource and NotResource",
        ),
        ({"Resource": []}, "Policy contains a statement whose Resource is not a string"),
        ({"Resource": [None]}, "Policy contains a statement whose Resource is not a string"),
        ({"Resource": ""}, 'Policy contains a statement with an invalid Resource: ""'),
    ],
    ids=repr,
)
def test_statement_rules(changes: dict[str, object], expected: str) -> None:
    """Statement grammar; missing Action/Resource rejected since 2025-08-18 (§0 row 17)."""
    assert malformed(policy_text(statement(**changes))).startswith(expected)


def test_sid_null_rejected() -> None:
    """``"Sid": null`` is not a string (message ours)."""
    st = statement()
    st["Sid"] = None
    assert malformed(policy_text(st)) == "Policy contains a statement with an invalid Sid: null"


def test_not_action_and_not_resource_are_checked_like_the_positive_forms() -> None:
    """NotAction/NotResource follow the Action/Resource value rules."""
    st = statement(Action=None, NotAction="bogus")
    assert malformed(policy_text(st)) == (
        'Policy contains a statement with an invalid NotAction: "bogus"'
    )
    st = statement(Resource=None, NotResource=[])
    assert malformed(policy_text(st)).startswith(
        "Policy contains a statement whose NotResource is not a string"
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("x", "Policy contains a statement whose Condition is not an object"),
        ([], "Policy contains a statement whose Condition is not an object"),
        ({"StringEqual": {"k": "v"}}, "Policy contains an unknown condition operator: StringEqual"),
        ({"stringequals": {"k": "v"}}, "unknown condition operator: stringequals"),
        ({"StringEquals ": {"k": "v"}}, "unknown condition operator: StringEquals "),
        ({"NullIfExists": {"k": "true"}}, "unknown condition operator: NullIfExists"),
        ({"ForAnyValue:Null": {"k": "true"}}, "unknown condition operator: ForAnyValue:Null"),
        ({"ForSomeValues:StringLike": {"k": "v"}}, "unknown condition operator: ForSomeValues"),
        ({"IfExists": {"k": "v"}}, "unknown condition operator: IfExists"),
        ({"Bogus": {}}, "unknown condition operator: Bogus"),
        ({"Bogus": "x"}, "unknown condition operator: Bogus"),
        ({"StringEquals": "k"}, "condition operator whose value is not an object: StringEquals"),
        ({"StringEquals": {"k": None}}, "condition with an invalid value: StringEquals k"),
        ({"StringEquals": {"k": []}}, "condition with an invalid value: StringEquals k"),
        ({"StringEquals": {"k": [{"a": 1}]}}, "condition with an invalid value: StringEquals k"),
        ({"StringEquals": {"k": ["a", None]}}, "condition with an invalid value"),
    ],
    ids=repr,
)
def test_condition_rules(condition: object, expected: str) -> None:
    """Condition: operator -> {key: scalar or non-empty list}; unknown operators rejected."""
    assert expected in malformed(policy_text(statement(Condition=condition)))


def test_statement_elements_checked_in_order() -> None:
    """Within a statement: unknown elements, Sid, Effect, Principal, Action, Resource."""
    text = policy_text(statement(Effect=None, Principal=None, Action=None))
    assert malformed(text) == "Policy contains a statement with no Effect"
    text = policy_text(statement(Principal=None, Action=None, Foo=1))
    assert malformed(text) == "Policy contains a statement with an unknown element: Foo"
    text = policy_text(statement(Principal=None, Action=None))
    assert malformed(text) == errors.NO_PRINCIPAL_MESSAGE


def test_first_problem_in_document_order_is_reported() -> None:
    """Statements are checked in order; the first bad one names the problem."""
    text = policy_text(statement(), statement(Effect="Maybe"), statement(Principal=None))
    assert malformed(text) == 'Policy contains a statement with an invalid Effect: "Maybe"'


def test_errors_are_raised_again_for_the_same_text() -> None:
    """Failures are not cached away: the same bad text fails the same way each time."""
    text = policy_text(statement(Principal=None))
    assert malformed(text) == malformed(text) == errors.NO_PRINCIPAL_MESSAGE
