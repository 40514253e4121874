"""PutKeyPolicy, outcome by outcome: one test per row of kms-facts §0 (rows 1-23), through a
real boto3 client, each asserting code, message, HTTP status and that a failure changed nothing.
Where AWS's answer is not on record, api.md §7 decides (noted per test)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from conftest import ACCOUNT, CALLER, ROOT, allow, error_of, policy

from pytest_fakekms import KeyState
from pytest_fakekms.policy.render import render_aws

GOOD = policy(allow({"AWS": ROOT}))


def assert_unchanged(fake_kms: Any, key_id: str, before: str, versions: int = 1) -> None:
    """A failed PutKeyPolicy leaves the policy and its history as they were."""
    assert fake_kms.key(key_id).policy_text == before
    assert len(fake_kms.policy_history(key_id)) == versions


def put_fails(kms: Any, fake_kms: Any, key_id: str, **params: Any) -> tuple[str, str, int]:
    before = fake_kms.key(key_id).policy_text
    params.setdefault("KeyId", key_id)
    params.setdefault("Policy", GOOD)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.put_key_policy(**params)
    assert_unchanged(fake_kms, key_id, before)
    return error_of(raised)


def test_row1_success_stores_the_policy_and_get_returns_aws_form(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """Row 1: empty output (botocore returns only ResponseMetadata); GetKeyPolicy answers the
    re-serialized form (kms-facts §1.3: two-space indent, " : ", arrays "[ {")."""
    response = kms.put_key_policy(KeyId=key_id, Policy=GOOD)
    assert set(response) == {"ResponseMetadata"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    text = kms.get_key_policy(KeyId=key_id)["Policy"]
    assert json.loads(text) == json.loads(GOOD)
    assert text.startswith('{\n  "Version" : "2012-10-17",\n  "Statement" : [ {\n    "Effect"')
    history = fake_kms.policy_history(key_id)
    assert [v.operation for v in history] == ["CreateKey", "PutKeyPolicy"]
    assert history[-1].text == GOOD


def test_row1_get_edit_put_get_returns_each_new_policy_in_aws_form(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """The usual edit loop: read the policy, change one statement, put it back, read it
    again. Statements the edit left alone are parsed and rendered from what was kept
    (policy/render.py render_document); every read must still be exactly the new
    policy in AWS's layout (kms-facts §1.3), never an earlier one."""
    role = f"arn:aws:iam::{ACCOUNT}:role/app"
    for step in range(4):
        document = json.loads(kms.get_key_policy(KeyId=key_id)["Policy"])
        document["Statement"].append(allow({"AWS": role}, "kms:Decrypt", Sid=f"Step{step}"))
        if step >= 2:
            document["Statement"][1]["Action"] = ["kms:Decrypt", "kms:Encrypt"]
        sent = json.dumps(document)
        kms.put_key_policy(KeyId=key_id, Policy=sent)
        text = kms.get_key_policy(KeyId=key_id)["Policy"]
        assert json.loads(text) == document
        assert text == render_aws(json.loads(sent))
        assert text.count('"Sid" : "Step') == step + 1


def test_row1_policy_name_default_is_accepted(kms: Any, fake_kms: Any, key_id: str) -> None:
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=GOOD)
    assert fake_kms.policy_history(key_id)[-1].policy_name == "default"


def test_row2_unknown_well_formed_key_id(kms: Any, fake_kms: Any) -> None:
    """Row 2, VERIFIED for DescribeKey (aws-recorded test_get_key_does_not_exist)."""
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.put_key_policy(KeyId=missing, Policy=GOOD)
    assert error_of(raised) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/{missing}' does not exist",
        400,
    )
    assert fake_kms.keys() == []


@pytest.mark.parametrize(
    "value", ["fake-key-id", "134f2428cec14b25a1ae9048164dba47", "mrk-fake-key-id", "key_id"]
)
def test_row3_key_id_not_uuid_shaped(kms: Any, value: str) -> None:
    """Row 3, VERIFIED (aws-recorded test_get_key_invalid_uuid)."""
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.put_key_policy(KeyId=value, Policy=GOOD)
    assert error_of(raised) == ("NotFoundException", f"Invalid keyId '{value}'", 400)


