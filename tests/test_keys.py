"""CreateKey, DescribeKey, ListKeys, tags and the key lifecycle through real boto3 clients
(issue #2 point 4, issue #3 point 6)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
from typing import Any

import pytest
from conftest import ACCOUNT, REGION, error_of, in_forked_child, recorded

from pytest_fakekms import FakeKMS, KeyState

ARN_PREFIX = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"


def test_symmetric_key_metadata_has_exactly_awss_members(kms: Any) -> None:
    """kms-facts §7.1, VERIFIED against aws-recorded test_create_key."""
    key_id = kms.create_key(Description="test key 123")["KeyMetadata"]["KeyId"]
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    oracle = recorded("TestKMS::test_create_key", "describe-key")
    assert set(meta) == set(oracle)
    constant = {k: v for k, v in oracle.items() if not isinstance(v, str) or "<" not in v}
    constant.pop("CreationDate", None)
    constant.pop("AWSAccountId", None)
    assert {k: meta[k] for k in constant} == constant
    assert meta["Arn"] == ARN_PREFIX + meta["KeyId"]
    assert len(meta["CurrentKeyMaterialId"]) == 64
    assert isinstance(meta["CreationDate"], dt.datetime)


def test_hmac_key_metadata_matches_the_recording(kms: Any) -> None:
    """aws-recorded test_hmac_create_key: MacAlgorithms, no CurrentKeyMaterialId."""
    meta = kms.create_key(
        KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC", Description="test key"
    )["KeyMetadata"]
    oracle = recorded("TestKMS::test_hmac_create_key", "create-hmac-key")
    assert set(meta) == set(oracle)
    assert meta["MacAlgorithms"] == ["HMAC_SHA_256"]


def test_hmac_key_without_key_usage_is_refused(kms: Any) -> None:
    """aws-recorded test_hmac_create_key_invalid_operations (VERIFIED text)."""
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.create_key(KeySpec="HMAC_256")
    assert error_of(raised) == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
        400,
    )


VALID_COMBINATIONS = [
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
    *itertools.product(("RSA_2048", "RSA_3072", "RSA_4096"), ("ENCRYPT_DECRYPT", "SIGN_VERIFY")),
    *itertools.product(("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"), ("SIGN_VERIFY",)),
    ("ECC_SECG_P256K1", "SIGN_VERIFY"),
    *itertools.product(("HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"), ("GENERATE_VERIFY_MAC",)),
]


@pytest.mark.parametrize(("spec", "usage"), VALID_COMBINATIONS)
@pytest.mark.parametrize("origin", ["AWS_KMS", "EXTERNAL"])
def test_every_spec_usage_origin_combination(
    kms: Any, fake_kms: Any, spec: str, usage: str, origin: str
) -> None:
    """Every combination the model allows creates a key; EXTERNAL keys start PendingImport
    with Enabled false (kms-facts §7.1, aws-recorded test_import_key_*)."""
    meta = kms.create_key(KeySpec=spec, KeyUsage=usage, Origin=origin)["KeyMetadata"]
    assert (meta["KeySpec"], meta["KeyUsage"], meta["Origin"]) == (spec, usage, origin)
    assert meta["KeyState"] == ("PendingImport" if origin == "EXTERNAL" else "Enabled")
    assert meta["Enabled"] is (origin == "AWS_KMS")
    assert fake_kms._find(meta["KeyId"]).materials == ()  # lazy: no RSA key made yet


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("ECC_NIST_P256", "ENCRYPT_DECRYPT"),
        ("HMAC_256", "SIGN_VERIFY"),
        ("RSA_2048", "GENERATE_VERIFY_MAC"),
    ],
)
def test_incompatible_usage_is_a_validation_error(
    kms: Any, fake_kms: Any, spec: str, usage: str
) -> None:
    """The recorded text below, for every pair the spec does not allow."""
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.create_key(KeySpec=spec, KeyUsage=usage)
    assert error_of(raised) == (
        "ValidationException",
        f"KeyUsage {usage} is not compatible with KeySpec {spec}",
        400,
    )
    assert fake_kms.keys() == []


def test_incompatible_usage_text_is_awss(kms: Any) -> None:
    """aws-recorded test_derive_shared_secret, entry "response-invalid-key-spec": CreateKey
    with KeySpec RSA_2048 and KeyUsage KEY_AGREEMENT answers this text, with no final period
    (found by an audit on 2026-11-27; the fake ended it with one)."""
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.create_key(KeySpec="RSA_2048", KeyUsage="KEY_AGREEMENT")
    expected = recorded("TestKMS::test_derive_shared_secret", "response-invalid-key-spec")
    assert error_of(raised) == (
        expected["Error"]["Code"],
        expected["Error"]["Message"],
        expected["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_multi_region_key_has_mrk_id_and_configuration(kms: Any) -> None:
    meta = kms.create_key(MultiRegion=True)["KeyMetadata"]
    assert meta["KeyId"].startswith("mrk-")
    assert len(meta["KeyId"]) == 36
    assert meta["MultiRegion"] is True
    assert meta["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    assert kms.describe_key(KeyId=meta["KeyId"])["KeyMetadata"]["KeyId"] == meta["KeyId"]


def test_default_policy_is_awss_exact_text(kms: Any, key_id: str) -> None:
    """kms-facts §2.2, VERIFIED byte for byte."""
    expected = (
        "{\n"
        '  "Version" : "2012-10-17",\n'
        '  "Id" : "key-default-1",\n'
        '  "Statement" : [ {\n'
        '    "Sid" : "Enable IAM User Permissions",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        f'      "AWS" : "arn:aws:iam::{ACCOUNT}:root"\n'
        "    },\n"
        '    "Action" : "kms:*",\n'
        '    "Resource" : "*"\n'
        "  } ]\n"
        "}"
    )
    assert kms.get_key_policy(KeyId=key_id)["Policy"] == expected
    assert kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"] == expected


def test_get_key_policy_with_another_name(kms: Any, key_id: str) -> None:
    """api.md §7 (guess, moto and LocalStack agree)."""
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.get_key_policy(KeyId=key_id, PolicyName="other")
    assert error_of(raised)[1] == "No such policy exists"


def test_list_key_policies(kms: Any, key_id: str) -> None:
    """kms-facts §1.3 (VERIFIED, aws-validated 2024-04-11)."""
    response = kms.list_key_policies(KeyId=key_id)
    assert (response["PolicyNames"], response["Truncated"]) == (["default"], False)


def test_key_material_ids_are_64_lowercase_hex_and_never_repeat(kms: Any) -> None:
    """kms-facts §7.1 (VERIFIED, LS-S test_create_key): CurrentKeyMaterialId has length 64
    and matches ``^[a-f0-9]+$``. The fake draws ids from a fast non-cryptographic
    generator (issue #8: ids must be unique, not secret); a rotation gets a new one."""
    key_ids = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(40)]
    material_ids = [
        kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"] for key_id in key_ids
    ]
    kms.rotate_key_on_demand(KeyId=key_ids[0])
    rotated = kms.describe_key(KeyId=key_ids[0])["KeyMetadata"]["CurrentKeyMaterialId"]
    for material_id in [*material_ids, rotated]:
        assert re.fullmatch(r"[a-f0-9]{64}", material_id), material_id
    assert len({*material_ids, rotated}) == len(material_ids) + 1


