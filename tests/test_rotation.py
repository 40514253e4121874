"""Key rotation through real boto3 clients: EnableKeyRotation, DisableKeyRotation,
GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations, automatic rotation on the
virtual clock, decryption under older material, and persistence of it all.

Oracles are the AWS recordings in shared/data/aws-recorded (``recorded(...)``) and the
texts kms-facts §3.3 marks VERIFIED; the fake's own wordings are imported, not copied."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from conftest import ACCOUNT, REGION, error_of, recorded

from pytest_fakekms import FakeKMS, KeyState
from pytest_fakekms.operations import rotation
from pytest_fakekms.persistence import dump_state, load_state

ARN_PREFIX = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"
DAY = dt.timedelta(days=1)
#: Key specs and usages of keys that are neither symmetric nor for encryption.
NOT_ENCRYPTION = [("ECC_NIST_P256", "SIGN_VERIFY"), ("HMAC_256", "GENERATE_VERIFY_MAC")]


def _arn(key_id: str) -> str:
    return ARN_PREFIX + key_id


def _aws_text(template: str, key_id: str) -> str:
    """A recorded message with LocalStack's ``<key-arn>`` placeholder filled in."""
    return template.replace("<key-arn>", _arn(key_id))


def _recorded_error(test: str, entry: str) -> dict[str, Any]:
    return dict(recorded(f"TestKMS::{test}", entry)["Error"])


def _shape(response: dict[str, Any]) -> set[str]:
    return set(response) - {"ResponseMetadata"}


# --- EnableKeyRotation / DisableKeyRotation / GetKeyRotationStatus -----------------------


@pytest.mark.parametrize("period", [90, 180])
def test_enabled_rotation_status_matches_the_recording(
    kms: Any, fake_kms: Any, key_id: str, period: int
) -> None:
    """aws-recorded test_key_enable_rotation_status[90|180]."""
    oracle = recorded(f"TestKMS::test_key_enable_rotation_status[{period}]", "match_response")
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=period)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert _shape(status) == _shape(oracle)
    assert status["KeyRotationEnabled"] is True
    assert status["RotationPeriodInDays"] == oracle["RotationPeriodInDays"] == period
    assert status["KeyId"] == _arn(key_id)
    assert status["NextRotationDate"] == fake_kms.clock.now() + period * DAY


def test_rotation_period_defaults_to_365_days(kms: Any, fake_kms: Any, key_id: str) -> None:
    """BC EnableKeyRotation: "If no value is specified, the default value is 365 days"."""
    kms.enable_key_rotation(KeyId=key_id)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["RotationPeriodInDays"] == 365
    assert status["NextRotationDate"] == fake_kms.clock.now() + 365 * DAY


def test_a_new_key_and_a_disabled_rotation_report_only_the_flag(kms: Any, key_id: str) -> None:
    """aws-recorded ..._automatic_rotation_disabled "rotation-status-response-after-rotation"."""
    oracle = recorded(
        "TestKMS::test_rotate_key_on_demand_with_symmetric_key_and_automatic_rotation_disabled",
        "rotation-status-response-after-rotation",
    )
    assert _shape(kms.get_key_rotation_status(KeyId=key_id)) == _shape(oracle)
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    kms.disable_key_rotation(KeyId=key_id)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert _shape(status) == _shape(oracle)
    assert status["KeyRotationEnabled"] is False


def test_period_out_of_range_is_refused(kms: Any, key_id: str) -> None:
    """The model bounds RotationPeriodInDays to 90..2560: botocore checks the minimum
    client-side, the service the maximum (AWS's validation message format)."""
    with pytest.raises(ParamValidationError):
        kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=89)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=2561)
    assert error_of(raised) == (
        "ValidationException",
        "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to "
        "satisfy constraint: Member must have value less than or equal to 2560",
        400,
    )


def test_enabling_again_keeps_or_reanchors_the_schedule(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=180)
    start = fake_kms.clock.now()
    fake_kms.clock.advance(days=10)
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=180)
    assert kms.get_key_rotation_status(KeyId=key_id)["NextRotationDate"] == start + 180 * DAY
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=365)
    assert kms.get_key_rotation_status(KeyId=key_id)["NextRotationDate"] == start + 365 * DAY


