"""One small function per KMS operation, registered by name in :data:`base.OPERATIONS`."""

from __future__ import annotations

import importlib

_MODULES = (
    "keys",
    "aliases",
    "policies",
    "lifecycle",
    "tags",
    "encryption",
    "data_keys",
    "signing",
    "public_keys",
    "macs",
    "grants",
    "rotation",
    "key_import",
)


def load_all() -> None:
    """Import every operation module so each registers its operations."""
    for name in _MODULES:
        importlib.import_module(f"pytest_fakekms.operations.{name}")
