"""KeyMetadata's JSON body from a template per kind of key (issue #8).

``operations/metadata_body.py`` fills six values of a key into a text encoded once per
kind of key, instead of encoding all of KeyMetadata again for every CreateKey and every
new DescribeKey answer. These tests hold it to the encoder's exact bytes, for keys of
every spec, usage, origin and state and for any description, and check that the kind
covers every field KeyMetadata is built from.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms import FakeKMS, protocol
from pytest_fakekms.crypto.specs import SUPPORTED_KEY_SPECS, key_usages
from pytest_fakekms.domain.keys import METADATA_FIELDS, KeyRecord
from pytest_fakekms.domain.keystates import KeyState
from pytest_fakekms.operations import metadata_body
from pytest_fakekms.operations.keys import metadata_answer
from pytest_fakekms.state import find_key

REGION = "us-east-1"

#: Fields whose values differ from key to key and that the template fills in.
_FILLED = {"account_id", "arn", "creation_date", "material_id", "description", "key_id"}
#: Fields that keep a key out of the templates when set.
_EXCLUDING = {"deletion_date", "valid_to", "multi_region"}

_SPEC_AND_USAGE = st.sampled_from(
    sorted((spec, usage) for spec in SUPPORTED_KEY_SPECS for usage in key_usages(spec))
)


def _record(fake: FakeKMS, key_id: str, region: str = REGION) -> KeyRecord:
    return find_key(fake._state, key_id, account_id=fake.account_id, region=region)


def _encoded(record: KeyRecord) -> bytes:
    return protocol.result_body({"KeyMetadata": record.metadata()})


def test_the_kind_and_the_filled_values_cover_every_field_metadata_reads() -> None:
    """A field KeyMetadata reads must either be part of a key's kind, be one of the six
    values filled in, or keep the key out of the templates: else two keys that differ
    in it would share a text (tests/test_key_metadata_cache.py checks METADATA_FIELDS
    against what ``KeyRecord.metadata`` reads)."""
    kind = set(metadata_body._kind_of.__reduce__()[1])
    assert set(METADATA_FIELDS) == kind | _FILLED | _EXCLUDING
    assert not kind & _FILLED


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec_and_usage=_SPEC_AND_USAGE,
    origin=st.sampled_from(["AWS_KMS", "EXTERNAL"]),
    state=st.sampled_from(sorted(KeyState, key=lambda state: state.value)),
    description=st.text(max_size=40),
    material_id=st.sampled_from(["", "0" * 64, "ab" * 32]),
    expiration_model=st.sampled_from([None, "KEY_MATERIAL_DOES_NOT_EXPIRE"]),
    region=st.sampled_from([REGION, "eu-west-1", "cn-north-1"]),
    keys=st.integers(min_value=1, max_value=3),
)
def test_the_body_is_the_encoders_for_every_kind_and_description(
    spec_and_usage: tuple[str, str],
    origin: str,
    state: KeyState,
    description: str,
    material_id: str,
    expiration_model: str | None,
    region: str,
    keys: int,
) -> None:
    spec, usage = spec_and_usage
    if origin == "EXTERNAL" and not spec.startswith(("SYMMETRIC", "RSA_", "ECC_", "HMAC_")):
        origin = "AWS_KMS"
    with FakeKMS() as fake:
        for index in range(keys):  # the first key of a kind makes its text, the others fill it
            key = fake.create_key(
                key_spec=spec,
                key_usage=usage,
                origin=origin,
                description=description + "%s" * index,
                region=region,
            )
            record = _record(fake, key.key_id, region)
            record.material_id = material_id
            record.expiration_model = expiration_model
            record.force_state(state, record.creation_date)
            body = metadata_body.key_metadata_body(record, record.metadata())
            if state is KeyState.PENDING_DELETION:  # it has a DeletionDate: the encoder's
                assert body is None
            else:
                assert body == _encoded(record)


def test_keys_with_dates_or_replicas_are_left_to_the_encoder(fake_kms: FakeKMS) -> None:
    kms = boto3.client("kms", region_name=REGION)
    multi = kms.create_key(MultiRegion=True)["KeyMetadata"]
    pending = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=pending, PendingWindowInDays=7)
    imported = _record(fake_kms, kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"])
    imported.valid_to = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    for record in (_record(fake_kms, multi["KeyId"]), _record(fake_kms, pending), imported):
        answer = metadata_answer(record)
        assert answer.body is None
    # ...and still answered in full through boto3.
    described = kms.describe_key(KeyId=multi["KeyId"])["KeyMetadata"]
    assert described["MultiRegionConfiguration"]["PrimaryKey"]["Arn"] == multi["Arn"]
    assert "DeletionDate" in kms.describe_key(KeyId=pending)["KeyMetadata"]


def test_every_key_of_a_kind_gets_its_own_values_through_boto3(fake_kms: FakeKMS) -> None:
    """Many keys of one kind share a text: each CreateKey and DescribeKey answer carries
    that key's own id, ARN, date, material id and description, byte for byte what the
    encoder gives (read from the call log's response)."""
    kms = boto3.client("kms", region_name=REGION)
    descriptions = ["", "plain", 'quote " and \\ backslash', "100% %(key)s %s", "é ☃ \n\t"]
    created = [kms.create_key(Description=text)["KeyMetadata"] for text in descriptions]
    for text, metadata in zip(descriptions, created):
        record = _record(fake_kms, metadata["KeyId"])
        assert metadata["Description"] == text
        assert metadata["Arn"] == record.arn
        assert metadata["CurrentKeyMaterialId"] == record.material_id
        assert metadata["CreationDate"].timestamp() == record.creation_date.timestamp()
        assert kms.describe_key(KeyId=metadata["KeyId"])["KeyMetadata"] == metadata
    assert len({metadata["KeyId"] for metadata in created}) == len(descriptions)
    answers: list[Any] = [call.response for call in fake_kms.calls if call.operation == "CreateKey"]
    assert [answer["KeyMetadata"]["KeyId"] for answer in answers] == [
        metadata["KeyId"] for metadata in created
    ]


def test_a_full_table_of_kinds_is_emptied_and_refilled(fake_kms: FakeKMS) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    record = _record(fake_kms, key_id)
    saved = dict(metadata_body._TEMPLATES)
    try:
        metadata_body._TEMPLATES.clear()
        for index in range(metadata_body._TEMPLATES_LIMIT):
            metadata_body._TEMPLATES[("filler", index)] = "{}"
        body = metadata_body.key_metadata_body(record, record.metadata())
        assert body == _encoded(record)
        assert len(metadata_body._TEMPLATES) == 1
        assert json.loads(body)["KeyMetadata"]["KeyId"] == key_id
    finally:
        metadata_body._TEMPLATES.clear()
        metadata_body._TEMPLATES.update(saved)
