"""One small function per KMS operation, registered by name in :data:`base.OPERATIONS`."""

from __future__ import annotations

import importlib

from pytest_fakekms.operations.base import OPERATIONS, Operation

#: Modules every fake imports when it is made.
_MODULES = (
    "keys",
    "aliases",
    "policies",
    "lifecycle",
    "tags",
    "macs",
    "grants",
    "rotation",
)

#: Operations whose modules need the ``cryptography`` package (about 15 ms to import):
#: such a module is imported by the first request for one of its operations, so a test
#: session that never encrypts, signs or imports key material never loads the package.
#: tests/test_operations_loading.py checks the table against what each module registers.
LOADED_ON_FIRST_USE: dict[str, str] = {
    **dict.fromkeys(("Encrypt", "Decrypt", "ReEncrypt"), "encryption"),
    **dict.fromkeys(
        (
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "GenerateRandom",
        ),
        "data_keys",
    ),
    **dict.fromkeys(("Sign", "Verify"), "signing"),
    **dict.fromkeys(("GetPublicKey", "DeriveSharedSecret"), "public_keys"),
    **dict.fromkeys(
        ("GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial"),
        "key_import",
    ),
}


def load_core() -> None:
    """Import the operation modules that need no ``cryptography``; each registers its
    operations. The others come with :func:`load_for`."""
    for name in _MODULES:
        importlib.import_module(f"pytest_fakekms.operations.{name}")


def load_all() -> None:
    """Import every operation module so each registers its operations."""
    load_core()
    for name in dict.fromkeys(LOADED_ON_FIRST_USE.values()):
        importlib.import_module(f"pytest_fakekms.operations.{name}")


def load_for(operation: str) -> Operation | None:
    """The implementation of ``operation``, its module imported first if it is one of
    :data:`LOADED_ON_FIRST_USE`; None for an operation the fake does not implement."""
    module = LOADED_ON_FIRST_USE.get(operation)
    if module is not None:
        importlib.import_module(f"pytest_fakekms.operations.{module}")
    return OPERATIONS.get(operation)
