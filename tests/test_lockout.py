"""The lockout safety check through real boto3 clients (issue #3 point 4; kms-facts §2.1,
api.md §7). The caller is the fake's default caller,
arn:aws:iam::123456789012:role/fakekms-caller, unless a test says otherwise."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import ACCOUNT, CALLER, ROOT, allow, error_of, policy

LOCKOUT = "The new key policy will not allow you to update the key policy in the future."
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/someone-else"
OTHER_ACCOUNT_ROOT = "arn:aws:iam::210987654321:root"

CASES: dict[str, tuple[str, bool]] = {
    "account-root-delegation": (policy(allow({"AWS": ROOT})), True),
    "account-id-delegation": (policy(allow({"AWS": ACCOUNT})), True),
    "exact-caller-arn": (policy(allow({"AWS": CALLER}, "kms:PutKeyPolicy")), True),
    "kms-put-wildcard": (policy(allow({"AWS": CALLER}, "kms:Put*")), True),
    "star-principal": (policy(allow("*")), True),
    "aws-star-principal": (policy(allow({"AWS": "*"}, ["kms:Decrypt", "kms:PutKeyPolicy"])), True),
    "only-another-role": (policy(allow({"AWS": OTHER_ROLE})), False),
    "only-another-account": (policy(allow({"AWS": OTHER_ACCOUNT_ROOT})), False),
    "caller-may-only-decrypt": (policy(allow({"AWS": CALLER}, "kms:Decrypt")), False),
    "not-action-excludes-put": (
        policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": CALLER},
                "NotAction": "kms:Put*",
                "Resource": "*",
            }
        ),
        False,
    ),
    "allow-plus-explicit-deny": (
        policy(
            allow({"AWS": ROOT}),
            {
                "Effect": "Deny",
                "Principal": {"AWS": CALLER},
                "Action": "kms:PutKeyPolicy",
                "Resource": "*",
            },
        ),
        False,
    ),
    "deny-for-someone-else-only": (
        policy(
            allow({"AWS": ROOT}),
            {
                "Effect": "Deny",
                "Principal": {"AWS": OTHER_ROLE},
                "Action": "kms:*",
                "Resource": "*",
            },
        ),
        True,
    ),
    "not-principal-excludes-the-caller": (
        policy(
            {"Effect": "Allow", "NotPrincipal": {"AWS": CALLER}, "Action": "kms:*", "Resource": "*"}
        ),
        False,
    ),
    "not-principal-excludes-someone-else": (
        policy(
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": OTHER_ROLE},
                "Action": "kms:*",
                "Resource": "*",
            }
        ),
        True,
    ),
    "principal-arn-condition-holds": (
        policy(allow("*", Condition={"ArnEquals": {"aws:PrincipalArn": CALLER}})),
        True,
    ),
    "principal-arn-condition-fails": (
        policy(allow("*", Condition={"ArnEquals": {"aws:PrincipalArn": OTHER_ROLE}})),
        False,
    ),
    "caller-account-condition-holds": (
        policy(allow("*", Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}})),
        True,
    ),
    "deny-when-bypass-is-used": (
        # The future PutKeyPolicy is evaluated without bypass, so this Deny does not apply.
        policy(
            allow({"AWS": ROOT}),
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:PutKeyPolicy",
                "Resource": "*",
                "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}},
            },
        ),
        True,
    ),
}


@pytest.mark.parametrize("bypass", [False, True], ids=["checked", "bypass"])
@pytest.mark.parametrize("case", list(CASES))
def test_put_key_policy_lockout(
    kms: Any, fake_kms: Any, key_id: str, case: str, bypass: bool
) -> None:
    document, passes = CASES[case]
    before = fake_kms.key(key_id).policy_text
    if passes or bypass:
        kms.put_key_policy(KeyId=key_id, Policy=document, BypassPolicyLockoutSafetyCheck=bypass)
        assert fake_kms.policy_history(key_id)[-1].text == document
        assert fake_kms.policy_history(key_id)[-1].bypass_lockout_check is bypass
        assert fake_kms.policy_allows(key_id, CALLER, "kms:PutKeyPolicy") is passes
        return
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException) as raised:
        kms.put_key_policy(KeyId=key_id, Policy=document)
    assert error_of(raised) == ("MalformedPolicyDocumentException", LOCKOUT, 400)
    assert fake_kms.key(key_id).policy_text == before
    assert len(fake_kms.policy_history(key_id)) == 1


@pytest.mark.parametrize("bypass", [False, True], ids=["checked", "bypass"])
def test_create_key_with_a_lockout_policy(kms: Any, fake_kms: Any, bypass: bool) -> None:
    """kms-facts §2.1: the check applies to CreateKey's Policy too; a refused CreateKey
    creates nothing."""
    document = policy(allow({"AWS": OTHER_ROLE}))
    if bypass:
        key_id = kms.create_key(Policy=document, BypassPolicyLockoutSafetyCheck=True)[
            "KeyMetadata"
        ]["KeyId"]
        history = fake_kms.policy_history(key_id)
        assert [(v.operation, v.bypass_lockout_check) for v in history] == [("CreateKey", True)]
        return
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException) as raised:
        kms.create_key(Policy=document)
    assert error_of(raised)[1] == LOCKOUT
    assert fake_kms.keys() == []


@pytest.mark.kms_caller("arn:aws:sts::123456789012:assumed-role/deployer/ci-run-42")
def test_assumed_role_session_matches_its_role(kms: Any, fake_kms: Any, key_id: str) -> None:
    """api.md §7: an assumed-role session also matches its role's ARN."""
    role = f"arn:aws:iam::{ACCOUNT}:role/deployer"
    kms.put_key_policy(KeyId=key_id, Policy=policy(allow({"AWS": role})))
    assert fake_kms.policy_history(key_id)[-1].set_by.endswith("assumed-role/deployer/ci-run-42")
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException):
        kms.put_key_policy(KeyId=key_id, Policy=policy(allow({"AWS": OTHER_ROLE})))


