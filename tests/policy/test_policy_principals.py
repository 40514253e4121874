"""validate_principals: which principal values a key policy may name (api.md §7)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pytest_fakekms import errors
from pytest_fakekms.errors import KMSError
from pytest_fakekms.policy.document import PolicyDocument, parse_policy
from pytest_fakekms.policy.principals import is_valid_principal, validate_principals

if TYPE_CHECKING:
    from collections.abc import Callable

ACCT = "111122223333"


def doc_with(kind: str, *values: str, element: str = "Principal") -> PolicyDocument:
    """A one-statement policy whose ``element`` names ``values`` of type ``kind``."""
    statement = {
        "Effect": "Allow",
        element: {kind: list(values)},
        "Action": "kms:*",
        "Resource": "*",
    }
    return parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


def assert_invalid(doc: PolicyDocument, **kwargs: object) -> None:
    """validate_principals raises AWS's invalid-principals error (kms-facts §0 row 14)."""
    with pytest.raises(KMSError) as info:
        validate_principals(doc, **kwargs)  # type: ignore[arg-type]
    assert info.value.code == "MalformedPolicyDocumentException"
    assert info.value.message == "Policy contains a statement with one or more invalid principals."


VALID_AWS = [
    "*",
    ACCT,
    f"arn:aws:iam::{ACCT}:root",
    f"arn:aws:iam::{ACCT}:user/alice",
    f"arn:aws:iam::{ACCT}:user/division/team/alice",
    f"arn:aws:iam::{ACCT}:user/a.b+c=d,e@f_g-h",
    f"arn:aws:iam::{ACCT}:role/admin",
    f"arn:aws:iam::{ACCT}:role/aws-service-role/kms.amazonaws.com/AWSServiceRoleForKMS",
    f"arn:aws:sts::{ACCT}:assumed-role/admin/session-1",
    f"arn:aws:sts::{ACCT}:federated-user/bob",
]

INVALID_AWS = [
    f"arn:aws::{ACCT}:root",  # missing "iam": kms-facts §0 row 14 (cloudposse PR 27)
    f"arn:aws:iam:us-east-1:{ACCT}:root",
    f"arn:aws:iam::{ACCT[:-1]}:root",
    f"arn:aws:iam::{ACCT}:user/",
    f"arn:aws:iam::{ACCT}:user/*",
    f"arn:aws:iam::{ACCT}:role/ad*",
    f"arn:aws:iam::{ACCT}:role/with space",
    f"arn:aws:iam::{ACCT}:group/devs",
    f"arn:aws:sts::{ACCT}:assumed-role/admin",
    f"arn:aws:sts::{ACCT}:role/admin",
    f"arn:aws:iam::{ACCT}:assumed-role/admin/s",
    f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    f"arn:aws-iso:iam::{ACCT}:root",
    f"ARN:aws:iam::{ACCT}:root",
    "11112222333",
    "١١١١٢٢٢٢٣٣٣٣",  # 12 non-ASCII digits
    "alice",
    "",
    " *",
    "**",
]


@pytest.mark.parametrize("value", VALID_AWS)
def test_valid_aws_principals(value: str) -> None:
    """Well-formed AWS principals pass (api.md §7)."""
    validate_principals(doc_with("AWS", value))


@pytest.mark.parametrize("value", INVALID_AWS)
def test_invalid_aws_principals(value: str) -> None:
    """Malformed AWS principals get AWS's invalid-principals text (kms-facts §0 row 14)."""
    assert_invalid(doc_with("AWS", value))


def test_one_bad_value_in_a_list_is_enough() -> None:
    """ "one or more invalid principals": a single bad entry fails the policy (§0 row 14)."""
    assert_invalid(doc_with("AWS", f"arn:aws:iam::{ACCT}:root", "nobody"))


def test_not_principal_values_are_validated() -> None:
    """NotPrincipal names principals too (kms-facts §0 row 14)."""
    assert_invalid(doc_with("AWS", "nobody", element="NotPrincipal"))
    validate_principals(doc_with("AWS", ACCT, element="NotPrincipal"))