def test_untagged_keys_share_no_tags_with_each_other(kms: Any) -> None:
    """Keys created without Tags share one immutable empty mapping (memory per key,
    issue #8); tagging one must not tag the others, and untagging gives it back nothing."""
    first, second = (kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(2))
    kms.tag_resource(KeyId=first, Tags=[{"TagKey": "team", "TagValue": "orders"}])
    assert kms.list_resource_tags(KeyId=second)["Tags"] == []
    assert kms.list_resource_tags(KeyId=first)["Tags"] == [{"TagKey": "team", "TagValue": "orders"}]
    kms.untag_resource(KeyId=first, TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=first)["Tags"] == []
    third = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.list_resource_tags(KeyId=third)["Tags"] == []


def test_tags_on_create_and_tag_errors(kms: Any, fake_kms: Any) -> None:
    """aws-recorded test_create_key_with_invalid_tag_key / duplicate / too many tags."""
    key_id = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "orders"}])["KeyMetadata"]["KeyId"]
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [
        {"TagKey": "team", "TagValue": "orders"}
    ]
    cases = [
        ([{"TagKey": "aws:x", "TagValue": "v"}], "Tags beginning with aws: are reserved"),
        (
            [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "a", "TagValue": "2"}],
            "Duplicate tag keys",
        ),
        ([{"TagKey": f"k{i}", "TagValue": "v"} for i in range(51)], "Too many tags"),
    ]
    for tags, message in cases:
        with pytest.raises(kms.exceptions.TagException) as raised:
            kms.create_key(Tags=tags)
        assert error_of(raised) == ("TagException", message, 400)
    assert len(fake_kms.keys()) == 1
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": "prod"}])
    kms.untag_resource(KeyId=key_id, TagKeys=["team"])
    assert fake_kms.key(key_id).tags == {"env": "prod"}


