"""DescribeKey keeps its answer on the key while the key is unchanged (issue #8).

``KeyRecord.described`` holds the last DescribeKey result and the fingerprint of the
fields it was built from (``KeyRecord.metadata_fingerprint``); a cached answer is only
right if the fingerprint covers every field ``KeyRecord.metadata`` reads. These tests
check that list against what ``metadata`` actually reads, for keys in every shape that
changes the metadata's members, and check through boto3 that every change a test can
make to a key shows in the next DescribeKey.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms import FakeKMS, persistence, protocol
from pytest_fakekms.domain.keys import METADATA_FIELDS, KeyRecord
from pytest_fakekms.domain.keystates import KeyState
from pytest_fakekms.operations.base import ReusedResult
from pytest_fakekms.state import find_key

REGION = "us-east-1"


class _Reads:
    """Stands in for a KeyRecord and remembers which attributes were read."""

    def __init__(self, record: KeyRecord) -> None:
        self._record = record
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._record, name)


def _record(fake: FakeKMS, key_id: str) -> KeyRecord:
    return find_key(fake._state, key_id, account_id=fake.account_id, region=REGION)


def _cached_body(record: KeyRecord) -> bytes:
    assert record.described is not None
    result = record.described[1]
    assert isinstance(result, ReusedResult)
    assert result.body is not None
    return result.body


def _keys_of_every_shape(fake: FakeKMS) -> list[KeyRecord]:
    kms = boto3.client("kms", region_name=REGION)
    ids = [
        kms.create_key()["KeyMetadata"]["KeyId"],
        kms.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"],
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"],
        kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"],
        kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"],
    ]
    pending = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=pending, PendingWindowInDays=7)
    ids.append(pending)
    records = [_record(fake, key_id) for key_id in ids]
    # The fields no API call above sets, set by hand so metadata() takes every branch.
    imported = records[4]
    imported.expiration_model = "KEY_MATERIAL_EXPIRES"
    imported.valid_to = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    return records


def test_the_fingerprint_covers_every_field_metadata_reads(fake_kms: FakeKMS) -> None:
    names = {field.name for field in dataclasses.fields(KeyRecord)}
    assert set(METADATA_FIELDS) <= names
    read: set[str] = set()
    for record in _keys_of_every_shape(fake_kms):
        reads = _Reads(record)
        assert KeyRecord.metadata(reads) == record.metadata()  # type: ignore[arg-type]
        read |= reads.read
    assert read <= set(METADATA_FIELDS), read - set(METADATA_FIELDS)
    assert read == set(METADATA_FIELDS), "a listed field metadata() never reads"


def test_describing_an_unchanged_key_gives_the_same_bytes(fake_kms: FakeKMS) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key(Description="d")["KeyMetadata"]["KeyId"]
    first = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    body = _cached_body(_record(fake_kms, key_id))
    second = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert first == second
    assert _cached_body(_record(fake_kms, key_id)) is body
    response = fake_kms.calls.last.response
    assert response is not None
    assert response["KeyMetadata"]["Description"] == "d"


def test_every_change_shows_in_the_next_describe(fake_kms: FakeKMS) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]

    def described() -> dict[str, Any]:
        return kms.describe_key(KeyId=key_id)["KeyMetadata"]  # type: ignore[no-any-return]

    material = described()["CurrentKeyMaterialId"]
    kms.update_key_description(KeyId=key_id, Description="new")
    assert described()["Description"] == "new"
    kms.disable_key(KeyId=key_id)
    assert (described()["KeyState"], described()["Enabled"]) == ("Disabled", False)
    kms.enable_key(KeyId=key_id)
    assert (described()["KeyState"], described()["Enabled"]) == ("Enabled", True)
    kms.rotate_key_on_demand(KeyId=key_id)
    assert described()["CurrentKeyMaterialId"] != material
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    pending = described()
    assert pending["KeyState"] == "PendingDeletion"
    assert "DeletionDate" in pending
    assert "PendingDeletionWindowInDays" not in pending  # PendingReplicaDeletion only
    kms.cancel_key_deletion(KeyId=key_id)
    cancelled = described()
    assert cancelled["KeyState"] == "Disabled"  # AWS leaves a cancelled key disabled
    assert "DeletionDate" not in cancelled
    fake_kms.set_key_state(key_id, KeyState.UNAVAILABLE)
    assert described()["KeyState"] == "Unavailable"


_STEPS = st.sampled_from(
    ["disable", "enable", "describe-text", "schedule", "cancel", "rotate", "tag", "clock"]
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(_STEPS, st.integers(7, 30)), max_size=8))
def test_describe_always_equals_freshly_built_metadata(steps: list[tuple[str, int]]) -> None:
    """Whatever happens to a key, the (possibly cached) DescribeKey body is exactly the
    JSON of metadata() built anew at that moment."""
    with FakeKMS() as fake:
        kms = boto3.client("kms", region_name=REGION)
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        for step, number in steps:
            try:
                if step == "disable":
                    kms.disable_key(KeyId=key_id)
                elif step == "enable":
                    kms.enable_key(KeyId=key_id)
                elif step == "describe-text":
                    kms.update_key_description(KeyId=key_id, Description=f"d{number}")
                elif step == "schedule":
                    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=number)
                elif step == "cancel":
                    kms.cancel_key_deletion(KeyId=key_id)
                elif step == "rotate":
                    kms.rotate_key_on_demand(KeyId=key_id)
                elif step == "tag":
                    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k", "TagValue": f"{number}"}])
                else:
                    fake.clock.advance(dt.timedelta(days=number))
            except kms.exceptions.ClientError:
                pass  # not allowed in the key's state: nothing changed
            try:
                record = _record(fake, key_id)
            except KeyError:
                return  # the deletion completed
            kms.describe_key(KeyId=key_id)
            body = fake._dispatcher.handle(
                f"https://kms.{REGION}.amazonaws.com/",
                {"x-amz-target": "TrentService.DescribeKey"},
                json.dumps({"KeyId": key_id}).encode(),
            ).body
            assert json.loads(body) == protocol.to_wire({"KeyMetadata": record.metadata()})


def test_the_cache_is_not_persisted() -> None:
    with FakeKMS() as fake:
        kms = boto3.client("kms", region_name=REGION)
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        before = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        assert _record(fake, key_id).described is not None
        dumped = persistence.dump_state(fake)
    assert "described" not in json.dumps(dumped)
    with FakeKMS() as other:
        persistence.load_state(dumped, other)
        assert _record(other, key_id).described is None
        kms = boto3.client("kms", region_name=REGION)
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"] == before