def test_caller_is_assignable_during_a_test(kms: Any, fake_kms: Any, key_id: str) -> None:
    fake_kms.caller = OTHER_ROLE
    kms.put_key_policy(KeyId=key_id, Policy=policy(allow({"AWS": OTHER_ROLE})))
    fake_kms.caller = CALLER
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException):
        kms.put_key_policy(KeyId=key_id, Policy=policy(allow({"AWS": OTHER_ROLE})))


def test_a_conditioned_text_put_again_is_judged_at_the_new_time(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """The lockout decision of a policy with conditions is kept per caller, key, Region
    and virtual time (issue #8): the same text put again after the clock moved is judged
    again. Here the caller may update the policy only until an hour from now
    (``DateLessThan aws:CurrentTime``, kms-facts §2.1: the check evaluates the new policy
    for the caller's PutKeyPolicy at the time of the request)."""
    deadline = (fake_kms.clock.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = policy(
        allow(
            {"AWS": CALLER},
            "kms:PutKeyPolicy",
            Condition={"DateLessThan": {"aws:CurrentTime": deadline}},
        )
    )
    kms.put_key_policy(KeyId=key_id, Policy=document)
    kms.put_key_policy(KeyId=key_id, Policy=document)  # the same time: the kept decision
    other_key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.put_key_policy(KeyId=other_key, Policy=document)  # another key: decided on its own
    fake_kms.clock.advance(hours=2)
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException) as raised:
        kms.put_key_policy(KeyId=key_id, Policy=document)
    assert error_of(raised) == ("MalformedPolicyDocumentException", LOCKOUT, 400)
    assert [v.operation for v in fake_kms.policy_history(key_id)] == [
        "CreateKey",
        "PutKeyPolicy",
        "PutKeyPolicy",
    ]
