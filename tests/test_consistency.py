"""Eventual consistency: a key younger than N virtual seconds is NotFound to everything
but CreateKey (kms-facts §6: AWS documents NotFoundException right after CreateKey)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ACCOUNT, REGION, ROOT, allow, error_of, policy

ARN_PREFIX = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"


def not_found(key_id: str) -> tuple[str, str, int]:
    return ("NotFoundException", f"Key '{ARN_PREFIX}{key_id}' does not exist", 400)


@pytest.mark.kms_eventual_consistency(seconds=5.0)
def test_describe_right_after_create_is_not_found_until_the_clock_moves(
    kms: Any, fake_kms: Any
) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.describe_key(KeyId=key_id)
    assert error_of(raised) == not_found(key_id)
    assert fake_kms.calls.last.injected
    fake_kms.clock.advance(4.9)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=key_id)
    fake_kms.clock.advance(0.1)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id


@pytest.mark.kms_eventual_consistency
def test_default_is_five_seconds(kms: Any, fake_kms: Any, key_id: str) -> None:
    fake_kms.clock.advance(4)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.enable_key(KeyId=key_id)
    fake_kms.clock.advance(1)
    kms.enable_key(KeyId=key_id)


@pytest.mark.kms_eventual_consistency(seconds=5)
def test_every_identifier_form_and_key_member_is_checked(kms: Any, fake_kms: Any) -> None:
    old = kms.create_key()["KeyMetadata"]["KeyId"]
    fake_kms.clock.advance(10)
    kms.create_alias(AliasName="alias/old", TargetKeyId=old)
    young = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.create_alias(AliasName="alias/young", TargetKeyId=young)
    assert error_of(raised) == not_found(young)
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.describe_key(KeyId=ARN_PREFIX + young)
    assert error_of(raised) == not_found(young)
    kms.update_alias(AliasName="alias/old", TargetKeyId=old)
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.update_alias(AliasName="alias/old", TargetKeyId=young)
    assert error_of(raised) == not_found(young)
    assert kms.describe_key(KeyId="alias/old")["KeyMetadata"]["KeyId"] == old


@pytest.mark.kms_eventual_consistency(seconds=60)
def test_a_hidden_key_changes_no_state(kms: Any, fake_kms: Any, key_id: str) -> None:
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.put_key_policy(KeyId=key_id, Policy=policy(allow({"AWS": ROOT})))
    assert len(fake_kms.policy_history(key_id)) == 1
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert fake_kms.key(key_id).state.value == "Enabled"


@pytest.mark.kms_eventual_consistency(seconds=60)
def test_create_key_and_listings_are_not_affected(kms: Any, fake_kms: Any) -> None:
    """Only requests naming a key are affected; ListKeys shows the new key at once."""
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    assert [k["KeyId"] for k in kms.list_keys()["Keys"]] == [key_id]
    assert all(c.error is None for c in fake_kms.calls)


@pytest.mark.kms_eventual_consistency(seconds=60)
def test_identifiers_the_operation_rejects_get_the_operations_own_error(kms: Any) -> None:
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.describe_key(KeyId="alias/missing")
    assert (
        error_of(raised)[1] == f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/missing is not found."
    )


@pytest.mark.kms_eventual_consistency(seconds=60)
def test_seeded_keys_are_young_too(kms: Any, fake_kms: Any) -> None:
    key = fake_kms.create_key()
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=key.key_id)
    fake_kms.clock.advance(minutes=1)
    kms.describe_key(KeyId=key.key_id)


def test_turned_on_and_off_with_the_method(kms: Any, fake_kms: Any, key_id: str) -> None:
    kms.describe_key(KeyId=key_id)  # strictly consistent by default
    fake_kms.eventual_consistency(seconds=2)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.describe_key(KeyId=key_id)
    fake_kms.eventual_consistency(0)
    kms.describe_key(KeyId=key_id)


@pytest.mark.parametrize("seconds", [-1, "5", True])
def test_bad_seconds(fake_kms: Any, seconds: Any) -> None:
    with pytest.raises(ValueError, match="seconds must be a number of virtual seconds >= 0"):
        fake_kms.eventual_consistency(seconds)
