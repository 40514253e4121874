"""Eventual consistency: a key too young to be visible answers NotFoundException.

AWS documents that the KMS API is eventually consistent: a change usually
propagates within seconds but can take minutes, and meanwhile a caller can get
``NotFoundException`` for a key it has just created (kms-facts §6, VERIFIED:
GetParametersForImport right after CreateKey is AWS's own example). The fake is
strictly consistent by default. When this simulation is on, a request that
names, in ``KeyId``, ``TargetKeyId``, ``SourceKeyId`` or ``DestinationKeyId``, a
key created less than ``seconds`` of virtual time ago gets ``NotFoundException``
``Key '<arn>' does not exist`` (the text AWS gives for a key that does not exist,
kms-facts §0 row 2). The identifier is resolved the way the operation itself
resolves it; one the operation would reject is left for the operation to answer.
Only requests naming a key are affected: ListKeys and ListAliases show the new
key at once. The window covers every key by its ``CreationDate``, seeded keys
included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pytest_fakekms import errors
from pytest_fakekms.domain.identifiers import parse_key_identifier
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.errors import KMSError
from pytest_fakekms.state import FakeState

#: Request members that name a key (kms-facts §1.1 and botocore's model).
KEY_MEMBERS = ("KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId")

DEFAULT_SECONDS = 5.0


class EventualConsistency:
    """New keys stay invisible for ``seconds`` of virtual time; 0 turns the simulation off."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.hidden = 0  # requests answered NotFoundException by this simulation so far

    @property
    def enabled(self) -> bool:
        """True while new keys are hidden."""
        return self.seconds > 0

    def enable(self, seconds: float = DEFAULT_SECONDS) -> None:
        """Hide keys for ``seconds`` of virtual time after their creation (0: off)."""
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise ValueError(
                f"seconds must be a number of virtual seconds >= 0 (0 turns it off), "
                f"not {seconds!r}"
            )
        self.seconds = float(seconds)

    def check(
        self,
        state: FakeState,
        operation: str,
        account_id: str,
        region: str,
        params: Mapping[str, Any],
    ) -> KMSError | None:
        """NotFoundException when the request names a key that is still propagating."""
        if operation == "CreateKey":
            return None
        horizon = state.clock.now() - dt.timedelta(seconds=self.seconds)
        for member in KEY_MEMBERS:
            record = _resolve(state, operation, member, params.get(member), account_id, region)
            if record is not None and record.creation_date > horizon:
                self.hidden += 1
                return errors.not_found(record.arn)
        return None

    def __repr__(self) -> str:
        return f"<EventualConsistency seconds={self.seconds}, {self.hidden} hidden>"


def _resolve(
    state: FakeState, operation: str, member: str, value: object, account_id: str, region: str
) -> KeyRecord | None:
    """The key ``value`` names for ``operation``, or None when the operation would reject it."""
    if not isinstance(value, str):
        return None
    try:
        ref = parse_key_identifier(
            value, operation=operation, member=member, account_id=account_id, region=region
        )
        with state.backend.lock:
            return state.backend.find(ref)
    except KMSError:
        return None
