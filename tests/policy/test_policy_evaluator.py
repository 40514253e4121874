"""evaluate / allows / context_for: IAM evaluation of a key policy (api.md §7)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from pytest_fakekms.policy.document import PolicyDocument, parse_policy
from pytest_fakekms.policy.evaluator import (
    Decision,
    RequestContext,
    allows,
    context_for,
    evaluate,
)
from pytest_fakekms.policy.identity import parse_caller

ACCT = "111122223333"
OTHER = "444455556666"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = f"arn:aws:iam::{ACCT}:role/admin"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/admin/alice"
USER = f"arn:aws:iam::{ACCT}:user/ops/bob"
ROOT = f"arn:aws:iam::{ACCT}:root"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def stmt(effect: str = "Allow", **elements: object) -> dict[str, object]:
    """A statement: Principal ``*``, Action ``kms:*``, Resource ``*`` unless overridden."""
    base: dict[str, object] = {
        "Effect": effect,
        "Principal": "*",
        "Action": "kms:*",
        "Resource": "*",
    }
    base.update(elements)
    return {k: v for k, v in base.items() if v is not None}


def doc(*statements: dict[str, object]) -> PolicyDocument:
    """A parsed policy made of ``statements``."""
    return parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


def ctx(
    principal: str = ROLE, action: str = "kms:PutKeyPolicy", /, **extra: object
) -> RequestContext:
    """The context of ``principal`` calling ``action`` on KEY, plus ``extra`` keys."""
    return context_for(principal, action, KEY, region="us-east-1", now=NOW, extra=extra)


# --- decisions --------------------------------------------------------------------------


def test_allow_explicit_deny_implicit_deny() -> None:
    """Explicit Deny wins over Allow; without an applying Allow the request is denied."""
    assert evaluate(doc(stmt()), ctx()) is Decision.ALLOW
    assert evaluate(doc(stmt(), stmt("Deny")), ctx()) is Decision.EXPLICIT_DENY
    assert evaluate(doc(stmt("Deny"), stmt()), ctx()) is Decision.EXPLICIT_DENY
    assert evaluate(doc(stmt(Action="kms:Encrypt")), ctx()) is Decision.IMPLICIT_DENY
    assert evaluate(doc(stmt("Deny", Action="kms:Encrypt"), stmt()), ctx()) is Decision.ALLOW


def test_allows_is_evaluate_is_allow() -> None:
    """allows() is True exactly for Decision.ALLOW."""
    assert allows(doc(stmt()), ctx())
    assert not allows(doc(stmt("Deny")), ctx())
    assert not allows(doc(stmt(Action="kms:Encrypt")), ctx())


# --- principals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "caller", "matches"),
    [
        ("*", ROLE, True),
        ({"AWS": "*"}, USER, True),
        ({"AWS": ROLE}, ROLE, True),
        ({"AWS": ROLE}, SESSION, True),  # a session matches its role's ARN
        ({"AWS": f"arn:aws:iam::{ACCT}:role/team/admin"}, SESSION, True),  # path ignored
        ({"AWS": f"arn:aws:iam::{ACCT}:role/team/admin"}, ROLE, True),
        ({"AWS": SESSION}, SESSION, True),
        ({"AWS": SESSION}, ROLE, False),
        ({"AWS": f"arn:aws:sts::{ACCT}:assumed-role/admin/other"}, SESSION, False),
        ({"AWS": f"arn:aws:iam::{OTHER}:role/admin"}, SESSION, False),
        ({"AWS": f"arn:aws:iam::{ACCT}:role/other"}, ROLE, False),
        ({"AWS": USER}, USER, True),
        ({"AWS": f"arn:aws:iam::{ACCT}:user/bob"}, USER, False),  # users: exact ARN only
        ({"AWS": ROOT}, ROLE, True),  # delegation to the account
        ({"AWS": ROOT}, USER, True),
        ({"AWS": ROOT}, ROOT, True),
        ({"AWS": ACCT}, SESSION, True),  # bare account id
        ({"AWS": f"arn:aws:iam::{OTHER}:root"}, ROLE, False),
        ({"AWS": OTHER}, ROLE, False),
        ({"AWS": [f"arn:aws:iam::{OTHER}:root", ROLE]}, ROLE, True),
        ({"Service": "logs.amazonaws.com"}, ROLE, False),
        ({"Service": "logs.amazonaws.com"}, "logs.amazonaws.com", True),
    ],
    ids=repr,
)
def test_principal_matching(principal: object, caller: str, matches: bool) -> None:
    """An entry matches ``*``, the exact ARN, a session's role, or the account (api.md §7)."""
    policy = doc(stmt(Principal=principal))
    assert allows(policy, ctx(caller)) is matches


