"""A small application that manages a KMS key policy: the code under test in the examples.

``grant_decrypt`` adds (or replaces) a statement letting a role decrypt with the
key; ``revoke`` removes it again. Both read the current policy, edit it and put
it back, the way real provisioning code does, and retry KMS's transient errors.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

TRANSIENT = {"KMSInternalException", "DependencyTimeoutException", "ThrottlingException"}


def statement_id(role_arn: str) -> str:
    """The Sid this module uses for ``role_arn``'s statement."""
    return "Decrypt-" + role_arn.rsplit("/", 1)[-1]


def grant_decrypt(kms: Any, key_id: str, role_arn: str) -> dict[str, Any]:
    """Let ``role_arn`` call kms:Decrypt with the key; returns the new policy."""
    policy = json.loads(kms.get_key_policy(KeyId=key_id)["Policy"])
    statements = [s for s in policy["Statement"] if s.get("Sid") != statement_id(role_arn)]
    statements.append(
        {
            "Sid": statement_id(role_arn),
            "Effect": "Allow",
            "Principal": {"AWS": role_arn},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    )
    policy["Statement"] = statements
    _put(kms, key_id, policy)
    return policy


def revoke(kms: Any, key_id: str, role_arn: str) -> None:
    """Remove ``role_arn``'s statement, if any."""
    policy = json.loads(kms.get_key_policy(KeyId=key_id)["Policy"])
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != statement_id(role_arn)]
    _put(kms, key_id, policy)


def _put(kms: Any, key_id: str, policy: dict[str, Any], attempts: int = 3) -> None:
    for attempt in range(1, attempts + 1):
        try:
            kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))
            return
        except ClientError as error:
            if error.response["Error"]["Code"] not in TRANSIENT or attempt == attempts:
                raise