def test_list_resource_tags_pages_by_limit(kms: Any) -> None:
    """[BC] ListResourceTags ``Limit``: "KMS does not return more than the specified
    number of items ... between 1 and 50, inclusive ... defaults to 50", with ``Truncated``
    and ``NextMarker`` while more remain, and botocore's paginator for it (until
    2026-11-27 the fake ignored Limit and Marker and returned every tag at once). A
    Limit over 50 is read as 50 (AWS's answer is not on record); a marker that names no
    position is ``InvalidMarkerException``, like every listing's."""
    tags = [{"TagKey": f"k{i:02d}", "TagValue": str(i)} for i in range(23)]
    key_id = kms.create_key(Tags=tags)["KeyMetadata"]["KeyId"]
    pages = list(
        kms.get_paginator("list_resource_tags").paginate(
            KeyId=key_id, PaginationConfig={"PageSize": 10}
        )
    )
    assert [len(page["Tags"]) for page in pages] == [10, 10, 3]
    assert [page["Truncated"] for page in pages] == [True, True, False]
    assert "NextMarker" not in pages[-1]
    assert [tag for page in pages for tag in page["Tags"]] == tags
    whole = kms.list_resource_tags(KeyId=key_id)
    assert (whole["Tags"], whole["Truncated"]) == (tags, False)
    assert kms.list_resource_tags(KeyId=key_id, Limit=1000)["Tags"] == tags

    first = kms.list_resource_tags(KeyId=key_id, Limit=20)
    kms.untag_resource(KeyId=key_id, TagKeys=[f"k{i:02d}" for i in range(5)])
    for marker in (first["NextMarker"], "²", "-1", "x"):  # past the end after the untag
        with pytest.raises(kms.exceptions.InvalidMarkerException) as raised:
            kms.list_resource_tags(KeyId=key_id, Marker=marker)
        assert error_of(raised) == ("InvalidMarkerException", "The marker is not valid.", 400)


@pytest.mark.parametrize(
    "form",
    ["id", "arn", "alias", "alias-arn"],
)
def test_describe_key_by_every_identifier(kms: Any, key_id: str, form: str) -> None:
    """All four identifier forms (kms-facts §7.1; aws-recorded test_describe_with_alias_arn)."""
    kms.create_alias(AliasName="alias/orders", TargetKeyId=key_id)
    identifier = {
        "id": key_id,
        "arn": ARN_PREFIX + key_id,
        "alias": "alias/orders",
        "alias-arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/orders",
    }[form]
    assert kms.describe_key(KeyId=identifier)["KeyMetadata"]["KeyId"] == key_id


def test_describe_unknown_alias(kms: Any) -> None:
    """Real AWS text quoted in sigstore/cosign#1474."""
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.describe_key(KeyId="alias/missing")
    assert (
        error_of(raised)[1] == f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/missing is not found."
    )


