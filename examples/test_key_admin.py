"""The example suite: testing key_admin against the fake_kms fixture."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from key_admin import grant_decrypt, revoke

# The application runs in another account; the key's account delegates to its own IAM only.
APP_ROLE = "arn:aws:iam::210987654321:role/app"
DEPLOYER = "arn:aws:iam::123456789012:role/deployer"


@pytest.fixture
def kms():
    # Any region, any credentials: nothing leaves the process while fake_kms is active.
    return boto3.client("kms", region_name="us-east-1", config=Config(retries={"mode": "standard"}))


def test_grant_lets_the_role_decrypt_but_not_administer(fake_kms, kms):
    key_id = kms.create_key(Description="orders")["KeyMetadata"]["KeyId"]

    grant_decrypt(kms, key_id, APP_ROLE)

    assert fake_kms.policy_allows(key_id, APP_ROLE, "kms:Decrypt")
    assert not fake_kms.policy_allows(key_id, APP_ROLE, "kms:PutKeyPolicy")
    fake_kms.assert_called_once("PutKeyPolicy", KeyId=key_id, PolicyName="default")


def test_grant_then_revoke_leaves_three_versions(fake_kms, kms):
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]

    grant_decrypt(kms, key_id, APP_ROLE)
    revoke(kms, key_id, APP_ROLE)

    history = fake_kms.policy_history(key_id)
    assert [v.operation for v in history] == ["CreateKey", "PutKeyPolicy", "PutKeyPolicy"]
    assert history[0].document == history[2].document


def test_unknown_key_is_a_modeled_error(fake_kms, kms):
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        grant_decrypt(kms, "1234abcd-12ab-34cd-56ef-1234567890ab", APP_ROLE)
    assert raised.value.response["Error"]["Message"] == (
        "Key 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' "
        "does not exist"
    )


@pytest.mark.kms_fault("PutKeyPolicy", "KMSInternalException", times=2)
def test_survives_two_internal_errors(fake_kms, kms):
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]

    grant_decrypt(kms, key_id, APP_ROLE)

    attempts = fake_kms.calls.filter("PutKeyPolicy")
    assert [c.error for c in attempts] == ["KMSInternalException", "KMSInternalException", None]
    assert len(fake_kms.policy_history(key_id)) == 2


def test_a_policy_that_locks_the_caller_out_is_refused(fake_kms, kms):
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    fake_kms.caller = DEPLOYER  # the policy below leaves the deployer no way back in
    lockout = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": APP_ROLE},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            ],
        }
    )

    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException, match="will not allow"):
        kms.put_key_policy(KeyId=key_id, Policy=lockout)
    assert len(fake_kms.policy_history(key_id)) == 1
