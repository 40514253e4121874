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

from pytest_fakekms.crypto.material import discard_unseen
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


#: Every implemented operation whose module is loaded, by its KMS name: what requests
#: are answered with.
OPERATIONS: dict[str, Operation] = {}

#: Operation modules that need the ``cryptography`` package (about 15 ms to import) or the
#: policy engine (``policy_checks``: about 8 ms), with the operations each implements:
#: such a module is imported by the first request for one of its operations
#: (``operations.load_for``; CreateKey imports ``policy_checks`` for its first policy), so
#: a test session that never encrypts, signs or imports key material never loads the
#: package, and one that never sends a policy never loads the engine.
#: tests/test_operations_loading.py checks the table against what the modules register.
FIRST_USE_MODULES: dict[str, tuple[str, ...]] = {
    "policy_checks": ("PutKeyPolicy",),
    "encryption": ("Encrypt", "Decrypt", "ReEncrypt"),
    "data_keys": (
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateRandom",
    ),
    "signing": ("Sign", "Verify"),
    "public_keys": ("GetPublicKey", "DeriveSharedSecret"),
    "encapsulation": ("Encapsulate", "Decapsulate"),
    "key_import": ("GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial"),
}

#: The same table by operation: the module that implements it.
LOADED_ON_FIRST_USE: dict[str, str] = {
    name: module for module, names in FIRST_USE_MODULES.items() for name in names
}

#: Implementations of :data:`LOADED_ON_FIRST_USE` operations, registered while their
#: module is being imported. They join :data:`OPERATIONS` once the whole module is, so
#: that another thread never runs one before the names defined below it exist.
PENDING: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    """Register the decorated function as the implementation of KMS operation ``name``."""

    def register(function: Operation) -> Operation:
        (PENDING if name in LOADED_ON_FIRST_USE else OPERATIONS)[name] = function
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
    # The keys a cryptographic operation used (ReEncrypt: both); the dispatcher records
    # the use on them once the request has succeeded (GetKeyLastUsage).
    used: tuple[KeyRecord, ...] | None = None
    # The keys the request resolved while they had no material. A key's first material is
    # made on its first cryptographic use; should the request fail after making it, the
    # dispatcher takes it back (:meth:`forget_new_material`), as a failed request, DryRun
    # included, changes no state.
    bare: tuple[KeyRecord, ...] = ()

    @property
    def now(self) -> Any:
        """The virtual clock's time."""
        return self.state.clock.now()

    def use(self, *records: KeyRecord) -> None:
        """Note a cryptographic use of ``records``: it becomes their last usage if, and only
        if, the request succeeds (GetKeyLastUsage: "the last successful cryptographic
        operation"). Call it once, with every key the operation used."""
        self.used = records

    def forget_new_material(self) -> None:
        """Undo what the failed request's first uses made: the keys in :attr:`bare` have no
        material again (call it with the backend lock held, as the request ran). The
        request failed, so nothing outside the fake saw that material: RSA keys go back
        to the process's pool instead of using it up."""
        for record in self.bare:
            for material in record.materials:
                discard_unseen(material)
            record.materials = ()

    def key(self, params: Params, member: str = "KeyId", *, check_state: bool = True) -> KeyRecord:
        """Resolve ``params[member]`` to a key, with AWS's errors, and apply the key-state table."""
        value = params[member]
        # Most requests name a key of the caller's account and Region by its id: one
        # look-up finds it. It is the key parsing would find, as only a well-formed key id
        # names a stored key; anything else (an ARN, an alias, no such key) is parsed.
        backend = self.state.backend
        record = (
            backend.store(self.account_id, self.region).keys.get(value)
            if value.__class__ is str
            else None
        )
        if record is None:
            ref = parse_key_identifier(
                value,
                operation=self.operation,
                member=member,
                account_id=self.account_id,
                region=self.region,
            )
            record = backend.find(ref)
        if self.key_id is None:
            self.key_id = record.key_id
        if not record.materials:
            self.bare += (record,)
        if check_state:
            check_key_state(self.operation, record.arn, record.state)
        return record
