"""check_lockout: the key-policy lockout safety check (kms-facts §0 row 15, §2.1; api.md §7)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from pytest_fakekms import errors
from pytest_fakekms.errors import KMSError
from pytest_fakekms.policy.document import parse_policy
from pytest_fakekms.policy.evaluator import check_lockout
from pytest_fakekms.policy.render import default_policy

ACCT = "111122223333"
CALLER = f"arn:aws:iam::{ACCT}:role/deployer"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/deployer/ci-run-42"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def allow(principal: object = "*", action: object = "kms:*", **more: object) -> dict[str, object]:
    """An Allow statement on ``*``."""
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*", **more}


def deny(principal: object = "*", action: object = "kms:*", **more: object) -> dict[str, object]:
    """A Deny statement on ``*``."""
    return {"Effect": "Deny", "Principal": principal, "Action": action, "Resource": "*", **more}


def lockout(*statements: dict[str, object], caller: str = CALLER) -> None:
    """Run the check for ``caller`` on a policy made of ``statements``."""
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    check_lockout(parse_policy(text), caller_arn=caller, key_arn=KEY, region="us-east-1", now=NOW)


def assert_locked_out(*statements: dict[str, object], caller: str = CALLER) -> None:
    """The check fails with AWS's exact error (kms-facts §0 row 15, VERIFIED)."""
    with pytest.raises(KMSError) as info:
        lockout(*statements, caller=caller)
    assert info.value.code == "MalformedPolicyDocumentException"
    assert info.value.status == 400
    assert info.value.message == (
        "The new key policy will not allow you to update the key policy in the future."
    )
    assert info.value.message == errors.LOCKOUT_MESSAGE


def test_default_policy_passes() -> None:
    """The default policy delegates to the account root (kms-facts §2.2)."""
    check_lockout(
        parse_policy(default_policy(ACCT)), caller_arn=CALLER, key_arn=KEY, region="r", now=NOW
    )


def test_account_root_delegation_passes() -> None:
    """An Allow for the caller's account root is taken as allowed (kms-facts §2.1, INFERRED)."""
    lockout(allow({"AWS": f"arn:aws:iam::{ACCT}:root"}))
    lockout(allow({"AWS": ACCT}))


def test_exact_caller_arn_passes() -> None:
    """An Allow naming the caller's exact ARN passes."""
    lockout(allow({"AWS": CALLER}))
    lockout(allow({"AWS": SESSION}), caller=SESSION)


def test_session_caller_passes_on_its_role() -> None:
    """An assumed-role session is allowed by a statement naming its role (api.md §7)."""
    lockout(allow({"AWS": CALLER}), caller=SESSION)


@pytest.mark.parametrize("action", ["kms:PutKeyPolicy", "kms:Put*", "kms:*", "*", "KMS:PUT*"])
def test_actions_covering_put_key_policy_pass(action: str) -> None:
    """``kms:PutKeyPolicy`` via the action itself or a wildcard (kms-facts §2.1)."""
    lockout(allow({"AWS": CALLER}, action))


def test_star_principal_passes() -> None:
    """``"Principal": "*"`` and ``{"AWS": "*"}`` include the caller."""
    lockout(allow("*"))
    lockout(allow({"AWS": "*"}))


def test_only_another_role_fails() -> None:
    """A policy for another role of the same account locks the caller out."""
    assert_locked_out(allow({"AWS": f"arn:aws:iam::{ACCT}:role/someone-else"}))


def test_only_another_account_fails() -> None:
    """Delegating only to another account locks the caller out."""
    assert_locked_out(allow({"AWS": "arn:aws:iam::444455556666:root"}))
    assert_locked_out(allow({"AWS": "444455556666"}))


def test_other_actions_only_fails() -> None:
    """Allowing only other actions locks the caller out."""
    assert_locked_out(allow({"AWS": CALLER}, ["kms:Encrypt", "kms:Decrypt", "kms:Get*"]))
    assert_locked_out(allow({"AWS": CALLER}, "kms:PutKeyPolicyX"))


def test_allow_with_explicit_deny_fails() -> None:
    """An explicit Deny of PutKeyPolicy wins over the Allow."""
    assert_locked_out(allow(), deny({"AWS": CALLER}, "kms:PutKeyPolicy"))
    assert_locked_out(allow(), deny("*", "kms:Put*"))


def test_deny_of_other_actions_passes() -> None:
    """A Deny that does not cover PutKeyPolicy leaves the Allow in force."""
    lockout(allow(), deny("*", "kms:ScheduleKeyDeletion"))


def test_not_principal_excluding_the_caller_fails() -> None:
    """Allow with NotPrincipal naming the caller excludes the caller."""
    statement: dict[str, object] = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": CALLER},
        "Action": "*",
        "Resource": "*",
    }
    assert_locked_out(statement)
    assert_locked_out(statement, caller=SESSION)


def test_not_principal_excluding_someone_else_passes() -> None:
    """Allow with NotPrincipal naming someone else includes the caller."""
    other = f"arn:aws:iam::{ACCT}:role/other"
    lockout({"Effect": "Allow", "NotPrincipal": {"AWS": other}, "Action": "*", "Resource": "*"})


def test_deny_with_not_principal_excluding_the_caller_passes() -> None:
    """ "Deny everyone but the caller" keeps the caller's access."""
    lockout(
        allow(),
        {"Effect": "Deny", "NotPrincipal": {"AWS": CALLER}, "Action": "*", "Resource": "*"},
    )


def test_condition_on_principal_arn_that_holds_passes() -> None:
    """A condition the caller's request satisfies keeps the Allow in force."""
    lockout(allow(Condition={"ArnEquals": {"aws:PrincipalArn": CALLER}}))
    lockout(allow(Condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy*"}}))


def test_condition_on_principal_arn_that_does_not_hold_fails() -> None:
    """A condition the caller's request fails removes the Allow."""
    other = f"arn:aws:iam::{ACCT}:role/other"
    assert_locked_out(allow(Condition={"ArnEquals": {"aws:PrincipalArn": other}}))


def test_lockout_evaluates_the_future_request_without_bypass() -> None:
    """The checked request carries kms:BypassPolicyLockoutSafetyCheck = false (§2.1)."""
    lockout(allow(Condition={"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "false"}}))
    assert_locked_out(allow(Condition={"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}}))


def test_resource_must_cover_the_key() -> None:
    """A statement for other keys only does not count."""
    other_key = f"arn:aws:kms:us-east-1:{ACCT}:key/other"
    assert_locked_out({**allow(), "Resource": other_key})
    lockout({**allow(), "Resource": KEY})