@pytest.mark.parametrize(
    ("not_principal", "caller", "applies"),
    [
        ({"AWS": ROLE}, ROLE, False),
        ({"AWS": ROLE}, SESSION, False),
        ({"AWS": ROLE}, USER, True),
        ({"AWS": ROOT}, USER, False),  # excludes the whole account
        ({"AWS": f"arn:aws:iam::{OTHER}:root"}, USER, True),
        ({"AWS": "*"}, USER, False),
    ],
    ids=repr,
)
def test_not_principal_excludes_exactly_what_principal_would_match(
    not_principal: object, caller: str, applies: bool
) -> None:
    """NotPrincipal applies to every caller its entries do not match (api.md §7)."""
    allow = doc(stmt(Principal=None, NotPrincipal=not_principal))
    assert allows(allow, ctx(caller)) is applies
    deny = doc(stmt(), stmt("Deny", Principal=None, NotPrincipal=not_principal))
    assert allows(deny, ctx(caller)) is not applies


# --- actions and resources -------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "matches"),
    [
        ("*", True),
        ("kms:*", True),
        ("kms:Put*", True),
        ("kms:*Policy", True),
        ("kms:PutKeyPolic?", True),
        ("kms:PutKeyPolicy", True),
        ("KMS:putkeypolicy", True),  # actions are case-insensitive
        ("kms:Put", False),
        ("kms:Get*", False),
        ("kms:PutKeyPolicy?", False),
        ("s3:*", False),
        ("*:PutKeyPolicy", True),
    ],
)
def test_action_matching(action: str, matches: bool) -> None:
    """Actions: case-insensitive, ``*`` and ``?`` wildcards, whole-name match."""
    assert allows(doc(stmt(Action=action)), ctx()) is matches
    assert allows(doc(stmt(Action=["kms:Encrypt", action])), ctx()) is matches


def test_not_action() -> None:
    """NotAction applies to every action except the ones listed."""
    assert allows(doc(stmt(Action=None, NotAction="kms:Encrypt")), ctx())
    assert not allows(doc(stmt(Action=None, NotAction=["kms:Encrypt", "kms:Put*"])), ctx())
    policy = doc(stmt(), stmt("Deny", Action=None, NotAction="kms:Put*"))
    assert allows(policy, ctx())
    assert evaluate(policy, ctx(ROLE, "kms:Decrypt")) is Decision.EXPLICIT_DENY


