"""The virtual clock: every timestamp comes from it, deletions complete on it, and
botocore's retry back-off for KMS requests is spent on it instead of in wall time."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from conftest import ACCOUNT, REGION, error_of

from pytest_fakekms import FakeKMS, KeyState
from pytest_fakekms.clock import VirtualClock
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.domain.schedule import DueSchedule
from pytest_fakekms.persistence import dump_state, load_state

ARN_PREFIX = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"
START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


# --- the clock itself ------------------------------------------------------------------------


def test_now_is_utc_and_tz_aware(fake_kms: Any) -> None:
    now = fake_kms.clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == dt.timedelta(0)


def test_advance_by_seconds_timedelta_or_units() -> None:
    clock = VirtualClock(START)
    assert clock.advance(1.5) == START + dt.timedelta(seconds=1.5)
    clock.advance(dt.timedelta(minutes=1))
    clock.advance(days=1, hours=2, minutes=3, seconds=4)
    assert clock.now() == START + dt.timedelta(days=1, hours=2, minutes=4, seconds=5.5)


def test_the_clock_reads_to_the_millisecond() -> None:
    """AWS's timestamps have millisecond resolution: ``CreationDate`` ``1571767572.317``
    (kms-facts §7.1, VERIFIED, from botocore's DescribeKey example). The clock reads
    truncated to the millisecond, while advances add up exactly."""
    start = dt.datetime(2026, 1, 1, 12, 0, 0, 123_456, tzinfo=dt.timezone.utc)
    clock = VirtualClock(start)
    assert clock.now() == start.replace(microsecond=123_000)
    clock.advance(0.0004)
    assert clock.now() == start.replace(microsecond=123_000)  # 123.856 ms
    clock.advance(0.0004)
    assert clock.now() == start.replace(microsecond=124_000)  # 124.256 ms: no drift
    clock.advance_to(start.replace(microsecond=124_900))
    assert clock.now() == start.replace(microsecond=124_000)
    clock.advance_to(start.replace(microsecond=124_100))  # inside the current millisecond
    assert clock.now() == start.replace(microsecond=124_000)


def test_timestamps_on_the_wire_have_three_decimals(fake_kms: Any) -> None:
    fake_kms.clock.advance(0.123456)
    body = fake_kms._dispatcher.handle(
        "https://kms.us-east-1.amazonaws.com/", {"x-amz-target": "TrentService.CreateKey"}, b"{}"
    ).body
    created = body.split(b'"CreationDate":', 1)[1].split(b",", 1)[0]
    assert len(created.partition(b".")[2]) <= 3


def test_the_clock_does_not_move_by_itself() -> None:
    clock = VirtualClock(START)
    time.sleep(0.01)
    assert clock.now() == START


def test_advance_to_and_no_going_back() -> None:
    clock = VirtualClock(START)
    assert clock.advance_to(START + dt.timedelta(hours=1)) == START + dt.timedelta(hours=1)
    with pytest.raises(ValueError, match="cannot go backwards"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="cannot go backwards"):
        clock.advance_to(START)
    with pytest.raises(ValueError, match="tz-aware"):
        clock.advance_to(dt.datetime(2030, 1, 1))
    assert clock.now() == START + dt.timedelta(hours=1)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        VirtualClock(dt.datetime(2025, 1, 1))


def test_listeners_see_the_new_time() -> None:
    clock = VirtualClock(START)
    seen: list[dt.datetime] = []
    clock.on_advance(seen.append)
    clock.advance(days=1)
    assert seen == [START + dt.timedelta(days=1)]


# --- every timestamp comes from it -----------------------------------------------------------


def test_timestamps_come_from_the_virtual_clock(kms: Any, fake_kms: Any) -> None:
    fake_kms.clock.advance(days=400)
    now = fake_kms.clock.now()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["CreationDate"] == now
    assert fake_kms.key(key_id).creation_date == now
    assert fake_kms.policy_history(key_id)[0].set_at == now
    kms.create_alias(AliasName="alias/a", TargetKeyId=key_id)
    assert kms.list_aliases()["Aliases"][0]["CreationDate"] == now
    assert {c.at for c in fake_kms.calls} == {now}
    deletion = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)["DeletionDate"]
    assert deletion == now + dt.timedelta(days=7)


# --- deletions complete on it ------------------------------------------------------------------


def test_deletion_completes_when_the_clock_passes_the_deletion_date(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    kms.create_alias(AliasName="alias/doomed", TargetKeyId=key_id)
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    fake_kms.clock.advance(days=6, hours=23)
    assert fake_kms.key(key_id).state is KeyState.PENDING_DELETION
    fake_kms.clock.advance(hours=1)
    with pytest.raises(kms.exceptions.NotFoundException) as raised:
        kms.describe_key(KeyId=key_id)
    assert error_of(raised) == (
        "NotFoundException",
        f"Key '{ARN_PREFIX}{key_id}' does not exist",
        400,
    )
    assert kms.list_aliases()["Aliases"] == []
    assert kms.list_keys()["Keys"] == []
    with pytest.raises(KeyError):
        fake_kms.key(key_id)


def test_cancelled_deletion_does_not_complete(kms: Any, fake_kms: Any, key_id: str) -> None:
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    kms.cancel_key_deletion(KeyId=key_id)
    fake_kms.clock.advance(days=30)
    assert fake_kms.key(key_id).state is KeyState.DISABLED


# --- retry back-off is virtual --------------------------------------------------------------------


@pytest.mark.kms_fault("DescribeKey", "KMSInternalException", times=4)
def test_legacy_retry_back_off_costs_no_wall_time(fake_kms: Any) -> None:
    """Legacy mode: 5 attempts, back-off rand * 2**(n-1) per retry (kms-facts §5.4): up to
    15 s of sleeping against AWS, spent on the virtual clock here."""
    kms = boto3.client("kms", region_name=REGION, config=Config(retries={"mode": "legacy"}))
    key_id = fake_kms.create_key().key_id
    before = fake_kms.clock.now()
    started = time.perf_counter()
    kms.describe_key(KeyId=key_id)
    elapsed = time.perf_counter() - started
    calls = fake_kms.calls.filter("DescribeKey")
    assert [c.attempt for c in calls] == [1, 2, 3, 4, 5]
    assert calls[0].backoff == 0.0
    assert all(c.backoff > 0 for c in calls[1:])
    waited = sum(c.backoff for c in calls)
    # The clock reads to the millisecond (see test_the_clock_reads_to_the_millisecond).
    assert (fake_kms.clock.now() - before).total_seconds() == pytest.approx(waited, abs=1e-3)
    assert calls[-1].at == fake_kms.clock.now()
    assert elapsed < 1.0


def test_back_off_is_recorded_on_the_next_attempt(fake_kms: Any) -> None:
    kms = boto3.client("kms", region_name=REGION, config=Config(retries={"mode": "standard"}))
    fake_kms.inject_fault("ListKeys", "KMSInternalException", times=1)
    before = fake_kms.clock.now()
    kms.list_keys()
    first, second = fake_kms.calls
    assert (first.backoff, first.at) == (0.0, before)
    assert second.backoff > 0
    expected = before + dt.timedelta(seconds=second.backoff)
    assert abs(second.at - expected) < dt.timedelta(milliseconds=1)
    assert second.at.microsecond % 1000 == 0


# --- an advance visits only the keys with a date it can reach ----------------------------------

ROTATION_DAYS = 90


def _to_pending_deletion(how: str, kms: Any, fake: Any) -> str:
    """A key given a DeletionDate (30 days ahead) by one of the ways there are."""
    if how == "created":
        return str(fake.create_key(state="PendingDeletion").key_id)
    key_id = str(kms.create_key()["KeyMetadata"]["KeyId"])
    if how == "forced":
        fake.set_key_state(key_id, "PendingDeletion")
    else:
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
    return key_id


@pytest.mark.parametrize("how", ["scheduled", "forced", "created"])
@pytest.mark.parametrize("loaded", [False, True], ids=["same fake", "saved and loaded"])
def test_every_way_to_a_deletion_date_ends_in_deletion(
    kms: Any, fake_kms: Any, how: str, loaded: bool
) -> None:
    """The clock deletes a key however it got its DeletionDate: ScheduleKeyDeletion,
    ``set_key_state``, ``create_key(state=...)``, and in a fake that loaded a saved state
    (Backend.watch is what each of them must call)."""
    fake = fake_kms
    key_id = _to_pending_deletion(how, kms, fake)
    for _ in range(50):  # keys without dates, which an advance no longer visits
        fake.create_key()
    if loaded:
        fake = FakeKMS()
        load_state(json.loads(json.dumps(dump_state(fake_kms))), fake)
    fake.clock.advance(days=29, hours=23)
    assert fake.key(key_id).state is KeyState.PENDING_DELETION
    fake.clock.advance(hours=1)
    with pytest.raises(KeyError):
        fake.key(key_id)
    assert len(fake.keys()) == 50


@pytest.mark.parametrize("loaded", [False, True], ids=["same fake", "saved and loaded"])
def test_automatic_rotation_comes_due_in_a_loaded_fake_too(
    kms: Any, fake_kms: Any, key_id: str, loaded: bool
) -> None:
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=ROTATION_DAYS)
    fake = fake_kms
    if loaded:
        fake = FakeKMS()
        load_state(json.loads(json.dumps(dump_state(fake_kms))), fake)
    fake.clock.advance(days=ROTATION_DAYS * 2)
    assert [m.version for m in fake._find(key_id).materials] == [1, 2, 3]


def _count_visits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the keys each advance from now on hands to the due-event code."""
    visited: list[str] = []
    due = DueSchedule.due

    def counted(schedule: DueSchedule, now: dt.datetime) -> list[KeyRecord]:
        records = due(schedule, now)
        visited.extend(record.key_id for record in records)
        return records

    monkeypatch.setattr(DueSchedule, "due", counted)
    return visited


def test_an_advance_visits_only_keys_whose_date_it_reaches(
    kms: Any, fake_kms: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every botocore retry advances the clock by its back-off. Issue #8's scaling audits
    (2026-11-27) found an advance walking every key (27.6 ms at 100,000 keys), then, once
    fixed, every key with a date (9.6-11.4 ms at 10,000 keys with rotation on). Now
    an advance visits the keys whose date it reaches, and the keys whose overdue rotation
    waits for them to be Enabled again (they rotate at the first advance after it)."""
    for _ in range(300):
        fake_kms.create_key()
    scheduled = _to_pending_deletion("scheduled", kms, fake_kms)
    rotating = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotating, RotationPeriodInDays=ROTATION_DAYS)
    visited = _count_visits(monkeypatch)

    fake_kms.clock.advance(days=29, hours=23)
    assert visited == []
    fake_kms.clock.advance(hours=1)
    assert visited == [scheduled]
    with pytest.raises(KeyError):
        fake_kms.key(scheduled)

    kms.disable_key(KeyId=rotating)
    visited.clear()
    fake_kms.clock.advance(days=ROTATION_DAYS)  # its rotation date passes while disabled
    fake_kms.clock.advance(1)
    assert visited == [rotating, rotating]
    assert len(fake_kms._find(rotating).rotations) == 0

    kms.enable_key(KeyId=rotating)
    visited.clear()
    fake_kms.clock.advance(1)
    assert visited == [rotating]
    assert len(fake_kms._find(rotating).rotations) == 1
    visited.clear()
    fake_kms.clock.advance(days=ROTATION_DAYS - 31)  # the next one is a period after the first
    assert visited == []

    kms.disable_key_rotation(KeyId=rotating)
    fake_kms.clock.advance(days=400)  # its entry comes due, finds no date, and goes
    visited.clear()
    fake_kms.clock.advance(days=400)
    assert visited == []
    assert len(fake_kms._find(rotating).rotations) == 1


def test_a_later_date_is_kept_and_an_earlier_one_comes_first(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """The schedule keeps one entry per key at the earliest date it was told about: a
    longer rotation period makes that entry come due early and find nothing, a shorter
    one (EnableKeyRotation re-anchors the schedule on the period's start) must move it
    forward."""
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=ROTATION_DAYS)
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=200)
    fake_kms.clock.advance(days=199)
    assert fake_kms._find(key_id).rotations == ()
    fake_kms.clock.advance(days=1)
    assert len(fake_kms._find(key_id).rotations) == 1
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=ROTATION_DAYS)
    fake_kms.clock.advance(days=ROTATION_DAYS)
    assert len(fake_kms._find(key_id).rotations) == 2
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    fake_kms.clock.advance(days=7)
    with pytest.raises(KeyError):
        fake_kms.key(key_id)