def test_describe_key_of_another_region_and_unknown_key(kms: Any, key_id: str) -> None:
    """aws-recorded test_get_key_in_different_region / test_get_key_does_not_exist."""
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.describe_key(KeyId=f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{key_id}")
    assert error_of(raised)[1] == "Invalid arn eu-west-1"
    oracle = recorded("TestKMS::test_get_key_does_not_exist", "describe-nonexistent-key-with-id")
    assert oracle["Error"]["Code"] == "NotFoundException"
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.describe_key(KeyId=missing)
    assert error_of(raised)[1] == f"Key '{ARN_PREFIX}{missing}' does not exist"


def test_keys_are_per_region_and_per_account(fake_kms: Any) -> None:
    import boto3

    east = boto3.client("kms", region_name="us-east-1")
    west = boto3.client("kms", region_name="us-west-2")
    key_id = east.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(west.exceptions.NotFoundException):
        west.describe_key(KeyId=key_id)
    other = "arn:aws:iam::210987654321:role/other"
    fake_kms.add_principal(other, access_key_id="AKIAOTHERACCOUNT0000")
    other_client = boto3.client(
        "kms",
        region_name="us-east-1",
        aws_access_key_id="AKIAOTHERACCOUNT0000",
        aws_secret_access_key="x",
    )
    assert other_client.list_keys()["Keys"] == []
    other_key = other_client.create_key()["KeyMetadata"]
    assert other_key["AWSAccountId"] == "210987654321"


def test_list_keys_paginates(kms: Any, fake_kms: Any) -> None:
    created = [fake_kms.create_key().key_id for _ in range(7)]
    seen: list[str] = []
    marker: dict[str, str] = {}
    while True:
        page = kms.list_keys(Limit=3, **marker)
        seen += [k["KeyId"] for k in page["Keys"]]
        assert all(k["KeyArn"] == ARN_PREFIX + k["KeyId"] for k in page["Keys"])
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = {"Marker": page["NextMarker"]}
    assert seen == created
    assert [
        k["KeyId"] for p in kms.get_paginator("list_keys").paginate() for k in p["Keys"]
    ] == created


def test_aliases_create_update_delete_list(kms: Any, fake_kms: Any) -> None:
    first = fake_kms.create_key().key_id
    second = fake_kms.create_key().key_id
    kms.create_alias(AliasName="alias/app", TargetKeyId=first)
    with pytest.raises(kms.exceptions.AlreadyExistsException):
        kms.create_alias(AliasName="alias/app", TargetKeyId=second)
    kms.update_alias(AliasName="alias/app", TargetKeyId=ARN_PREFIX + second)
    aliases = kms.list_aliases()["Aliases"]
    assert [(a["AliasName"], a["TargetKeyId"]) for a in aliases] == [("alias/app", second)]
    assert aliases[0]["AliasArn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/app"
    assert kms.list_aliases(KeyId=first)["Aliases"] == []
    kms.delete_alias(AliasName="alias/app")
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.delete_alias(AliasName="alias/app")


def test_alias_name_must_start_with_alias_prefix(kms: Any, key_id: str) -> None:
    """aws-recorded test_create_alias (VERIFIED text)."""
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.create_alias(AliasName="no-prefix", TargetKeyId=key_id)
    oracle = recorded("TestKMS::test_create_alias", "create_alias")["Error"]
    assert error_of(raised) == (oracle["Code"], oracle["Message"], 400)


def test_alias_quota(kms: Any, fake_kms: Any, key_id: str) -> None:
    fake_kms.quotas.aliases_per_key = 2
    kms.create_alias(AliasName="alias/a", TargetKeyId=key_id)
    kms.create_alias(AliasName="alias/b", TargetKeyId=key_id)
    with pytest.raises(kms.exceptions.LimitExceededException):
        kms.create_alias(AliasName="alias/c", TargetKeyId=key_id)


def test_update_alias_to_a_key_pending_deletion(kms: Any, fake_kms: Any) -> None:
    """Key-state footnote [10]: the destination key pending deletion fails."""
    first = fake_kms.create_key().key_id
    doomed = fake_kms.create_key(state="PendingDeletion").key_id
    kms.create_alias(AliasName="alias/app", TargetKeyId=first)
    with pytest.raises(kms.exceptions.KMSInvalidStateException) as raised:
        kms.update_alias(AliasName="alias/app", TargetKeyId=doomed)
    assert error_of(raised)[1] == f"{ARN_PREFIX}{doomed} is pending deletion."


def test_disable_enable(kms: Any, fake_kms: Any, key_id: str) -> None:
    kms.disable_key(KeyId=key_id)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (meta["KeyState"], meta["Enabled"]) == ("Disabled", False)
    kms.enable_key(KeyId=key_id)
    assert fake_kms.key(key_id).state is KeyState.ENABLED


def test_schedule_and_cancel_deletion(kms: Any, fake_kms: Any, key_id: str) -> None:
    """kms-facts §7.2: response KeyId is the ARN, DeletionDate = now + window;
    cancel → Disabled (kms-facts §3.1, VERIFIED)."""
    now = fake_kms.clock.now()
    response = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert response["KeyId"] == ARN_PREFIX + key_id
    assert response["KeyState"] == "PendingDeletion"
    assert response["PendingWindowInDays"] == 7
    assert abs(response["DeletionDate"] - (now + dt.timedelta(days=7))) < dt.timedelta(seconds=1)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["Enabled"] is False
    assert "DeletionDate" in meta
    assert kms.cancel_key_deletion(KeyId=key_id)["KeyId"] == ARN_PREFIX + key_id
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "Disabled"
    assert "DeletionDate" not in meta


@pytest.mark.parametrize("days", [6, 31, 1, 365])
def test_pending_window_out_of_range(kms: Any, fake_kms: Any, key_id: str, days: int) -> None:
    """kms-facts §7.2: VERIFIED text (Skyscanner/kms-issuer#8)."""
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=days)
    assert error_of(raised) == (
        "ValidationException",
        "PendingWindowInDays must be between 7 and 30",
        400,
    )
    assert fake_kms.key(key_id).state is KeyState.ENABLED


def test_deletion_completes_when_the_clock_passes_the_date(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    kms.create_alias(AliasName="alias/doomed", TargetKeyId=key_id)
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    fake_kms.clock.advance(dt.timedelta(days=7, seconds=1))
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.describe_key(KeyId=key_id)
    assert error_of(raised)[1] == f"Key '{ARN_PREFIX}{key_id}' does not exist"
    assert kms.list_aliases()["Aliases"] == []


def test_pending_deletion_shows_its_date_not_a_window(kms: Any, key_id: str) -> None:
    """botocore's KeyMetadata docs: PendingDeletionWindowInDays "is present only when the
    KeyState of the KMS key is PendingReplicaDeletion"; a single-Region key scheduled for
    deletion shows its DeletionDate (found by an audit on 2026-11-27: the fake sent both)."""
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=9)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion"
    assert "DeletionDate" in meta
    assert "PendingDeletionWindowInDays" not in meta


@pytest.mark.parametrize("seed", ["set_key_state", "create_key"])
def test_a_key_forced_into_pending_deletion_looks_scheduled(
    kms: Any, fake_kms: Any, seed: str
) -> None:
    """A forced PendingDeletion gets the DeletionDate a real key in that state always has
    (botocore's KeyMetadata docs), 30 days ahead as ScheduleKeyDeletion's default window
    (kms-facts §7.2), and the clock completes the deletion like a scheduled one."""
    now = fake_kms.clock.now()
    if seed == "create_key":
        key_id = fake_kms.create_key(state="PendingDeletion").key_id
    else:
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        fake_kms.set_key_state(key_id, KeyState.PENDING_DELETION)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion"
    assert abs(meta["DeletionDate"] - (now + dt.timedelta(days=30))) < dt.timedelta(seconds=1)
    assert "PendingDeletionWindowInDays" not in meta
    assert fake_kms.key(key_id).deletion_date == meta["DeletionDate"]
    fake_kms.clock.advance(dt.timedelta(days=30, seconds=1))
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=key_id)