def test_bare_star_principal_is_valid() -> None:
    """``"Principal": "*"`` names everyone."""
    doc = parse_policy(
        json.dumps(
            {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
        )
    )
    validate_principals(doc)


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_every_partition_accepted_for_keys_in_it(partition: str) -> None:
    """Principals in the key's own partition are valid (api.md §7)."""
    for arn in (f"arn:{partition}:iam::{ACCT}:root", f"arn:{partition}:iam::{ACCT}:role/r"):
        validate_principals(doc_with("AWS", arn), partition=partition)


def test_principal_of_another_partition_is_invalid() -> None:
    """An account root of another partition cannot exist for this key (guess, api.md §7)."""
    assert_invalid(doc_with("AWS", f"arn:aws-cn:iam::{ACCT}:root"), partition="aws")
    assert_invalid(doc_with("AWS", f"arn:aws:iam::{ACCT}:role/r"), partition="aws-us-gov")


@pytest.mark.parametrize(
    ("kind", "value", "valid"),
    [
        ("Service", "logs.amazonaws.com", True),
        ("Service", "logs.us-east-1.amazonaws.com", True),
        ("Service", "delivery.logs.amazonaws.com", True),
        ("Service", "ec2.amazonaws.com.cn", True),
        ("Service", "*", False),
        ("Service", "logs", False),
        ("Service", "Logs.amazonaws.com", False),
        ("Service", "logs.example.com", False),
        ("Service", f"arn:aws:iam::{ACCT}:root", False),
        ("Federated", "cognito-identity.amazonaws.com", True),
        ("Federated", "accounts.google.com", True),
        ("Federated", "graph.facebook.com", True),
        ("Federated", f"arn:aws:iam::{ACCT}:saml-provider/MyIdP", True),
        ("Federated", f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.example.com", True),
        ("Federated", f"arn:aws:iam::{ACCT}:user/alice", False),
        ("Federated", "localhost", False),
        ("Federated", "*", False),
        ("CanonicalUser", "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", True),
        ("CanonicalUser", "79A59DF900B949E55D96A1E698FBACEDFD6E09D98EACF8F8D5218E7CD47EF2BE", True),
        ("CanonicalUser", "79a59df9", False),
        ("CanonicalUser", "z" * 64, False),
        ("IAM", ACCT, False),
    ],
)
def test_other_principal_types(kind: str, value: str, valid: bool) -> None:
    """Service, Federated and CanonicalUser values have their own shapes (api.md §7)."""
    assert is_valid_principal(kind, value) is valid
    if kind != "IAM":  # not a principal type the grammar accepts at all
        if valid:
            validate_principals(doc_with(kind, value))
        else:
            assert_invalid(doc_with(kind, value))


def recorder(asked: list[str]) -> Callable[[str], bool]:
    """An ``exists`` callback that records its arguments and answers True."""

    def exists(arn: str) -> bool:
        asked.append(arn)
        return True

    return exists


class TestStrictMode:
    """``exists`` stands for IAM: users, roles and sessions must exist (api.md §7)."""

    def test_exists_is_asked_about_users_roles_and_sessions_only(self) -> None:
        """Roots, account ids, ``*``, federated users and services always exist."""
        asked: list[str] = []

        def exists(arn: str) -> bool:
            asked.append(arn)
            return True

        user = f"arn:aws:iam::{ACCT}:user/u"
        role = f"arn:aws:iam::{ACCT}:role/r"
        session = f"arn:aws:sts::{ACCT}:assumed-role/r/s"
        always = ["*", ACCT, f"arn:aws:iam::{ACCT}:root", f"arn:aws:sts::{ACCT}:federated-user/f"]
        validate_principals(doc_with("AWS", user, role, session, *always), exists=exists)
        validate_principals(doc_with("Service", "logs.amazonaws.com"), exists=exists)
        assert asked == [user, role, session]

    def test_missing_entity_is_an_invalid_principal(self) -> None:
        """A principal that does not exist: same text as a malformed one (§0 row 14)."""
        known = {f"arn:aws:iam::{ACCT}:role/known"}
        doc = doc_with("AWS", f"arn:aws:iam::{ACCT}:role/known", f"arn:aws:iam::{ACCT}:role/gone")
        assert_invalid(doc, exists=known.__contains__)

    def test_each_value_is_asked_about_once(self) -> None:
        """Repeated principals are checked once per call."""
        asked: list[str] = []
        role = f"arn:aws:iam::{ACCT}:role/r"
        text = json.dumps(
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "*", "Resource": "*"}
                ]
                * 3
            }
        )
        validate_principals(parse_policy(text), exists=recorder(asked))
        assert asked == [role]

    def test_malformed_arn_is_invalid_before_exists_is_asked(self) -> None:
        """``exists`` never sees a malformed ARN."""
        asked: list[str] = []
        assert_invalid(doc_with("AWS", "arn:aws::1:root"), exists=recorder(asked))
        assert asked == []


def test_error_constant_matches_aws_text() -> None:
    """errors.INVALID_PRINCIPALS_MESSAGE is AWS's text (kms-facts §0 row 14, VERIFIED)."""
    assert errors.INVALID_PRINCIPALS_MESSAGE == (
        "Policy contains a statement with one or more invalid principals."
    )


# --- the verdict remembered on the document (issue #8) -------------------------------------


def test_a_pass_is_remembered_per_partition_and_never_under_strict_principals() -> None:
    """A document whose principals passed by shape is not checked again in that partition;
    another partition, or a check with ``exists`` (strict principals, whose directory
    can change between puts), still judges every principal."""
    role = f"arn:aws:iam::{ACCT}:role/app"
    doc = doc_with("AWS", f"arn:aws:iam::{ACCT}:root", role)
    validate_principals(doc)
    validate_principals(doc)
    assert doc.principals_valid_in == {"aws"}
    assert_invalid(doc, partition="aws-cn")  # the same ARNs name the wrong partition there
    assert_invalid(doc, exists=lambda arn: False)
    validate_principals(doc, exists=lambda arn: arn == role)
    assert doc.principals_valid_in == {"aws"}


def test_an_invalid_document_is_refused_every_time() -> None:
    doc = doc_with("AWS", "arn:aws::111122223333:root")  # no "iam": malformed
    assert_invalid(doc)
    assert_invalid(doc)
    assert doc.principals_valid_in == set()
