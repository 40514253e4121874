"""The clock's schedule of due keys (``domain/schedule.py``) against a reference that
visits every key at every advance, as the backend once did.

Both run the same random story through boto3: keys created, scheduled for deletion and
cancelled, disabled and enabled, forced into states, with automatic rotation turned on
(with periods that lengthen and shorten the schedule) and off, and clock advances of a
second to years. After every step the two fakes must agree on every outcome and on
every key's state, dates and rotations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore.exceptions import ClientError
from conftest import kms_client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pytest_fakekms import FakeKMS
from pytest_fakekms.domain.backend import Backend
from pytest_fakekms.domain.keys import KeyRecord

DAY = 86_400
KEY = st.integers(0, 2)  # which of the keys created so far (modulo): few, so steps meet

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("create")),
        st.tuples(st.just("schedule"), KEY, st.integers(7, 30)),
        st.tuples(st.just("cancel"), KEY),
        st.tuples(st.just("rotation_on"), KEY, st.sampled_from([90, 91, 180, 365, 400])),
        st.tuples(st.just("rotation_off"), KEY),
        st.tuples(st.just("enable"), KEY),
        st.tuples(st.just("disable"), KEY),
        st.tuples(
            st.just("force"), KEY, st.sampled_from(["Enabled", "Disabled", "PendingDeletion"])
        ),
        st.tuples(
            st.just("advance"),
            st.one_of(
                st.sampled_from([1, 3_600, DAY, 7 * DAY, 90 * DAY]), st.integers(0, 800 * DAY)
            ),
        ),
    ),
    min_size=1,
    max_size=30,
)


class _VisitEveryKey:
    """The reference: every advance visits every key of every store."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def watch(self, record: KeyRecord) -> None:
        pass

    def due(self, now: dt.datetime) -> list[KeyRecord]:
        return [r for _, store in self._backend.stores() for r in store.keys.values()]

    def settle(self, record: KeyRecord, now: dt.datetime) -> None:
        pass


def _snapshot(fake: FakeKMS, ids: list[str], start: dt.datetime) -> list[Any]:
    """Every key that still exists, by creation index, with its dates as offsets."""

    def offset(when: dt.datetime | None) -> float | None:
        return None if when is None else (when - start).total_seconds()

    rows: list[Any] = []
    for index, key_id in enumerate(ids):
        try:
            record = fake._find(key_id)
        except KeyError:
            rows.append((index, "gone"))
            continue
        rows.append(
            (
                index,
                record.state.value,
                offset(record.deletion_date),
                record.rotation_enabled,
                offset(record.next_rotation_date),
                [(r.material_version, offset(r.date), r.rotation_type) for r in record.rotations],
            )
        )
    return rows


#: One client for every story: making one costs more than a story's steps.
KMS = kms_client()


def _run(steps: list[tuple[Any, ...]], reference: bool) -> list[Any]:
    kms = KMS
    fake = FakeKMS()
    if reference:
        fake._state.backend._schedule = _VisitEveryKey(fake._state.backend)  # type: ignore[assignment]
    trace: list[Any] = []
    ids: list[str] = []
    with fake:
        start = fake.clock.now()
        ids.append(kms.create_key()["KeyMetadata"]["KeyId"])
        for step in steps:
            name, args = step[0], step[1:]
            key_id = ids[args[0] % len(ids)] if args and name != "advance" else ""
            try:
                if name == "create":
                    ids.append(kms.create_key()["KeyMetadata"]["KeyId"])
                elif name == "schedule":
                    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=args[1])
                elif name == "cancel":
                    kms.cancel_key_deletion(KeyId=key_id)
                elif name == "rotation_on":
                    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=args[1])
                elif name == "rotation_off":
                    kms.disable_key_rotation(KeyId=key_id)
                elif name == "enable":
                    kms.enable_key(KeyId=key_id)
                elif name == "disable":
                    kms.disable_key(KeyId=key_id)
                elif name == "force":
                    fake.set_key_state(key_id, args[1])
                else:
                    fake.clock.advance(args[0])
                outcome = "ok"
            except ClientError as error:
                outcome = error.response["Error"]["Code"]
            except KeyError:  # set_key_state on a key the clock deleted
                outcome = "KeyError"
            trace.append((step, outcome, _snapshot(fake, ids, start)))
    return trace


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
# A rotation that comes due while its key is disabled happens at the first advance after
# the key is enabled again: the schedule must keep such a key (blocked), as nothing in
# EnableKey tells it.
@example(
    steps=[
        ("rotation_on", 0, 90),
        ("disable", 0),
        ("advance", 100 * DAY),
        ("enable", 0),
        ("advance", 1),
    ]
)
# A shorter period re-anchored on the old start moves the key's date earlier.
@example(steps=[("rotation_on", 0, 400), ("rotation_on", 0, 90), ("advance", 90 * DAY)])
def test_the_schedule_does_what_visiting_every_key_does(steps: list[tuple[Any, ...]]) -> None:
    scheduled, reference = _run(steps, reference=False), _run(steps, reference=True)
    for (step, outcome, snapshot), (_, expected_outcome, expected) in zip(
        scheduled, reference, strict=True
    ):
        assert (step, outcome) == (step, expected_outcome)
        assert (step, snapshot) == (step, expected)