def test_forced_states_keep_or_clear_the_deletion_members(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """A key already scheduled keeps its date when forced into PendingDeletion again;
    PendingReplicaDeletion shows a waiting period and no date; any other state neither."""
    scheduled = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)["DeletionDate"]
    fake_kms.set_key_state(key_id, "PendingDeletion")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["DeletionDate"] == scheduled
    fake_kms.set_key_state(key_id, "PendingReplicaDeletion")
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "PendingReplicaDeletion"
    assert meta["PendingDeletionWindowInDays"] == 7
    assert "DeletionDate" not in meta
    # The last replica gone: the waiting period shown begins (botocore's docs of both).
    before = fake_kms.clock.now()
    fake_kms.set_key_state(key_id, "PendingDeletion")
    date = kms.describe_key(KeyId=key_id)["KeyMetadata"]["DeletionDate"]
    assert abs(date - (before + dt.timedelta(days=7))) < dt.timedelta(seconds=1)
    fake_kms.set_key_state(key_id, "Disabled")
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert "DeletionDate" not in meta
    assert "PendingDeletionWindowInDays" not in meta
    fake_kms.set_key_state(key_id, "PendingReplicaDeletion")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["PendingDeletionWindowInDays"] == 30


def test_update_key_description(kms: Any, fake_kms: Any, key_id: str) -> None:
    kms.update_key_description(KeyId=key_id, Description="orders")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "orders"
    fake_kms.set_key_state(key_id, "PendingDeletion")
    with pytest.raises(kms.exceptions.KMSInvalidStateException) as raised:
        kms.update_key_description(KeyId=key_id, Description="x")
    assert error_of(raised)[1] == f"{ARN_PREFIX}{key_id} is pending deletion."
    assert fake_kms.key(key_id).description == "orders"


