"""Grants through real boto3 clients: CreateGrant, ListGrants, RetireGrant, RevokeGrant and
ListRetirableGrants, their errors, the grants quota, key states and persistence.

AWS-validated scenarios cited below are LocalStack's KMS tests listed in
shared/data/aws-recorded/kms.validation.json (run against AWS; no snapshot entries).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from conftest import ACCOUNT, REGION, error_of

from pytest_fakekms import FakeKMS
from pytest_fakekms.persistence import dump_state, load_state

GRANTEE = f"arn:aws:iam::{ACCOUNT}:role/grantee"
RETIREE = f"arn:aws:iam::{ACCOUNT}:role/retiree"
OTHER_ACCOUNT = "111122223333"
DRY_RUN_MESSAGE = "The request would have succeeded, but the DryRun option is set."


def _grant(kms: Any, key_id: str, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "KeyId": key_id,
        "GranteePrincipal": GRANTEE,
        "Operations": ["Encrypt", "Decrypt"],
        **extra,
    }
    return dict(kms.create_grant(**params))


def _grant_ids(kms: Any, key_id: str, **params: Any) -> list[str]:
    return [g["GrantId"] for g in kms.list_grants(KeyId=key_id, **params)["Grants"]]


# --- CreateGrant and ListGrants ------------------------------------------------------


def test_created_grant_is_listed_with_exactly_the_models_members(kms: Any, key_id: str) -> None:
    """LS test_create_grant_with_valid_key (AWS-validated): GrantId and GrantToken come back
    and ListGrants shows one more grant; the entry is the model's GrantListEntry."""
    created = _grant(
        kms,
        key_id,
        Name="app-grant",
        RetiringPrincipal=RETIREE,
        Constraints={"EncryptionContextSubset": {"Department": "Finance"}},
    )
    assert re.fullmatch(r"[0-9a-f]{64}", created["GrantId"])
    assert isinstance(created["GrantToken"], str)
    assert created["GrantToken"]

    [entry] = kms.list_grants(KeyId=key_id)["Grants"]
    assert set(entry) == {
        "KeyId", "GrantId", "Name", "CreationDate", "GranteePrincipal", "RetiringPrincipal",
        "IssuingAccount", "Operations", "Constraints",
    }  # fmt: skip
    assert entry["KeyId"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"
    assert entry["GrantId"] == created["GrantId"]
    assert entry["IssuingAccount"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert entry["Operations"] == ["Encrypt", "Decrypt"]
    assert entry["Constraints"] == {"EncryptionContextSubset": {"Department": "Finance"}}
    assert isinstance(entry["CreationDate"], dt.datetime)


def test_optional_members_are_left_out(kms: Any, key_id: str) -> None:
    _grant(kms, key_id)
    [entry] = kms.list_grants(KeyId=key_id)["Grants"]
    assert not {"Name", "RetiringPrincipal", "Constraints"} & set(entry)


def test_a_key_without_grants_lists_none(kms: Any, key_id: str) -> None:
    assert kms.list_grants(KeyId=key_id)["Grants"] == []
    assert kms.list_grants(KeyId=key_id)["Truncated"] is False


def test_same_name_and_parameters_return_the_existing_grant(kms: Any, key_id: str) -> None:
    """[BC] CreateGrant Name: an identical retry returns the original GrantId, with a new
    token; both tokens work."""
    first = _grant(kms, key_id, Name="retry-me")
    again = _grant(kms, key_id, Name="retry-me", Operations=["Decrypt", "Encrypt"])
    assert again["GrantId"] == first["GrantId"]
    assert again["GrantToken"] != first["GrantToken"]
    assert _grant_ids(kms, key_id) == [first["GrantId"]]
    kms.retire_grant(GrantToken=again["GrantToken"])
    assert _grant_ids(kms, key_id) == []


def test_same_name_with_other_parameters_or_no_name_makes_new_grants(kms: Any, key_id: str) -> None:
    named = _grant(kms, key_id, Name="n")
    other = _grant(kms, key_id, Name="n", Operations=["Decrypt"])
    unnamed = [_grant(kms, key_id)["GrantId"] for _ in range(2)]
    assert len({named["GrantId"], other["GrantId"], *unnamed}) == 4


def test_same_name_on_two_keys_makes_one_grant_on_each(kms: Any, fake_kms: Any) -> None:
    """LS test_create_grant_with_same_name_two_keys (AWS-validated)."""
    first, second = fake_kms.create_key().key_id, fake_kms.create_key().key_id
    ops = ["Decrypt", "DescribeKey"]
    assert (
        _grant(kms, first, Name="TestGrantName", Operations=ops)["GrantId"]
        != _grant(kms, second, Name="TestGrantName", Operations=ops)["GrantId"]
    )
    assert len(_grant_ids(kms, first)) == len(_grant_ids(kms, second)) == 1


def test_unknown_operation_fails_model_validation(kms: Any, key_id: str) -> None:
    with pytest.raises(kms.exceptions.ClientError) as raised:
        _grant(kms, key_id, Operations=["Decrypt", "ScheduleKeyDeletion"])
    code, message, status = error_of(raised)
    assert (code, status) == ("ValidationException", 400)
    assert "at 'operations' failed to satisfy constraint" in message


@pytest.mark.parametrize(
    ("key_args", "operation"),
    [
        ({}, "Sign"),
        ({}, "GetPublicKey"),
        ({"key_spec": "RSA_2048", "key_usage": "ENCRYPT_DECRYPT"}, "GenerateDataKey"),
        ({"key_spec": "RSA_2048", "key_usage": "ENCRYPT_DECRYPT"}, "Sign"),
        ({"key_spec": "ECC_NIST_P256", "key_usage": "SIGN_VERIFY"}, "Decrypt"),
        ({"key_spec": "HMAC_256", "key_usage": "GENERATE_VERIFY_MAC"}, "Encrypt"),
    ],
)
def test_operation_the_key_cannot_do_is_refused(
    kms: Any, fake_kms: Any, key_args: dict[str, str], operation: str
) -> None:
    """[BC] CreateGrant Operations: "the operation must be supported on the KMS key"."""
    key = fake_kms.create_key(**key_args)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        _grant(kms, key.key_id, Operations=["DescribeKey", operation])
    code, message, _ = error_of(raised)
    assert code == "ValidationException"
    assert operation in message
    assert _grant_ids(kms, key.key_id) == []


@pytest.mark.parametrize(
    ("key_args", "operations"),
    [
        ({"key_spec": "RSA_2048", "key_usage": "SIGN_VERIFY"}, ["Sign", "Verify", "GetPublicKey"]),
        ({"key_spec": "HMAC_256", "key_usage": "GENERATE_VERIFY_MAC"}, ["GenerateMac"]),
        ({"key_spec": "ECC_NIST_P256", "key_usage": "KEY_AGREEMENT"}, ["DeriveSharedSecret"]),
        ({}, ["GenerateDataKeyPair", "ReEncryptFrom", "ReEncryptTo", "CreateGrant"]),
    ],
)
def test_operations_the_key_can_do_are_accepted(
    kms: Any, fake_kms: Any, key_args: dict[str, str], operations: list[str]
) -> None:
    key = fake_kms.create_key(**key_args)
    _grant(kms, key.key_id, Operations=[*operations, "RetireGrant", "DescribeKey"])
    assert len(_grant_ids(kms, key.key_id)) == 1


def test_constraints_need_a_symmetric_key(kms: Any, fake_kms: Any) -> None:
    """[BC] GrantConstraints: no encryption-context constraint for asymmetric or HMAC keys."""
    key = fake_kms.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT")
    with pytest.raises(kms.exceptions.ClientError) as raised:
        _grant(kms, key.key_id, Constraints={"EncryptionContextEquals": {"a": "b"}})
    assert error_of(raised)[0] == "ValidationException"


def test_constraints_allow_eight_pairs(kms: Any, key_id: str) -> None:
    """[BC] GrantConstraints: "up to 8 encryption context pairs"."""
    _grant(kms, key_id, Constraints={"EncryptionContextEquals": {str(i): "v" for i in range(8)}})
    with pytest.raises(kms.exceptions.ClientError) as raised:
        _grant(
            kms, key_id, Constraints={"EncryptionContextSubset": {str(i): "v" for i in range(9)}}
        )
    assert error_of(raised)[0] == "ValidationException"


def test_create_grant_dry_run_changes_nothing(kms: Any, key_id: str) -> None:
    """DryRun text VERIFIED for other operations (aws-recorded
    TestKMSGenerateKeys::test_generate_data_key_pair_dry_run)."""
    with pytest.raises(kms.exceptions.DryRunOperationException) as raised:
        _grant(kms, key_id, DryRun=True)
    assert error_of(raised) == ("DryRunOperationException", DRY_RUN_MESSAGE, 400)
    assert _grant_ids(kms, key_id) == []


def test_grant_tokens_are_accepted(kms: Any, key_id: str) -> None:
    token = _grant(kms, key_id)["GrantToken"]
    _grant(kms, key_id, GrantTokens=[token, "anything"])
    assert len(_grant_ids(kms, key_id)) == 2


# --- key identifiers, key states, cross-account ---------------------------------------


@pytest.mark.parametrize("operation", ["create_grant", "list_grants"])
def test_invalid_key_is_not_found(kms: Any, operation: str) -> None:
    """LS test_create_grant_with_invalid_key, test_list_grants_with_invalid_key
    (AWS-validated: NotFoundException); text as kms-facts §0 row 3."""
    params: dict[str, Any] = {"KeyId": "invalid"}
    if operation == "create_grant":
        params.update(GranteePrincipal=GRANTEE, Operations=["Decrypt"])
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        getattr(kms, operation)(**params)
    assert error_of(raised) == ("NotFoundException", "Invalid keyId 'invalid'", 400)


def test_alias_arn_is_refused_with_awss_text(kms: Any, key_id: str) -> None:
    """kms-facts §0 row 7: real AWS output for CreateGrant (hashicorp/terraform#20813)."""
    kms.create_alias(AliasName="alias/granted", TargetKeyId=key_id)
    with pytest.raises(kms.exceptions.InvalidArnException) as raised:
        _grant(kms, f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/granted")
    assert error_of(raised)[1] == "Key Aliases are not supported for this operation."


def test_disabled_key_refuses_create_grant_but_lists_and_revokes(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """Key-state table row CreateGrant (Disabled: DisabledException); ListGrants, RetireGrant
    and RevokeGrant work in every state (kms-facts §3.2)."""
    grant_id = _grant(kms, key_id)["GrantId"]
    kms.disable_key(KeyId=key_id)
    with pytest.raises(kms.exceptions.DisabledException) as raised:
        _grant(kms, key_id)
    assert error_of(raised)[1] == f"{fake_kms.key(key_id).arn} is disabled."
    assert _grant_ids(kms, key_id) == [grant_id]
    kms.revoke_grant(KeyId=key_id, GrantId=grant_id)
    assert _grant_ids(kms, key_id) == []


def test_pending_deletion_key_refuses_create_grant(kms: Any, fake_kms: Any, key_id: str) -> None:
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    with pytest.raises(kms.exceptions.KMSInvalidStateException) as raised:
        _grant(kms, key_id)
    assert error_of(raised)[1] == f"{fake_kms.key(key_id).arn} is pending deletion."


def test_cross_account_key_arn_is_accepted(kms: Any, fake_kms: Any) -> None:
    """[BC] CreateGrant, ListGrants, RevokeGrant: "Cross-account use: Yes"; IssuingAccount is
    the caller's account."""
    key = fake_kms.create_key(account_id=OTHER_ACCOUNT)
    grant_id = _grant(kms, key.arn)["GrantId"]
    [entry] = kms.list_grants(KeyId=key.arn)["Grants"]
    assert (entry["KeyId"], entry["IssuingAccount"]) == (key.arn, f"arn:aws:iam::{ACCOUNT}:root")
    kms.revoke_grant(KeyId=key.arn, GrantId=grant_id)
    assert _grant_ids(kms, key.arn) == []


# --- RetireGrant and RevokeGrant -----------------------------------------------------


def test_retire_by_token(kms: Any, key_id: str) -> None:
    """LS test_retire_grant_with_grant_token (AWS-validated)."""
    keep = _grant(kms, key_id)["GrantId"]
    token = _grant(kms, key_id)["GrantToken"]
    kms.retire_grant(GrantToken=token)
    assert _grant_ids(kms, key_id) == [keep]


def test_retire_by_key_and_grant_id(kms: Any, fake_kms: Any, key_id: str) -> None:
    """[BC] RetireGrant: a grant token, or both the grant ID and a key identifier."""
    grant_id = _grant(kms, key_id)["GrantId"]
    kms.retire_grant(KeyId=fake_kms.key(key_id).arn, GrantId=grant_id)
    assert _grant_ids(kms, key_id) == []


def test_revoke(kms: Any, key_id: str) -> None:
    """LS test_revoke_grant (AWS-validated): one grant fewer."""
    grant_id = _grant(kms, key_id)["GrantId"]
    kms.revoke_grant(KeyId=key_id, GrantId=grant_id)
    assert _grant_ids(kms, key_id) == []


def test_unknown_grant_is_not_found(kms: Any, fake_kms: Any, key_id: str) -> None:
    """RevokeGrant on an unknown grant: NotFoundException (moto aligned with AWS in
    getmoto/moto#5410); the message is our wording."""
    created = _grant(kms, key_id)
    kms.revoke_grant(KeyId=key_id, GrantId=created["GrantId"])
    arn = fake_kms.key(key_id).arn
    expected = f"Grant ID {created['GrantId']} not found for key {arn}"
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.revoke_grant(KeyId=key_id, GrantId=created["GrantId"])
    assert error_of(raised) == ("NotFoundException", expected, 400)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.retire_grant(GrantToken=created["GrantToken"])
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.retire_grant(KeyId=key_id, GrantId=created["GrantId"])


def test_malformed_grant_id_and_token(kms: Any, key_id: str) -> None:
    with pytest.raises(kms.exceptions.InvalidGrantIdException):
        kms.revoke_grant(KeyId=key_id, GrantId="not-a-grant-id")
    with pytest.raises(kms.exceptions.InvalidGrantIdException):
        kms.list_grants(KeyId=key_id, GrantId="not-a-grant-id")
    with pytest.raises(kms.exceptions.InvalidGrantTokenException):
        kms.retire_grant(GrantToken="not-a-grant-token")


def test_retire_needs_a_token_or_key_and_grant_id(kms: Any, key_id: str) -> None:
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.retire_grant(KeyId=key_id)
    assert error_of(raised)[0] == "ValidationException"


def test_retire_and_revoke_dry_run_change_nothing(kms: Any, key_id: str) -> None:
    created = _grant(kms, key_id)
    with pytest.raises(kms.exceptions.DryRunOperationException):
        kms.retire_grant(GrantToken=created["GrantToken"], DryRun=True)
    with pytest.raises(kms.exceptions.DryRunOperationException) as raised:
        kms.revoke_grant(KeyId=key_id, GrantId=created["GrantId"], DryRun=True)
    assert error_of(raised)[1] == DRY_RUN_MESSAGE
    assert _grant_ids(kms, key_id) == [created["GrantId"]]


# --- paging and filters --------------------------------------------------------------


def test_list_grants_pages_with_limit_and_marker(kms: Any, key_id: str) -> None:
    created = [_grant(kms, key_id)["GrantId"] for _ in range(5)]
    first = kms.list_grants(KeyId=key_id, Limit=2)
    assert (first["Truncated"], len(first["Grants"])) == (True, 2)
    rest = kms.list_grants(KeyId=key_id, Limit=10, Marker=first["NextMarker"])
    assert rest["Truncated"] is False
    assert "NextMarker" not in rest
    assert [g["GrantId"] for g in first["Grants"] + rest["Grants"]] == created
    pages = kms.get_paginator("list_grants").paginate(
        KeyId=key_id, PaginationConfig={"PageSize": 2}
    )
    assert [g["GrantId"] for page in pages for g in page["Grants"]] == created


def test_list_grants_returns_at_most_100(kms: Any, key_id: str) -> None:
    """[BC] ListGrants Limit: "between 1 and 100 ... defaults to 50"."""
    for _ in range(101):
        _grant(kms, key_id)
    assert len(kms.list_grants(KeyId=key_id)["Grants"]) == 50
    page = kms.list_grants(KeyId=key_id, Limit=1000)
    assert (len(page["Grants"]), page["Truncated"]) == (100, True)


def test_unknown_marker_is_invalid(kms: Any, key_id: str) -> None:
    with pytest.raises(kms.exceptions.InvalidMarkerException):
        kms.list_grants(KeyId=key_id, Marker="nope")


def test_list_grants_filters(kms: Any, key_id: str) -> None:
    mine = _grant(kms, key_id)["GrantId"]
    other = _grant(kms, key_id, GranteePrincipal=RETIREE)["GrantId"]
    assert _grant_ids(kms, key_id, GrantId=other) == [other]
    assert _grant_ids(kms, key_id, GranteePrincipal=GRANTEE) == [mine]
    assert _grant_ids(kms, key_id, GrantId=mine, GranteePrincipal=RETIREE) == []
    assert _grant_ids(kms, key_id, GrantId="0" * 64) == []


def test_list_retirable_grants_across_keys_and_accounts(kms: Any, fake_kms: Any) -> None:
    """[BC] ListRetirableGrants: grants of keys in this and other accounts whose retiring
    principal is the given one, with paging."""
    own = fake_kms.create_key().key_id
    foreign = fake_kms.create_key(account_id=OTHER_ACCOUNT).arn
    expected = [
        _grant(kms, own, RetiringPrincipal=RETIREE)["GrantId"],
        _grant(kms, foreign, RetiringPrincipal=RETIREE)["GrantId"],
    ]
    _grant(kms, own)
    _grant(kms, own, RetiringPrincipal=GRANTEE)
    first = kms.list_retirable_grants(RetiringPrincipal=RETIREE, Limit=1)
    assert first["Truncated"] is True
    rest = kms.list_retirable_grants(RetiringPrincipal=RETIREE, Marker=first["NextMarker"])
    grants = first["Grants"] + rest["Grants"]
    assert [g["GrantId"] for g in grants] == expected
    assert {g["RetiringPrincipal"] for g in grants} == {RETIREE}
    assert (
        kms.list_retirable_grants(RetiringPrincipal=f"arn:aws:iam::{ACCOUNT}:root")["Grants"] == []
    )


# --- quota, authorization, persistence -------------------------------------------------


def test_grants_per_key_quota(kms: Any, fake_kms: Any, key_id: str) -> None:
    """kms-facts §4.1: 50,000 grants per key (adjustable); over it LimitExceededException.
    An identical named retry is not a new grant and still succeeds."""
    fake_kms.quotas.grants_per_key = 2
    named = _grant(kms, key_id, Name="kept")["GrantId"]
    _grant(kms, key_id)
    with pytest.raises(kms.exceptions.LimitExceededException):
        _grant(kms, key_id)
    assert _grant(kms, key_id, Name="kept")["GrantId"] == named
    assert len(_grant_ids(kms, key_id)) == 2
    other = fake_kms.create_key().key_id
    _grant(kms, other)  # the quota is per key


def test_grants_do_not_authorize(kms: Any, fake_kms: Any, key_id: str) -> None:
    """The fake authorizes nothing from grants: the policy engine ignores them."""
    stranger = f"arn:aws:iam::{OTHER_ACCOUNT}:role/app"
    _grant(kms, key_id, GranteePrincipal=stranger)
    assert not fake_kms.policy_allows(key_id, stranger, "kms:Decrypt")


def test_grants_survive_dump_and_load(kms: Any, fake_kms: Any, key_id: str) -> None:
    """persistence.py keeps every grant member; tokens name key and grant, so they still
    work after a restart."""
    _grant(
        kms,
        key_id,
        Name="persisted",
        RetiringPrincipal=RETIREE,
        Constraints={"EncryptionContextEquals": {"k": "v"}},
    )
    _grant(kms, key_id)
    data = dump_state(fake_kms)
    restored = FakeKMS()
    load_state(json.loads(json.dumps(data)), restored)
    assert restored._find(key_id).grants == fake_kms._find(key_id).grants
    assert dump_state(restored)["keys"] == data["keys"]
