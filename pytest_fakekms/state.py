"""The state of one fake, shared by the in-process hook, the HTTP server and FakeKMS."""

from __future__ import annotations

import dataclasses
import functools
import re

from pytest_fakekms.clock import VirtualClock
from pytest_fakekms.domain.backend import Backend
from pytest_fakekms.domain.identifiers import parse_key_identifier
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.domain.quotas import Quotas
from pytest_fakekms.errors import KMSError
from pytest_fakekms.faults import Fault
from pytest_fakekms.history import PolicyHistory
from pytest_fakekms.recorder import CallRecorder

_ACCOUNT_IN_ARN = re.compile(r"arn:[^:]+:(?:iam|sts)::(\d{12}):")


@functools.lru_cache(maxsize=1024)  # asked on every request, of a handful of callers
def account_of(principal_arn: str) -> str | None:
    """The account id in an IAM or STS principal ARN."""
    match = _ACCOUNT_IN_ARN.match(principal_arn)
    return match.group(1) if match else None


@dataclasses.dataclass
class FakeState:
    """Everything one fake holds; the public face is :class:`pytest_fakekms.FakeKMS`."""

    account_id: str
    region: str
    caller: str
    strict_principals: bool = False
    clock: VirtualClock = dataclasses.field(default_factory=VirtualClock)
    quotas: Quotas = dataclasses.field(default_factory=Quotas)
    recorder: CallRecorder = dataclasses.field(default_factory=CallRecorder)
    history: PolicyHistory = dataclasses.field(default_factory=PolicyHistory)
    access_keys: dict[str, str] = dataclasses.field(default_factory=dict)
    principals: set[str] = dataclasses.field(default_factory=set)
    faults: list[Fault] = dataclasses.field(default_factory=list)
    backend: Backend = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.backend = Backend(self.clock)

    def caller_for(self, access_key_id: str | None) -> str:
        """The principal ARN a request signed with ``access_key_id`` acts as."""
        if access_key_id is not None:
            arn = self.access_keys.get(access_key_id)
            if arn is not None:
                return arn
        return self.caller

    def principal_exists(self, arn: str) -> bool:
        """Whether an IAM user/role/assumed-role ARN is known (used by strict principals)."""
        if arn in self.principals or arn == self.caller:
            return True
        return _role_of_session(arn) in self.principals


def _role_of_session(arn: str) -> str | None:
    match = re.fullmatch(r"arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/.+", arn)
    if match is None:
        return None
    return f"arn:{match.group(1)}:iam::{match.group(2)}:role/{match.group(3)}"


def find_key(state: FakeState, identifier: str, *, account_id: str, region: str) -> KeyRecord:
    """The key any identifier names (key id, key ARN, alias name or alias ARN), else KeyError."""
    if identifier.startswith("arn:"):
        parts = identifier.split(":", 5)
        if len(parts) == 6:
            region, account_id = parts[3], parts[4]
    try:
        ref = parse_key_identifier(
            identifier,
            operation="DescribeKey",
            member="KeyId",
            account_id=account_id,
            region=region,
        )
        return state.backend.find(ref)
    except KMSError:
        raise KeyError(identifier) from None