def test_create_key_quota(kms: Any, fake_kms: Any) -> None:
    fake_kms.quotas.keys_per_region = 1
    kms.create_key()
    with pytest.raises(kms.exceptions.LimitExceededException):
        kms.create_key()
    assert len(fake_kms.keys()) == 1


def test_seeded_key_with_policy_and_state(fake_kms: Any, kms: Any) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}],
    }
    key = fake_kms.create_key(policy=document, state="Disabled", description="seed")
    assert fake_kms.calls == []  # seeding records no calls
    assert key.state is KeyState.DISABLED
    assert json.loads(kms.get_key_policy(KeyId=key.key_id)["Policy"]) == document
    with pytest.raises(KeyError):
        fake_kms.key("1234abcd-12ab-34cd-56ef-1234567890ab")
    with pytest.raises(ValueError, match="MalformedPolicyDocumentException"):
        fake_kms.create_key(policy="{}")


def test_list_keys_marker_survives_earlier_deletions(kms: Any, fake_kms: Any) -> None:
    created = [fake_kms.create_key().key_id for _ in range(5)]
    first = kms.list_keys(Limit=2)
    doomed = created[0]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    fake_kms.clock.advance(dt.timedelta(days=8))
    rest = kms.list_keys(Limit=10, Marker=first["NextMarker"])
    assert [k["KeyId"] for k in rest["Keys"]] == created[2:]
    with pytest.raises(kms.exceptions.InvalidMarkerException):
        kms.list_keys(Marker="not-a-marker")


def _list_all(kms: Any, **first: Any) -> list[str]:
    seen: list[str] = []
    params = dict(first)
    while True:
        page = kms.list_keys(**params)
        seen += [k["KeyId"] for k in page["Keys"]]
        if not page["Truncated"]:
            return seen
        params = {"Limit": params.get("Limit", 100), "Marker": page["NextMarker"]}


def test_list_keys_pages_through_mass_deletions(kms: Any, fake_kms: Any) -> None:
    """Markers stay good when most keys are deleted between pages: the store's creation
    order (which pages are read from, one page at a time) is rebuilt once removed keys
    outnumber the live ones, and a marker then finds its place by its key id."""
    created = [fake_kms.create_key().key_id for _ in range(150)]
    first = kms.list_keys(Limit=10)
    assert [k["KeyId"] for k in first["Keys"]] == created[:10]
    marker_key = first["NextMarker"].rpartition(":")[2]
    assert marker_key == created[10]  # the marker names the next key (our format)
    doomed = created[:10] + created[11:121]  # 120 keys, on both sides of the marker
    for key_id in doomed:
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    fake_kms.clock.advance(dt.timedelta(days=8))
    survivors = [k for k in created if k not in doomed]
    rest = _list_all(kms, Limit=7, Marker=first["NextMarker"])
    assert rest == survivors
    assert _list_all(kms, Limit=4) == survivors
    later = [fake_kms.create_key().key_id for _ in range(3)]
    assert _list_all(kms) == survivors + later