@pytest.mark.parametrize(("spec", "usage"), [("RSA_2048", "ENCRYPT_DECRYPT"), *NOT_ENCRYPTION])
def test_automatic_rotation_needs_a_symmetric_key(kms: Any, spec: str, usage: str) -> None:
    """BC: no automatic rotation of asymmetric or HMAC keys (the text is ours); their
    status is simply "not enabled" (INFERRED, see operations/rotation.py)."""
    key_id = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["KeyId"]
    expected = rotation.AUTOMATIC_ROTATION_UNSUPPORTED.format(arn=_arn(key_id), spec=spec)
    for call in (kms.enable_key_rotation, kms.disable_key_rotation):
        with pytest.raises(kms.exceptions.UnsupportedOperationException) as raised:
            call(KeyId=key_id)
        assert error_of(raised) == ("UnsupportedOperationException", expected, 400)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status == {**status, "KeyRotationEnabled": False, "KeyId": _arn(key_id)}
    assert "RotationPeriodInDays" not in status


def test_keys_with_imported_material_have_no_automatic_rotation(kms: Any, fake_kms: Any) -> None:
    """Footnote [7]; the text is the recorded RotateKeyOnDemand one for EXTERNAL keys
    (aws-recorded test_rotate_key_on_demand_raises_error_given_key_with_imported_key_material)."""
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    fake_kms.set_key_state(key_id, KeyState.ENABLED)
    oracle = _recorded_error(
        "test_rotate_key_on_demand_raises_error_given_key_with_imported_key_material",
        "error-response",
    )
    for call in (kms.enable_key_rotation, kms.disable_key_rotation, kms.get_key_rotation_status):
        with pytest.raises(kms.exceptions.UnsupportedOperationException) as raised:
            call(KeyId=key_id)
        assert error_of(raised)[1] == _aws_text(oracle["Message"], key_id)


def test_pending_deletion_reports_rotation_off_until_cancelled(kms: Any, key_id: str) -> None:
    """GetKeyRotationStatus docs: false while pending deletion, true again after cancelling."""
    kms.enable_key_rotation(KeyId=key_id)
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    kms.cancel_key_deletion(KeyId=key_id)
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True


def test_disabled_key_cannot_change_rotation_but_reports_it(kms: Any, key_id: str) -> None:
    """Footnote [1] for Enable/DisableKeyRotation; GetKeyRotationStatus works in any state."""
    kms.enable_key_rotation(KeyId=key_id)
    kms.disable_key(KeyId=key_id)
    with pytest.raises(kms.exceptions.DisabledException) as raised:
        kms.disable_key_rotation(KeyId=key_id)
    assert error_of(raised) == ("DisabledException", f"{_arn(key_id)} is disabled.", 400)
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True


# --- RotateKeyOnDemand --------------------------------------------------------------------


def test_rotate_on_demand_returns_the_key_arn_for_a_key_id(kms: Any, key_id: str) -> None:
    """aws-recorded test_rotate_on_demand_returns_arn_for_key_id (and the EXTERNAL-key
    recordings, whose KeyId is unmasked: the key ARN)."""
    oracle = recorded(
        "TestKMS::test_rotate_on_demand_returns_arn_for_key_id", "rotate-on-demand-aws-key"
    )
    response = kms.rotate_key_on_demand(KeyId=key_id)
    assert _shape(response) == _shape(oracle)
    assert response["KeyId"] == _arn(key_id)


def test_rotation_changes_the_current_key_material_id(kms: Any, key_id: str) -> None:
    """aws-recorded test_key_rotation_updates_current_key_material_id_for_aws_symmetric_keys:
    CurrentKeyMaterialId <...:1> before, <...:2> after."""
    before = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    kms.rotate_key_on_demand(KeyId=key_id)
    after = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    oracle = recorded(
        "TestKMS::test_key_rotation_updates_current_key_material_id_for_aws_symmetric_keys",
        "describe-key-after-rotation",
    )["KeyMetadata"]
    assert set(after) == set(oracle)
    assert before["CurrentKeyMaterialId"] != after["CurrentKeyMaterialId"]
    assert len(after["CurrentKeyMaterialId"]) == 64