@pytest.mark.parametrize(
    ("resource", "matches"),
    [
        ("*", True),
        (KEY, True),
        ("arn:aws:kms:*:*:key/*", True),
        (f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-*", True),
        (f"arn:aws:kms:us-east-1:{ACCT}:key/other", False),
        (f"arn:aws:kms:us-west-2:{ACCT}:key/*", False),
        (KEY.upper(), False),  # resources are case-sensitive
    ],
)
def test_resource_matching(resource: str, matches: bool) -> None:
    """Resource ``*`` is this key; ARN patterns are matched against the key ARN."""
    assert allows(doc(stmt(Resource=resource)), ctx()) is matches


def test_not_resource() -> None:
    """NotResource applies to every resource except the ones listed."""
    assert not allows(doc(stmt(Resource=None, NotResource="*")), ctx())
    assert allows(doc(stmt(Resource=None, NotResource="arn:aws:kms:*:*:alias/*")), ctx())


# --- conditions inside statements ---------------------------------------------------------


def test_conditions_decide_whether_a_statement_applies() -> None:
    """A statement applies only when every condition holds."""
    cond = {"StringEquals": {"aws:PrincipalArn": ROLE}, "Bool": {"aws:SecureTransport": "true"}}
    policy = doc(stmt(Condition=cond))
    assert allows(policy, ctx(ROLE))
    assert allows(policy, ctx(SESSION))  # PrincipalArn of a session is its role
    assert not allows(policy, ctx(USER))
    insecure: dict[str, object] = {"aws:SecureTransport": False}
    assert not allows(policy, ctx(ROLE, **insecure))


def test_deny_with_condition_on_absent_key() -> None:
    """A Deny conditioned on a positive operator over an absent key does not apply."""
    deny = stmt("Deny", Condition={"StringEquals": {"kms:ViaService": "s3.amazonaws.com"}})
    assert allows(doc(stmt(), deny), ctx())
    assert not allows(doc(stmt(), deny), ctx(**{"kms:ViaService": "s3.amazonaws.com"}))


def test_deny_with_negated_operator_on_absent_key_applies() -> None:
    """IAM: a negated operator over an absent key holds, so this Deny applies."""
    deny = stmt("Deny", Condition={"StringNotEquals": {"kms:ViaService": "s3.amazonaws.com"}})
    assert evaluate(doc(stmt(), deny), ctx()) is Decision.EXPLICIT_DENY
    via_s3 = ctx(**{"kms:ViaService": "s3.amazonaws.com"})
    assert allows(doc(stmt(), deny), via_s3)


def test_deny_with_if_exists_applies_when_the_key_is_absent() -> None:
    """IAM: ``...IfExists`` holds when the key is absent, so the Deny applies."""
    deny = stmt("Deny", Condition={"StringEqualsIfExists": {"kms:ViaService": "ec2.amazonaws.com"}})
    assert evaluate(doc(stmt(), deny), ctx()) is Decision.EXPLICIT_DENY
    assert allows(doc(stmt(), deny), ctx(**{"kms:ViaService": "s3.amazonaws.com"}))


def test_time_conditions_use_the_given_clock() -> None:
    """aws:CurrentTime / aws:EpochTime come from ``now`` (the fake's virtual clock)."""
    before = doc(stmt(Condition={"DateLessThan": {"aws:CurrentTime": "2024-05-01T12:00:01Z"}}))
    after = doc(stmt(Condition={"DateGreaterThan": {"aws:EpochTime": int(NOW.timestamp())}}))
    assert allows(before, ctx())
    assert not allows(after, ctx())


# --- context_for ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        (
            ROOT,
            {
                "aws:PrincipalArn": ROOT,
                "aws:PrincipalType": "Account",
                "aws:userid": ACCT,
            },
        ),
        (
            ACCT,
            {"aws:PrincipalArn": ROOT, "aws:PrincipalType": "Account"},
        ),
        (
            USER,
            {"aws:PrincipalArn": USER, "aws:PrincipalType": "User", "aws:username": "bob"},
        ),
        (
            SESSION,
            {"aws:PrincipalArn": ROLE, "aws:PrincipalType": "AssumedRole"},
        ),
        (
            ROLE,
            {"aws:PrincipalArn": ROLE, "aws:PrincipalType": "AssumedRole"},
        ),
        (
            f"arn:aws:sts::{ACCT}:federated-user/fed",
            {
                "aws:PrincipalArn": f"arn:aws:sts::{ACCT}:federated-user/fed",
                "aws:PrincipalType": "FederatedUser",
                "aws:userid": f"{ACCT}:fed",
            },
        ),
    ],
    ids=["root", "account-id", "user", "session", "role", "federated-user"],
)
def test_context_identity_keys(caller: str, expected: dict[str, object]) -> None:
    """Identity keys per principal type (IAM User Guide, global condition keys)."""
    values = ctx(caller).values
    for key, value in expected.items():
        assert values[key] == value
    assert values["aws:PrincipalAccount"] == ACCT
    assert values["kms:CallerAccount"] == ACCT
    assert ("aws:username" in values) is (caller == USER)


