"""Principal identities: the ARNs a key policy can name and a request can come from.

Matching a policy's principals against a caller (api.md §7) needs three facts
about the caller: its own ARN, its account, and for an IAM role or a session of
one, the role's name (a session ``arn:aws:sts::A:assumed-role/R/S`` also matches
the role ``arn:aws:iam::A:role/<path>/R``: role names are unique in an account
whatever their path). :func:`parse_caller` extracts them once per ARN and
caches the result.

The regular expressions here describe well-formed principal ARNs; they are
shared by :mod:`.principals` (which rejects anything else) and
:mod:`.matching`. All use ``re.ASCII`` so that ``\\d`` and ``\\w`` mean ASCII
digits and word characters only, as in IAM names.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from dataclasses import dataclass

#: The partitions a principal ARN may name.
PARTITIONS: tuple[str, ...] = ("aws", "aws-cn", "aws-us-gov")

_PARTITION = r"(?P<partition>aws|aws-cn|aws-us-gov)"
_ACCOUNT = r"(?P<account>\d{12})"
# IAM user, role and session names: alphanumerics and "+=,.@_-" (IAM User Guide,
# reference_iam-quotas "IAM name requirements").
_NAME = r"[\w+=,.@-]+"
_PATH = rf"(?:{_NAME}/)*"

ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
ROOT_ARN = re.compile(rf"arn:{_PARTITION}:iam::{_ACCOUNT}:root", re.ASCII)
USER_ARN = re.compile(rf"arn:{_PARTITION}:iam::{_ACCOUNT}:user/{_PATH}(?P<name>{_NAME})", re.ASCII)
ROLE_ARN = re.compile(rf"arn:{_PARTITION}:iam::{_ACCOUNT}:role/{_PATH}(?P<name>{_NAME})", re.ASCII)
SESSION_ARN = re.compile(
    rf"arn:{_PARTITION}:sts::{_ACCOUNT}:assumed-role/(?P<name>{_NAME})/(?P<session>{_NAME})",
    re.ASCII,
)
FEDERATED_USER_ARN = re.compile(
    rf"arn:{_PARTITION}:sts::{_ACCOUNT}:federated-user/(?P<name>{_NAME})", re.ASCII
)

#: Session name used in ``aws:userid`` when the caller is a role ARN, not a session.
ROLE_SESSION_NAME = "fakekms"


@dataclass(frozen=True)
class Caller:
    """What the evaluator needs to know about the principal making a request."""

    arn: str
    principal_type: str | None  # aws:PrincipalType: Account, User, AssumedRole, FederatedUser
    partition: str | None
    account: str | None
    role: str | None  # role name, for a role ARN or a session of that role
    principal_arn: str  # aws:PrincipalArn: a session's role ARN, else the ARN itself
    userid: str | None
    username: str | None


@functools.lru_cache(maxsize=1024)
def parse_caller(arn: str) -> Caller:
    """Break a caller ARN (or 12-digit account id) into its identity facts."""
    if ACCOUNT_ID.fullmatch(arn):
        arn = f"arn:aws:iam::{arn}:root"
    for parse in (_root, _user, _role, _session, _federated_user):
        caller = parse(arn)
        if caller is not None:
            return caller
    # Anything else (a service principal, a malformed string) only matches itself.
    return Caller(arn, None, None, None, None, arn, None, None)


def fake_unique_id(prefix: str, arn: str) -> str:
    """A stable, IAM-shaped unique id (``AIDA…``/``AROA…``) derived from ``arn``."""
    digest = hashlib.sha256(arn.encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:17]


def _root(arn: str) -> Caller | None:
    m = ROOT_ARN.fullmatch(arn)
    if m is None:
        return None
    account = m["account"]
    # The root user's aws:userid is the account id (IAM User Guide, aws:userid).
    return Caller(arn, "Account", m["partition"], account, None, arn, account, None)


def _user(arn: str) -> Caller | None:
    m = USER_ARN.fullmatch(arn)
    if m is None:
        return None
    userid = fake_unique_id("AIDA", arn)
    return Caller(arn, "User", m["partition"], m["account"], None, arn, userid, m["name"])


def _role(arn: str) -> Caller | None:
    # A role never signs a request itself; a role ARN as caller stands for a session
    # of that role, so it is typed like one.
    m = ROLE_ARN.fullmatch(arn)
    if m is None:
        return None
    userid = f"{fake_unique_id('AROA', arn)}:{ROLE_SESSION_NAME}"
    return Caller(arn, "AssumedRole", m["partition"], m["account"], m["name"], arn, userid, None)


def _session(arn: str) -> Caller | None:
    m = SESSION_ARN.fullmatch(arn)
    if m is None:
        return None
    partition, account, role = m["partition"], m["account"], m["name"]
    role_arn = f"arn:{partition}:iam::{account}:role/{role}"
    userid = f"{fake_unique_id('AROA', role_arn)}:{m['session']}"
    return Caller(arn, "AssumedRole", partition, account, role, role_arn, userid, None)


def _federated_user(arn: str) -> Caller | None:
    m = FEDERATED_USER_ARN.fullmatch(arn)
    if m is None:
        return None
    userid = f"{m['account']}:{m['name']}"
    return Caller(arn, "FederatedUser", m["partition"], m["account"], None, arn, userid, None)
