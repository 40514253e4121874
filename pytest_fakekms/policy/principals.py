"""Principal validation: which values a key policy may name (api.md §7, kms-facts §0 row 14).

AWS answers ``Policy contains a statement with one or more invalid
principals.`` both for a malformed principal (``arn:aws::111122223333:root``,
missing ``iam``) and for an IAM entity that does not exist (kms-facts §0
row 14). Well-formed values, by principal type:

* ``AWS``: ``*``; a 12-digit account id; ``arn:<partition>:iam::<acct>:root``;
  IAM ``user/<path>/<name>`` and ``role/<path>/<name>``;
  ``arn:<partition>:sts::<acct>:assumed-role/<role>/<session>`` and
  ``federated-user/<name>``. Wildcards inside an ARN are not allowed.
* ``Service``: a service principal such as ``logs.amazonaws.com`` or
  ``logs.us-east-1.amazonaws.com`` (``.amazonaws.com.cn`` in China).
* ``Federated``: an identity-provider domain (``cognito-identity.amazonaws.com``,
  ``accounts.google.com``) or an IAM ``saml-provider``/``oidc-provider`` ARN.
* ``CanonicalUser``: 64 hexadecimal digits.

ARNs must name the key's partition. In strict mode, ``exists`` is asked about
IAM user, role and assumed-role ARNs; account roots, account ids, ``*`` and
service principals always exist.
"""

from __future__ import annotations

import enum
import functools
import re
from typing import TYPE_CHECKING

from pytest_fakekms import errors
from pytest_fakekms.policy.identity import (
    ACCOUNT_ID,
    FEDERATED_USER_ARN,
    ROLE_ARN,
    ROOT_ARN,
    SESSION_ARN,
    USER_ARN,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytest_fakekms.policy.document import PolicyDocument

_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?", re.ASCII)
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII)
_PROVIDER_ARN = re.compile(
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::\d{12}:(?:saml|oidc)-provider/\S+", re.ASCII
)
_CANONICAL_USER = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
# IAM entities that may not exist: the ones `exists` is asked about in strict mode.
_MAY_NOT_EXIST = (USER_ARN, ROLE_ARN, SESSION_ARN)
_ALWAYS_EXIST = (ROOT_ARN, FEDERATED_USER_ARN)


def validate_principals(
    doc: PolicyDocument,
    *,
    partition: str = "aws",
    exists: Callable[[str], bool] | None = None,
) -> None:
    """Raise MalformedPolicyDocument (invalid principals) unless every principal is valid.

    Without ``exists`` the answer depends on the document and the partition alone and a
    pass is remembered on the document; with it (strict principals) the directory of
    principals can change between two puts, so every principal is asked about each time.
    """
    if exists is None and partition in doc.principals_valid_in:
        return
    for kind, value in doc.principal_items:
        verdict = classify(kind, value, partition)
        if verdict is Verdict.MAY_NOT_EXIST and exists is not None:
            verdict = Verdict.VALID if exists(value) else Verdict.INVALID
        if verdict is Verdict.INVALID:
            raise errors.malformed_policy(errors.INVALID_PRINCIPALS_MESSAGE)  # §0 row 14
    if exists is None:
        doc.principals_valid_in.add(partition)


def is_valid_principal(
    kind: str,
    value: str,
    *,
    partition: str = "aws",
    exists: Callable[[str], bool] | None = None,
) -> bool:
    """Whether ``value`` is a valid principal of type ``kind`` (``AWS``, ``Service``…)."""
    verdict = classify(kind, value, partition)
    if verdict is Verdict.MAY_NOT_EXIST:
        return exists is None or exists(value)
    return verdict is Verdict.VALID


class Verdict(enum.Enum):
    """What the shape of a principal value says about it."""

    VALID = "valid"
    INVALID = "invalid"
    MAY_NOT_EXIST = "well-formed IAM user, role or session: ask `exists`"


@functools.lru_cache(maxsize=4096)
def classify(kind: str, value: str, partition: str) -> Verdict:
    """Judge a principal value by its shape alone (cached: policies repeat principals)."""
    if kind == "AWS":
        return _classify_aws(value, partition)
    if kind == "Service":
        valid = _SERVICE.fullmatch(value) is not None
    elif kind == "Federated":
        valid = _valid_federated(value, partition)
    elif kind == "CanonicalUser":
        valid = _CANONICAL_USER.fullmatch(value) is not None
    else:
        valid = False
    return Verdict.VALID if valid else Verdict.INVALID


def _classify_aws(value: str, partition: str) -> Verdict:
    if value == "*" or ACCOUNT_ID.fullmatch(value):
        return Verdict.VALID
    for pattern in _ALWAYS_EXIST:
        m = pattern.fullmatch(value)
        if m is not None:
            return Verdict.VALID if m["partition"] == partition else Verdict.INVALID
    for pattern in _MAY_NOT_EXIST:
        m = pattern.fullmatch(value)
        if m is not None:
            return Verdict.MAY_NOT_EXIST if m["partition"] == partition else Verdict.INVALID
    return Verdict.INVALID


def _valid_federated(value: str, partition: str) -> bool:
    m = _PROVIDER_ARN.fullmatch(value)
    if m is not None:
        return m["partition"] == partition
    return _DOMAIN.fullmatch(value) is not None