def test_older_ciphertexts_still_decrypt_after_rotation(kms: Any, key_id: str) -> None:
    """Encrypt, rotate, encrypt, decrypt both (aws-recorded
    test_key_rotations_encryption_decryption: a tampered blob is still
    InvalidCiphertextException with no message)."""
    old = kms.encrypt(KeyId=key_id, Plaintext=b"old", EncryptionContext={"a": "b"})
    first_material = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    kms.rotate_key_on_demand(KeyId=key_id)
    new_material = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    new = kms.encrypt(KeyId=key_id, Plaintext=b"new")
    assert old["CiphertextBlob"] != new["CiphertextBlob"]

    opened_old = kms.decrypt(CiphertextBlob=old["CiphertextBlob"], EncryptionContext={"a": "b"})
    opened_new = kms.decrypt(CiphertextBlob=new["CiphertextBlob"], KeyId=key_id)
    assert (opened_old["Plaintext"], opened_old["KeyMaterialId"]) == (b"old", first_material)
    assert (opened_new["Plaintext"], opened_new["KeyMaterialId"]) == (b"new", new_material)

    re_encrypted = kms.re_encrypt(
        CiphertextBlob=old["CiphertextBlob"],
        SourceEncryptionContext={"a": "b"},
        DestinationKeyId=key_id,
    )
    assert re_encrypted["SourceKeyMaterialId"] == first_material
    assert re_encrypted["DestinationKeyMaterialId"] == new_material

    oracle = _recorded_error("test_key_rotations_encryption_decryption", "bad-ciphertext")
    with pytest.raises(kms.exceptions.InvalidCiphertextException) as raised:
        kms.decrypt(CiphertextBlob=old["CiphertextBlob"] + b"bad_data")
    assert error_of(raised)[:2] == (oracle["Code"], oracle["Message"])


def test_data_keys_use_the_current_material(kms: Any, key_id: str) -> None:
    kms.rotate_key_on_demand(KeyId=key_id)
    current = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    assert kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")["KeyMaterialId"] == current


def test_the_26th_on_demand_rotation_exceeds_the_limit(kms: Any, key_id: str) -> None:
    """aws-recorded test_key_rotations_limits; 25 per key (BC RotateKeyOnDemand docs)."""
    for _ in range(25):
        kms.rotate_key_on_demand(KeyId=key_id)
    oracle = _recorded_error("test_key_rotations_limits", "error-response")
    with pytest.raises(kms.exceptions.LimitExceededException) as raised:
        kms.rotate_key_on_demand(KeyId=key_id)
    assert error_of(raised) == (oracle["Code"], _aws_text(oracle["Message"], key_id), 400)
    assert len(kms.list_key_rotations(KeyId=key_id)["Rotations"]) == 25