def test_list_keys_marker_of_a_deleted_key_is_invalid(kms: Any, fake_kms: Any) -> None:
    """Our choice (AWS's answer is not on record): a marker whose next key has been
    deleted since is refused, rather than silently skipping to some other key."""
    created = [fake_kms.create_key().key_id for _ in range(3)]
    first = kms.list_keys(Limit=1)
    kms.schedule_key_deletion(KeyId=created[1], PendingWindowInDays=7)
    fake_kms.clock.advance(dt.timedelta(days=8))
    with pytest.raises(kms.exceptions.InvalidMarkerException) as raised:
        kms.list_keys(Marker=first["NextMarker"])
    assert error_of(raised) == ("InvalidMarkerException", "The marker is not valid.", 400)


def test_region_store_keeps_creation_order_through_removals() -> None:
    """Unit test of the order ListKeys reads: removed ids are skipped, and once the order
    holds more than twice the live keys plus 64 it is rebuilt without the removed ones."""
    from pytest_fakekms import FakeKMS

    fake = FakeKMS()
    ids = [fake.create_key().key_id for _ in range(200)]
    store = fake._state.backend.store(fake.account_id, fake.region)
    for key_id in ids[:120]:
        store.remove(key_id)
    assert len(store.order) == 200  # 200 <= 2 * 80 + 64: not yet rebuilt
    assert [r.key_id for _, r in store.in_order()] == ids[120:]
    assert [p for p, _ in store.in_order(150)] == list(range(150, 200))
    assert store.position_of(ids[170], hint=170) == 170
    assert store.position_of(ids[170], hint=3) == 170
    assert store.position_of(ids[10]) is None
    for key_id in ids[120:140]:
        store.remove(key_id)  # rebuilt at the 133rd removal: 200 > 2 * 67 + 64
    assert store.order == ids[133:]
    assert [r.key_id for _, r in store.in_order()] == ids[140:]
    assert store.position_of(ids[150], hint=150) == 17


@pytest.mark.parametrize(
    "account_id", ["12345678901", "1234567890123", "²" * 12, "١٢٣٤٥٦٧٨٩٠١٢", "abcdefghijkl"]
)
def test_a_fake_account_id_is_twelve_ascii_digits(account_id: str) -> None:
    """An AWS account id is 12 digits; superscript or Arabic-Indic digits, which
    ``str.isdigit()`` accepts, are refused too (they were accepted until 2026-11-27 and
    made ARNs no client could send back)."""
    with pytest.raises(ValueError, match="account_id must be 12 digits"):
        FakeKMS(account_id=account_id)
    assert FakeKMS(account_id="000000000000").keys() == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_a_forked_process_draws_its_own_key_ids(kms: Any) -> None:
    """Key ids come from a generator seeded once per process; a child made by ``fork``
    (``multiprocessing``'s default start method on Linux) is reseeded, so it does not
    hand out the parent's next ids. Before 2026-11-27 it did: the parent's and the
    child's next CreateKey answered the same KeyId."""
    kms.create_key()  # the generator is in use before the fork
    child_id = in_forked_child(lambda: kms.create_key()["KeyMetadata"]["KeyId"].encode()).decode()
    parent_id = kms.create_key()["KeyMetadata"]["KeyId"]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", child_id
    )
    assert child_id != parent_id


@pytest.mark.parametrize("spec", ["ML_DSA_44", "ML_DSA_87"])
def test_post_quantum_keys_without_cryptography_support_are_refused_at_create_key(
    kms: Any, fake_kms: FakeKMS, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    """A ``cryptography`` older than 48 has no ML-DSA (nor ML-KEM). CreateKey, which
    declares UnsupportedOperationException, refuses the key and stores nothing; before
    2026-11-27 the key was made and its first Sign answered a code Sign does not declare."""
    from pytest_fakekms.crypto import private_keys

    monkeypatch.setattr(private_keys, "_post_quantum_class", lambda key_spec: None)
    with pytest.raises(kms.exceptions.UnsupportedOperationException) as raised:
        kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")
    assert "lacks ML-DSA" in error_of(raised)[1]
    assert kms.list_keys()["Keys"] == []