def test_row4_key_arn_of_another_region(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 4, VERIFIED for DescribeKey (aws-recorded test_get_key_in_different_region)."""
    arn = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/{key_id}"
    assert put_fails(kms, fake_kms, key_id, KeyId=arn) == (
        "NotFoundException",
        "Invalid arn us-west-2",
        400,
    )


def test_row5_key_arn_of_another_account(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 5, UNVERIFIED: api.md §7 decides NotFoundException naming the ARN."""
    arn = f"arn:aws:kms:us-east-1:210987654321:key/{key_id}"
    assert put_fails(kms, fake_kms, key_id, KeyId=arn) == (
        "NotFoundException",
        f"Key '{arn}' does not exist",
        400,
    )


def test_row6_alias_name(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 6, INFERRED: PutKeyPolicy takes key ids and key ARNs only (api.md §7)."""
    kms.create_alias(AliasName="alias/orders", TargetKeyId=key_id)
    assert put_fails(kms, fake_kms, key_id, KeyId="alias/orders") == (
        "NotFoundException",
        "Invalid keyId 'alias/orders'",
        400,
    )


def test_row7_alias_arn(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 7, INFERRED from CreateGrant's real text (api.md §7)."""
    kms.create_alias(AliasName="alias/orders", TargetKeyId=key_id)
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/orders"
    assert put_fails(kms, fake_kms, key_id, KeyId=arn) == (
        "InvalidArnException",
        "Key Aliases are not supported for this operation.",
        400,
    )


def test_row8_malformed_arn(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 8, UNVERIFIED: api.md §7 decides InvalidArnException naming the ARN."""
    arn = "arn:aws:kms:us-east-1:111122223333:foo/bar"
    code, message, status = put_fails(kms, fake_kms, key_id, KeyId=arn)
    assert (code, status) == ("InvalidArnException", 400)
    assert arn in message


@pytest.mark.parametrize("member", ["KeyId", "Policy"])
def test_row9_empty_required_member_is_caught_by_botocore(
    kms: Any, fake_kms: Any, key_id: str, member: str
) -> None:
    """Row 9, VERIFIED: botocore checks required and min client-side."""
    with pytest.raises(ParamValidationError):
        kms.put_key_policy(**{"KeyId": key_id, "Policy": GOOD, member: ""})
    assert fake_kms.calls.filter("PutKeyPolicy") == []


def test_row10_key_id_too_long(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 10: the model's max length, checked server-side in AWS's format (kms-facts §0)."""
    long_id = "a" * 2049
    assert put_fails(kms, fake_kms, key_id, KeyId=long_id) == (
        "ValidationException",
        f"1 validation error detected: Value '{long_id}' at 'keyId' failed to satisfy "
        "constraint: Member must have length less than or equal to 2048",
        400,
    )


def test_row10_policy_name_breaks_the_pattern(kms: Any, fake_kms: Any, key_id: str) -> None:
    code, message, status = put_fails(kms, fake_kms, key_id, PolicyName="foo-bar")
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "1 validation error detected: Value 'foo-bar' at 'policyName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w]+"
    )


def test_row11_policy_name_other_than_default(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 11, UNVERIFIED: api.md §7 decides NotFoundException 'No such policy exists'."""
    assert put_fails(kms, fake_kms, key_id, PolicyName="foo") == (
        "NotFoundException",
        "No such policy exists",
        400,
    )


def test_row12_policy_not_json(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 12, INFERRED code (api.md §7: a message naming the problem)."""
    code, message, status = put_fails(kms, fake_kms, key_id, Policy="not a real policy statement")
    assert (code, status) == ("MalformedPolicyDocumentException", 400)
    assert message


def test_row13_statement_without_principal(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 13, VERIFIED (real AWS output, terraform-aws-eks#2163)."""
    document = policy({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})
    assert put_fails(kms, fake_kms, key_id, Policy=document) == (
        "MalformedPolicyDocumentException",
        "Policy contains a statement with no principal.",
        400,
    )


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": f"arn:aws::{ACCOUNT}:root"},  # missing "iam": cloudposse PR #27
        {"AWS": "not-an-arn"},
        {"AWS": "12345"},
        {"Service": "not a service"},
    ],
)
def test_row14_invalid_principal(kms: Any, fake_kms: Any, key_id: str, principal: Any) -> None:
    """Row 14, VERIFIED (real AWS output, LBHackney-IT/Data-Platform#2238, AWS KC)."""
    document = policy(allow({"AWS": ROOT}), allow(principal, "kms:Decrypt"))
    assert put_fails(kms, fake_kms, key_id, Policy=document) == (
        "MalformedPolicyDocumentException",
        "Policy contains a statement with one or more invalid principals.",
        400,
    )


@pytest.mark.fake_kms(strict_principals=True)
def test_row14_unknown_role_under_strict_principals(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 14: AWS rejects principals that do not exist; api.md §7 strict_principals."""
    ghost = f"arn:aws:iam::{ACCOUNT}:role/ghost"
    document = policy(allow({"AWS": ROOT}), allow({"AWS": ghost}, "kms:Decrypt"))
    assert put_fails(kms, fake_kms, key_id, Policy=document)[1] == (
        "Policy contains a statement with one or more invalid principals."
    )
    fake_kms.add_principal(ghost)
    kms.put_key_policy(KeyId=key_id, Policy=document)


def test_row14_strict_principals_judge_a_policy_text_put_before(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """The same text, accepted while principals are judged by shape (the default), is
    refused once strict principals are on and the role is unknown: the fake remembers a
    text's shape verdict (issue #8), never a strict one."""
    ghost = f"arn:aws:iam::{ACCOUNT}:role/ghost"
    document = policy(allow({"AWS": ROOT}), allow({"AWS": ghost}, "kms:Decrypt"))
    kms.put_key_policy(KeyId=key_id, Policy=document)
    fake_kms.strict_principals = True
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    assert put_fails(kms, fake_kms, other, Policy=document)[1] == (
        "Policy contains a statement with one or more invalid principals."
    )
    fake_kms.add_principal(ghost)
    kms.put_key_policy(KeyId=other, Policy=document)


def test_row15_lockout(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 15, VERIFIED (real AWS output, data-dot-all/dataall#956; status 400)."""
    other = f"arn:aws:iam::{ACCOUNT}:role/someone-else"
    assert put_fails(kms, fake_kms, key_id, Policy=policy(allow({"AWS": other}))) == (
        "MalformedPolicyDocumentException",
        "The new key policy will not allow you to update the key policy in the future.",
        400,
    )


def test_row15_bypass_skips_only_the_lockout_check(kms: Any, fake_kms: Any, key_id: str) -> None:
    """kms-facts §2.1: bypass skips the lockout check; other checks still apply (INFERRED)."""
    other = f"arn:aws:iam::{ACCOUNT}:role/someone-else"
    kms.put_key_policy(
        KeyId=key_id, Policy=policy(allow({"AWS": other})), BypassPolicyLockoutSafetyCheck=True
    )
    assert fake_kms.policy_history(key_id)[-1].bypass_lockout_check is True
    before = fake_kms.key(key_id).policy_text
    no_principal = policy({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException):
        kms.put_key_policy(KeyId=key_id, Policy=no_principal, BypassPolicyLockoutSafetyCheck=True)
    assert fake_kms.key(key_id).policy_text == before


@pytest.mark.parametrize(
    "document",
    [
        json.dumps({"Version": "2012-10-17"}),
        policy({**allow({"AWS": ROOT}), "Effect": "Maybe"}),
        policy(allow({"AWS": ROOT}), version="2020-01-01"),
        json.dumps({"Version": "2012-10-17", "Statement": [allow({"AWS": ROOT})], "Extra": 1}),
        json.dumps({"Version": "2012-10-17", "Statement": []}),
    ],
    ids=["no-statement", "bad-effect", "bad-version", "unknown-element", "empty-statement"],
)
def test_row16_structural_errors(kms: Any, fake_kms: Any, key_id: str, document: str) -> None:
    """Row 16, UNVERIFIED: api.md §7 decides MalformedPolicyDocumentException."""
    code, message, status = put_fails(kms, fake_kms, key_id, Policy=document)
    assert (code, status) == ("MalformedPolicyDocumentException", 400)
    assert message


@pytest.mark.parametrize("missing", ["Action", "Resource"])
def test_row17_statement_without_action_or_resource(
    kms: Any, fake_kms: Any, key_id: str, missing: str
) -> None:
    """Row 17: rejected since 2025-08-18 (AWS Health notice; api.md §7)."""
    statement = allow({"AWS": ROOT})
    del statement[missing]
    code, _, status = put_fails(kms, fake_kms, key_id, Policy=policy(statement))
    assert (code, status) == ("MalformedPolicyDocumentException", 400)


def _padded(size: int) -> str:
    text = policy(allow({"AWS": ROOT}))
    return text[:-1] + " " * (size - len(text)) + "}"


def test_row18_over_the_size_quota(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 18: LimitExceededException, code VERIFIED [BC]; 32,768 bytes (kms-facts §4.1)."""
    code, _, status = put_fails(kms, fake_kms, key_id, Policy=_padded(32_769))
    assert (code, status) == ("LimitExceededException", 400)


def test_row18_exactly_at_the_quota_is_accepted(kms: Any, fake_kms: Any, key_id: str) -> None:
    text = _padded(32_768)
    assert len(text.encode()) == 32_768
    kms.put_key_policy(KeyId=key_id, Policy=text)
    assert fake_kms.policy_history(key_id)[-1].text == text


@pytest.mark.fake_kms(quotas={"key_policy_bytes": 1024})
def test_row18_quota_is_configurable(kms: Any, fake_kms: Any, key_id: str) -> None:
    assert put_fails(kms, fake_kms, key_id, Policy=_padded(1025))[0] == "LimitExceededException"
    kms.put_key_policy(KeyId=key_id, Policy=_padded(1024))


def test_row19_character_outside_the_model_pattern(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 19: the model's pattern [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+ (kms-facts §1.1)."""
    text = policy(allow({"AWS": ROOT}, Sid="caf\u0113")).replace("\\u0113", "\u0113")
    assert "\u0113" in text
    code, message, status = put_fails(kms, fake_kms, key_id, Policy=text)
    assert (code, status) == ("ValidationException", 400)
    assert "at 'policy' failed to satisfy constraint" in message


def test_row19_longer_than_131072_characters(kms: Any, fake_kms: Any, key_id: str) -> None:
    code, message, _ = put_fails(kms, fake_kms, key_id, Policy=_padded(131_073))
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 131072" in message


def test_row19_latin1_characters_are_fine(kms: Any, fake_kms: Any, key_id: str) -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [allow({"AWS": ROOT}, Sid="caf\u00e9\tn\u00e4chste")],
        },
        ensure_ascii=False,
    )
    kms.put_key_policy(KeyId=key_id, Policy=text)
    assert json.loads(kms.get_key_policy(KeyId=key_id)["Policy"])["Statement"][0]["Sid"] == (
        "caf\u00e9\tn\u00e4chste"
    )


@pytest.mark.parametrize("state", list(KeyState))
def test_row20_succeeds_in_every_key_state(
    kms: Any, fake_kms: Any, key_id: str, state: KeyState
) -> None:
    """Row 20, VERIFIED: PutKeyPolicy is ✓ in every column of the key-state table."""
    fake_kms.set_key_state(key_id, state)
    kms.put_key_policy(KeyId=key_id, Policy=GOOD)
    assert len(fake_kms.policy_history(key_id)) == 2


def test_row21_throttling(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Row 21, VERIFIED text and status (kms-facts §4.2)."""
    fake_kms.inject_fault("PutKeyPolicy", "ThrottlingException")
    assert put_fails(kms, fake_kms, key_id) == (
        "ThrottlingException",
        "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
        400,
    )


@pytest.mark.parametrize(
    ("code", "status"), [("KMSInternalException", 500), ("DependencyTimeoutException", 503)]
)
def test_rows22_23_server_faults(
    kms: Any, fake_kms: Any, key_id: str, code: str, status: int
) -> None:
    """Rows 22-23: fault=true in [BC]; 500 / 503 per api.md §7."""
    fake_kms.inject_fault("PutKeyPolicy", code)
    got_code, _, got_status = put_fails(kms, fake_kms, key_id)
    assert (got_code, got_status) == (code, status)
    assert fake_kms.calls.last.injected


def test_caller_in_the_history_is_the_access_keys_principal(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    admin = f"arn:aws:iam::{ACCOUNT}:role/admin"
    fake_kms.add_principal(admin, access_key_id="AKIAEXAMPLEEXAMPLE00")
    kms.put_key_policy(KeyId=key_id, Policy=GOOD)
    assert fake_kms.policy_history(key_id)[-1].set_by == admin
    assert fake_kms.policy_history(key_id)[0].set_by == CALLER