def test_context_userids_look_like_iam_unique_ids() -> None:
    """aws:userid: ``AIDA…`` for users, ``AROA…:<session>`` for role sessions, stable."""
    assert str(ctx(USER).values["aws:userid"]).startswith("AIDA")
    session_id = str(ctx(SESSION).values["aws:userid"])
    assert session_id.startswith("AROA")
    assert session_id.endswith(":alice")
    role_id = str(ctx(ROLE).values["aws:userid"])
    assert role_id.split(":")[0] == session_id.split(":")[0]  # same role, same id
    assert ctx(USER).values["aws:userid"] == ctx(USER).values["aws:userid"]


def test_context_request_keys() -> None:
    """Region, time, transport; the bypass flag only when given."""
    values = context_for(ROLE, "kms:PutKeyPolicy", KEY, region="eu-west-1", now=NOW).values
    assert values["aws:RequestedRegion"] == "eu-west-1"
    assert values["aws:CurrentTime"] == "2024-05-01T12:00:00Z"
    assert values["aws:EpochTime"] == int(NOW.timestamp())
    assert values["aws:SecureTransport"] is True
    assert "kms:BypassPolicyLockoutSafetyCheck" not in values
    with_bypass = context_for(ROLE, "kms:CreateKey", KEY, region="eu-west-1", bypass=True)
    assert with_bypass.values["kms:BypassPolicyLockoutSafetyCheck"] is True


def test_context_defaults_now_to_the_wall_clock() -> None:
    """Without ``now`` the current UTC time is used."""
    before = int(datetime.now(timezone.utc).timestamp())
    epoch = context_for(ROLE, "kms:Encrypt", KEY, region="us-east-1").values["aws:EpochTime"]
    assert isinstance(epoch, int)
    assert before <= epoch <= before + 5


def test_extra_keys_add_and_override_case_insensitively() -> None:
    """``extra`` adds keys and replaces a derived one even when spelled in another case."""
    context = ctx(**{"AWS:PRINCIPALTYPE": "User", "kms:ViaService": "s3.amazonaws.com"})
    assert "aws:PrincipalType" not in context.values
    assert context.get("aws:principaltype") == "User"
    assert context.get("KMS:VIASERVICE") == "s3.amazonaws.com"
    assert context.get("kms:absent") is None


def test_request_context_built_by_hand() -> None:
    """RequestContext can be built directly; the caller is parsed from principal_arn."""
    context = RequestContext(SESSION, "kms:Encrypt", KEY, {"Kms:EncryptionContextKeys": ["a"]})
    assert context.caller == parse_caller(SESSION)
    assert context.get("kms:encryptioncontextkeys") == ["a"]
    assert allows(doc(stmt(Principal={"AWS": ROLE})), context)


def test_unparseable_caller_only_matches_itself() -> None:
    """A caller that is not an IAM ARN has no account, so roots never match it."""
    assert not allows(doc(stmt(Principal={"AWS": ROOT})), ctx("somebody"))
    assert allows(doc(stmt(Principal="*")), ctx("somebody"))
    assert ctx("somebody").values == {
        "aws:PrincipalArn": "somebody",
        "aws:RequestedRegion": "us-east-1",
        "aws:CurrentTime": "2024-05-01T12:00:00Z",
        "aws:EpochTime": int(NOW.timestamp()),
        "aws:SecureTransport": True,
    }