def test_the_on_demand_limit_is_a_quota_tests_can_lower(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    fake_kms.quotas.on_demand_rotations_per_key = 1
    kms.rotate_key_on_demand(KeyId=key_id)
    with pytest.raises(kms.exceptions.LimitExceededException):
        kms.rotate_key_on_demand(KeyId=key_id)


def test_automatic_rotations_do_not_count_toward_the_on_demand_limit(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    fake_kms.quotas.on_demand_rotations_per_key = 1
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    fake_kms.clock.advance(days=91)
    kms.rotate_key_on_demand(KeyId=key_id)


@pytest.mark.parametrize(("spec", "usage"), [("RSA_4096", "ENCRYPT_DECRYPT"), *NOT_ENCRYPTION])
def test_asymmetric_and_hmac_keys_cannot_rotate_and_get_no_message(
    kms: Any, spec: str, usage: str
) -> None:
    """aws-recorded test_rotate_key_on_demand_raises_error_given_non_symmetric_key: an
    empty Message and no top-level ``message`` member."""
    oracle = recorded(
        "TestKMS::test_rotate_key_on_demand_raises_error_given_non_symmetric_key",
        "error-response",
    )
    key_id = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["KeyId"]
    with pytest.raises(kms.exceptions.UnsupportedOperationException) as raised:
        kms.rotate_key_on_demand(KeyId=key_id)
    assert raised.value.response["Error"] == oracle["Error"]
    assert "message" not in raised.value.response


def test_a_disabled_key_is_refused_before_its_key_spec_is_checked(kms: Any) -> None:
    """aws-recorded test_rotate_key_on_demand_raises_error_given_key_is_disabled
    (kms-facts §1.1: the disabled RSA key gets DisabledException)."""
    oracle = _recorded_error(
        "test_rotate_key_on_demand_raises_error_given_key_is_disabled", "error-response"
    )
    for spec in ("SYMMETRIC_DEFAULT", "RSA_2048"):
        key_id = kms.create_key(KeySpec=spec, KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
        kms.disable_key(KeyId=key_id)
        with pytest.raises(kms.exceptions.DisabledException) as raised:
            kms.rotate_key_on_demand(KeyId=key_id)
        assert error_of(raised)[:2] == (oracle["Code"], _aws_text(oracle["Message"], key_id))


def test_an_unknown_key_is_not_found(kms: Any) -> None:
    """aws-recorded test_rotate_key_on_demand_raises_error_given_key_that_does_not_exist."""
    oracle = _recorded_error(
        "test_rotate_key_on_demand_raises_error_given_key_that_does_not_exist", "error-response"
    )
    missing = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.rotate_key_on_demand(KeyId=missing)
    assert error_of(raised)[:2] == (oracle["Code"], _aws_text(oracle["Message"], missing))


def test_external_keys_pending_import_or_without_pending_material(kms: Any, fake_kms: Any) -> None:
    """aws-recorded ..._on_external_key_with_no_key_material[SYMMETRIC_DEFAULT] and
    test_rotate_key_on_demand_raises_for_no_pending_key_material."""
    key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    pending = recorded(
        "TestKMS::test_rotate_key_on_demand_on_external_key_with_no_key_material[SYMMETRIC_DEFAULT]",
        "rotate-key-on-demand-error-response-SYMMETRIC_DEFAULT",
    )["Error"]
    with pytest.raises(kms.exceptions.KMSInvalidStateException) as raised:
        kms.rotate_key_on_demand(KeyId=key_id)
    assert error_of(raised)[1] == f"{_arn(key_id)} is pending import."
    assert pending["Message"].endswith(" is pending import.")

    fake_kms.set_key_state(key_id, KeyState.ENABLED)
    no_material = _recorded_error(
        "test_rotate_key_on_demand_raises_for_no_pending_key_material",
        "rotate-key-on-demand-invalid-state-error",
    )
    with pytest.raises(kms.exceptions.KMSInvalidStateException) as raised:
        kms.rotate_key_on_demand(KeyId=key_id)
    assert error_of(raised)[:2] == (no_material["Code"], _aws_text(no_material["Message"], key_id))


def test_on_demand_rotation_keeps_the_automatic_schedule(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """BC RotateKeyOnDemand: "On-demand rotations do not change existing automatic rotation
    schedules"; aws-recorded ..._automatic_rotation_enabled status after the rotation."""
    oracle = recorded(
        "TestKMS::test_rotate_key_on_demand_with_symmetric_key_and_automatic_rotation_enabled",
        "rotation-status-response-after-rotation",
    )
    kms.enable_key_rotation(KeyId=key_id)
    scheduled = kms.get_key_rotation_status(KeyId=key_id)["NextRotationDate"]
    kms.rotate_key_on_demand(KeyId=key_id)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert _shape(status) == _shape(oracle)  # no OnDemandRotationStartDate: it completed
    assert (status["RotationPeriodInDays"], status["NextRotationDate"]) == (365, scheduled)


def test_conflict_when_an_automatic_rotation_is_about_to_start(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """BC ConflictException: automatic rotation scheduled within the next 20 minutes."""
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    fake_kms.clock.advance(days=90, minutes=-21)
    kms.rotate_key_on_demand(KeyId=key_id)
    fake_kms.clock.advance(minutes=2)
    with pytest.raises(kms.exceptions.ConflictException) as raised:
        kms.rotate_key_on_demand(KeyId=key_id)
    assert error_of(raised) == (
        "ConflictException",
        rotation.CONFLICT.format(arn=_arn(key_id)),
        400,
    )


# --- automatic rotation on the virtual clock ------------------------------------------------


def test_automatic_rotation_happens_when_the_clock_passes_the_date(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"before")["CiphertextBlob"]
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    first_date = kms.get_key_rotation_status(KeyId=key_id)["NextRotationDate"]
    material = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]

    fake_kms.clock.advance(days=89)
    assert kms.list_key_rotations(KeyId=key_id)["Rotations"] == []
    fake_kms.clock.advance(days=1)
    rotations = kms.list_key_rotations(KeyId=key_id)["Rotations"]
    assert [(r["RotationType"], r["RotationDate"]) for r in rotations] == [
        ("AUTOMATIC", first_date)
    ]
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"] != material
    assert kms.get_key_rotation_status(KeyId=key_id)["NextRotationDate"] == first_date + 90 * DAY
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before"

    fake_kms.clock.advance(days=200)  # two more periods: one rotation for each
    assert len(kms.list_key_rotations(KeyId=key_id)["Rotations"]) == 3


def test_disabled_keys_and_disabled_rotation_do_not_rotate(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    for key in (key_id, other):
        kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=90)
    kms.disable_key(KeyId=key_id)
    kms.disable_key_rotation(KeyId=other)
    fake_kms.clock.advance(days=100)
    for key in (key_id, other):
        assert kms.list_key_rotations(KeyId=key)["Rotations"] == []


# --- ListKeyRotations -------------------------------------------------------------------------


def test_list_key_rotations_entries(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Entry members per BC RotationsListEntry; KeyId is the bare id (AWS CLI example)."""
    first = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    kms.rotate_key_on_demand(KeyId=key_id)
    rotated_at = fake_kms.clock.now()
    current = kms.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]

    listed = kms.list_key_rotations(KeyId=_arn(key_id))
    assert listed["Truncated"] is False
    assert listed["Rotations"] == [
        {
            "KeyId": key_id,
            "KeyMaterialId": current,
            "KeyMaterialState": "CURRENT",
            "RotationDate": rotated_at,
            "RotationType": "ON_DEMAND",
        }
    ]
    everything = kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert everything["Rotations"][0] == {
        "KeyId": key_id,
        "KeyMaterialId": first,
        "KeyMaterialState": "NON_CURRENT",
    }
    assert everything["Rotations"][1:] == listed["Rotations"]


def test_a_new_key_lists_its_first_material_only_on_request(kms: Any, key_id: str) -> None:
    assert kms.list_key_rotations(KeyId=key_id)["Rotations"] == []
    everything = kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert [r["KeyMaterialState"] for r in everything["Rotations"]] == ["CURRENT"]


def test_list_key_rotations_pages_with_limit_and_marker(kms: Any, key_id: str) -> None:
    for _ in range(5):
        kms.rotate_key_on_demand(KeyId=key_id)
    page = kms.list_key_rotations(KeyId=key_id, Limit=2)
    assert (len(page["Rotations"]), page["Truncated"]) == (2, True)
    seen = list(page["Rotations"])
    while page["Truncated"]:
        page = kms.list_key_rotations(KeyId=key_id, Limit=2, Marker=page["NextMarker"])
        seen += page["Rotations"]
    assert "NextMarker" not in page
    assert seen == kms.list_key_rotations(KeyId=key_id)["Rotations"]
    assert [r["KeyMaterialState"] for r in seen] == ["NON_CURRENT"] * 4 + ["CURRENT"]

    paginator = kms.get_paginator("list_key_rotations")
    pages = list(paginator.paginate(KeyId=key_id, PaginationConfig={"PageSize": 3}))
    assert [len(p["Rotations"]) for p in pages] == [3, 2]

    with pytest.raises(kms.exceptions.InvalidMarkerException) as raised:
        kms.list_key_rotations(KeyId=key_id, Marker="not-a-marker")
    assert error_of(raised) == ("InvalidMarkerException", "The marker is not valid.", 400)


@pytest.mark.parametrize("include", ["ROTATIONS_ONLY", "ALL_KEY_MATERIAL"])
def test_every_page_size_lists_the_same_entries(kms: Any, key_id: str, include: str) -> None:
    """A page builds only its own entries (issue #8 scaling audit: at 1,000 rotations a
    Limit=10 page built all of them, 2.2x): the first material, when asked for, is entry
    0, and pages of any size put together give the one-page listing."""
    for _ in range(6):
        kms.rotate_key_on_demand(KeyId=key_id)
    whole = kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial=include)["Rotations"]
    assert len(whole) == (7 if include == "ALL_KEY_MATERIAL" else 6)
    for limit in range(1, 9):
        pages = kms.get_paginator("list_key_rotations").paginate(
            KeyId=key_id, IncludeKeyMaterial=include, PaginationConfig={"PageSize": limit}
        )
        assert [r for page in pages for r in page["Rotations"]] == whole, limit


def test_old_ciphertexts_decrypt_after_many_rotations(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Decrypt finds the blob's material version directly (versions are 1, 2, 3...)."""
    blobs = []
    for _ in range(4):
        blobs.append(kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"])
        kms.rotate_key_on_demand(KeyId=key_id)
    record = fake_kms._find(key_id)
    assert [m.version for m in record.materials] == [1, 2, 3, 4, 5]
    assert [record.material(v) for v in (0, 6)] == [None, None]
    for blob in blobs:
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_list_key_rotations_needs_a_symmetric_key(kms: Any) -> None:
    key_id = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"][
        "KeyId"
    ]
    with pytest.raises(kms.exceptions.UnsupportedOperationException) as raised:
        kms.list_key_rotations(KeyId=key_id)
    expected = rotation.ROTATIONS_UNSUPPORTED.format(arn=_arn(key_id), spec="HMAC_256")
    assert error_of(raised)[1] == expected


# --- persistence ---------------------------------------------------------------------------------


def test_rotation_state_and_every_material_survive_a_save_and_load() -> None:
    with FakeKMS() as before:
        kms = boto3.client("kms", region_name=REGION)
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        old = kms.encrypt(KeyId=key_id, Plaintext=b"old")["CiphertextBlob"]
        kms.rotate_key_on_demand(KeyId=key_id)
        kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        before.clock.advance(days=90)  # one automatic rotation
        new = kms.encrypt(KeyId=key_id, Plaintext=b"new")["CiphertextBlob"]
        status = kms.get_key_rotation_status(KeyId=key_id)
        rotations = kms.list_key_rotations(KeyId=key_id)["Rotations"]
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        saved = json.loads(json.dumps(dump_state(before)))

    after = FakeKMS()
    load_state(saved, after)
    with after:
        kms = boto3.client("kms", region_name=REGION)
        assert kms.get_key_rotation_status(KeyId=key_id) | {"ResponseMetadata": {}} == (
            status | {"ResponseMetadata": {}}
        )
        assert kms.list_key_rotations(KeyId=key_id)["Rotations"] == rotations
        assert [r["RotationType"] for r in rotations] == ["ON_DEMAND", "AUTOMATIC"]
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"] == metadata
        assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"old"
        assert kms.decrypt(CiphertextBlob=new)["Plaintext"] == b"new"
        after.clock.advance(days=90)  # the schedule was kept too
        assert len(kms.list_key_rotations(KeyId=key_id)["Rotations"]) == 3


def test_rotation_status_of_another_accounts_key(kms: Any, fake_kms: Any) -> None:
    """GetKeyRotationStatus is "Cross-account use: Yes" (BC); EnableKeyRotation is not."""
    other = fake_kms.create_key(account_id="210987654321")
    assert kms.get_key_rotation_status(KeyId=other.arn)["KeyId"] == other.arn
    with pytest.raises(kms.exceptions.ClientError):
        kms.enable_key_rotation(KeyId=other.arn)
