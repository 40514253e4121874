"""What every operation function gets: the fake's state and the request's identity.

Operations are plain functions ``(ctx, params) -> result`` registered by name with
:func:`operation`. They resolve keys through :meth:`Context.key` (identifier
parsing, look-up and the key-state table in one place), raise
:class:`~pytest_fakekms.errors.KMSError` for anything AWS would refuse, and only
then change state, so a failed request changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from pytest_fakekms.domain.identifiers import parse_key_identifier
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.domain.keystates import check_key_state
from pytest_fakekms.state import FakeState

Params = dict[str, Any]
Result = dict[str, Any]
Operation = Callable[["Context", Params], Result]


class ReusedResult(dict[str, Any]):
    """A result an operation gives again and again, unchanged: DescribeKey of a key that
    has not changed since. The dispatcher keeps its encoded body in ``body`` after the
    first encoding (for DescribeKey, building and encoding KeyMetadata is about a third
    of the fake's work). Like every result, it must not be changed once returned.
    """

    __slots__ = ("body",)

    def __init__(self, members: Result) -> None:
        super().__init__(members)
        self.body: bytes | None = None


#: Every implemented operation, by its KMS name.
OPERATIONS: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    """Register the decorated function as the implementation of KMS operation ``name``."""

    def register(function: Operation) -> Operation:
        OPERATIONS[name] = function
        return function

    return register


@dataclasses.dataclass(slots=True)
class Context:
    """One request as the operation sees it."""

    state: FakeState
    operation: str
    region: str
    account_id: str
    caller: str
    key_id: str | None = None  # the key the request named, once resolved (for the call log)

    @property
    def now(self) -> Any:
        """The virtual clock's time."""
        return self.state.clock.now()

    def key(self, params: Params, member: str = "KeyId", *, check_state: bool = True) -> KeyRecord:
        """Resolve ``params[member]`` to a key, with AWS's errors, and apply the key-state table."""
        ref = parse_key_identifier(
            params[member],
            operation=self.operation,
            member=member,
            account_id=self.account_id,
            region=self.region,
        )
        record = self.state.backend.find(ref)
        if self.key_id is None:
            self.key_id = record.key_id
        if check_state:
            check_key_state(self.operation, record.arn, record.state)
        return record
