"""Property tests: whatever the text, the policy engine answers with a KMS error or a result.

For arbitrary strings and for near-valid policy documents with random mutations,
``parse_policy`` + ``validate_principals`` either return or raise ``KMSError`` with
code ``MalformedPolicyDocumentException`` (kms-facts §0 rows 12-17) — never any other
exception. Documents that parse can be evaluated against arbitrary contexts without
errors, and survive a round trip through ``render_aws``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms.errors import KMSError
from pytest_fakekms.policy.conditions import FAMILIES
from pytest_fakekms.policy.document import PolicyDocument, parse_policy
from pytest_fakekms.policy.elements import STATEMENT_ELEMENTS
from pytest_fakekms.policy.evaluator import (
    Decision,
    RequestContext,
    check_lockout,
    context_for,
    evaluate,
)
from pytest_fakekms.policy.principals import validate_principals
from pytest_fakekms.policy.render import render_aws

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def one_or_list(item: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """A value or a non-empty list of values, as IAM elements take them."""
    return item | st.lists(item, min_size=1, max_size=3)


accounts = st.sampled_from(["111122223333", "444455556666", "12345678901"])
partitions = st.sampled_from(["aws", "aws", "aws-cn", "aws-iso"])
names = st.sampled_from(["admin", "team/admin", "a.b@c", "*", "with space"])
aws_principals = st.one_of(
    st.just("*"),
    accounts,
    st.builds("arn:{}:iam::{}:root".format, partitions, accounts),
    st.builds("arn:{}:iam::{}:user/{}".format, partitions, accounts, names),
    st.builds("arn:{}:iam::{}:role/{}".format, partitions, accounts, names),
    st.builds("arn:{}:sts::{}:assumed-role/{}/s".format, partitions, accounts, names),
    st.builds("arn:{}::{}:root".format, partitions, accounts),
)
other_principals = st.fixed_dictionaries(
    {},
    optional={
        "Service": one_or_list(st.sampled_from(["logs.amazonaws.com", "logs", "*"])),
        "Federated": one_or_list(st.sampled_from(["accounts.google.com", "x"])),
        "CanonicalUser": one_or_list(st.sampled_from(["a" * 64, "a" * 63])),
    },
)
principals = st.one_of(
    st.just("*"),
    st.fixed_dictionaries({"AWS": one_or_list(aws_principals)}),
    other_principals.filter(bool),
)
actions = one_or_list(st.sampled_from(["*", "kms:*", "kms:Put*", "kms:PutKeyPolicy", "kms:G?t*"]))
resources = one_or_list(st.sampled_from(["*", KEY, "arn:aws:kms:*:*:key/*"]))
operators = st.sampled_from(
    [
        *(name for name in FAMILIES if name != "Null"),
        "ForAnyValue:StringLike",
        "ForAllValues:StringEquals",
        "ForAnyValue:ArnNotLikeIfExists",
        "StringEqualsIfExists",
        "NumericLessThanIfExists",
    ]
)
condition_keys = st.sampled_from(
    ["aws:PrincipalArn", "AWS:PRINCIPALTYPE", "aws:CurrentTime", "kms:CallerAccount", "k"]
)
condition_values = one_or_list(
    st.sampled_from(["true", "false", "5", "2024-05-01T00:00:00Z", "10.0.0.0/8", "AA==", "a*"])
    | st.booleans()
    | st.integers(-5, 5)
    | st.text(max_size=5)
)
conditions = st.dictionaries(
    operators, st.dictionaries(condition_keys, condition_values, max_size=2), max_size=3
) | st.fixed_dictionaries(
    {"Null": st.dictionaries(condition_keys, st.sampled_from(["true", "false"]))}
)


def _negate(statement: dict[str, object], flips: tuple[bool, bool, bool]) -> dict[str, object]:
    """Turn some of Principal/Action/Resource into their Not forms."""
    result = dict(statement)
    for flip, name in zip(flips, ("Principal", "Action", "Resource"), strict=True):
        if flip:
            result[f"Not{name}"] = result.pop(name)
    return result


valid_statements = st.builds(
    _negate,
    st.fixed_dictionaries(
        {
            "Effect": st.sampled_from(["Allow", "Deny"]),
            "Principal": principals,
            "Action": actions,
            "Resource": resources,
        },
        optional={"Sid": st.text(max_size=10), "Condition": conditions},
    ),
    st.tuples(st.booleans(), st.booleans(), st.booleans()),
)
valid_policies = st.fixed_dictionaries(
    {"Statement": valid_statements | st.lists(valid_statements, min_size=1, max_size=4)},
    optional={
        "Version": st.sampled_from(["2012-10-17", "2008-10-17"]),
        "Id": st.text(max_size=10),
    },
)
#: Every element name the grammar knows, and two it does not (one only by its case).
ELEMENTS = ["Version", "Id", "Statement", *STATEMENT_ELEMENTS, "Unknown", "effect"]


def mutate(policy: dict[str, object], data: st.DataObject) -> dict[str, object]:
    """Apply 0-2 random edits (delete, replace, add an element) to a copy of ``policy``."""
    policy = json.loads(json.dumps(policy))
    for _ in range(data.draw(st.integers(0, 2), label="edits")):
        targets: list[dict[str, object]] = [policy]
        statements = policy.get("Statement")
        for item in statements if isinstance(statements, list) else [statements]:
            if isinstance(item, dict):
                targets.append(item)
                if isinstance(item.get("Condition"), dict):
                    targets.append(item["Condition"])
        target = data.draw(st.sampled_from(targets), label="target")
        name = data.draw(st.sampled_from(sorted(target) + ELEMENTS), label="element")
        if data.draw(st.booleans(), label="delete") and name in target:
            del target[name]
        else:
            target[name] = data.draw(json_values, label="value")
    return policy


contexts = st.dictionaries(
    condition_keys,
    one_or_list(
        scalars | st.datetimes() | st.binary(max_size=4) | st.sampled_from(["10.1.2.3", "::1"])
    ),
    max_size=4,
)


def check(text: str, *, partition: str = "aws", exists: bool = True) -> PolicyDocument | None:
    """Parse and validate ``text``; the only failure allowed is MalformedPolicyDocument."""
    error: KMSError | None = None
    doc: PolicyDocument | None = None
    try:
        doc = parse_policy(text)
        validate_principals(doc, partition=partition, exists=lambda arn: exists)
    except KMSError as exc:
        error = exc
    if error is not None:
        assert error.code == "MalformedPolicyDocumentException"
        assert error.message
        return None
    return doc


def lockout_error(doc: PolicyDocument, caller: str) -> str | None:
    """The error code of the lockout check for ``caller``, or None when it passes."""
    try:
        check_lockout(doc, caller_arn=caller, key_arn=KEY, region="us-east-1", now=NOW)
    except KMSError as exc:
        return exc.code
    return None


@SETTINGS
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    """Any string: a document or MalformedPolicyDocumentException."""
    check(text)


@SETTINGS
@given(json_values)
def test_arbitrary_json(value: object) -> None:
    """Any JSON value: a document or MalformedPolicyDocumentException."""
    check(json.dumps(value))


@SETTINGS
@given(
    valid_policies,
    st.data(),
    st.sampled_from(["aws", "aws-cn"]),
    st.booleans(),
    contexts,
    st.sampled_from(["arn:aws:iam::111122223333:role/admin", "111122223333", "x"]),
)
def test_near_valid_policies(
    policy: dict[str, object],
    data: st.DataObject,
    partition: str,
    exists: bool,
    extra: dict[str, object],
    caller: str,
) -> None:
    """Near-valid documents: parse/validate fail only with MalformedPolicyDocument; the
    accepted ones evaluate for any context and survive a render_aws round trip."""
    doc = check(json.dumps(mutate(policy, data)), partition=partition, exists=exists)
    if doc is None:
        return
    ctx = context_for(caller, "kms:PutKeyPolicy", KEY, region="us-east-1", now=NOW, extra=extra)
    assert isinstance(evaluate(doc, ctx), Decision)
    assert isinstance(evaluate(doc, RequestContext(caller, "kms:Encrypt", KEY, extra)), Decision)
    assert lockout_error(doc, caller) in (None, "MalformedPolicyDocumentException")
    assert parse_policy(render_aws(doc.value)) == doc


@SETTINGS
@given(valid_policies)
def test_valid_policies_parse(policy: dict[str, object]) -> None:
    """The unmutated generator only builds grammatical policies (a check on the generator)."""
    assert parse_policy(json.dumps(policy)).value == policy


@SETTINGS
@given(valid_policies, st.data())
def test_mutated_text(policy: dict[str, object], data: st.DataObject) -> None:
    """Text-level damage (cut, insert, duplicate a key) still fails cleanly."""
    text = json.dumps(policy)
    at = data.draw(st.integers(0, len(text)))
    damage = data.draw(st.sampled_from(["cut", "insert", "duplicate"]), label="damage")
    if damage == "cut":
        text = text[:at] + text[at + data.draw(st.integers(1, 5)) :]
    elif damage == "insert":
        text = text[:at] + data.draw(st.sampled_from(list('{}[],:"\\ 0e-tn'))) + text[at:]
    else:
        text = text.replace("{", '{"Statement": 1, ', 1)
    check(text)
