"""One small function per KMS operation, registered by name in :data:`base.OPERATIONS`."""

from __future__ import annotations

import importlib

from pytest_fakekms.operations.base import (
    FIRST_USE_MODULES,
    LOADED_ON_FIRST_USE,
    OPERATIONS,
    PENDING,
    Operation,
)

#: Modules every fake imports when it is made; the others are in
#: :data:`base.FIRST_USE_MODULES`.
_MODULES = (
    "keys",
    "aliases",
    "policies",
    "lifecycle",
    "tags",
    "macs",
    "grants",
    "rotation",
    "usage",
)


_core_loaded = False


def load_core() -> None:
    """Import the operation modules that need no ``cryptography``; each registers its
    operations. The others come with :func:`load_for`. Every fake calls it: after the
    first time it returns at once (nine ``import_module`` look-ups cost about 10 µs,
    a twentieth of what a test pays for its fake)."""
    global _core_loaded
    if _core_loaded:
        return
    for name in _MODULES:
        importlib.import_module(f"pytest_fakekms.operations.{name}")
    _core_loaded = True  # only once every module is in: another thread may be importing


def load_all() -> None:
    """Import every operation module so each registers its operations."""
    load_core()
    for module in FIRST_USE_MODULES:
        _load(module)


def load_for(operation: str) -> Operation | None:
    """The implementation of ``operation``, its module imported first if it is one of
    :data:`base.LOADED_ON_FIRST_USE`; None for an operation the fake does not implement."""
    module = LOADED_ON_FIRST_USE.get(operation)
    if module is not None:
        _load(module)
    return OPERATIONS.get(operation)


def _load(module: str) -> None:
    # import_module returns once the module is wholly imported, by this thread or by
    # another one (it waits for the module's import lock); only then are its operations
    # put where requests find them.
    importlib.import_module(f"pytest_fakekms.operations.{module}")
    for name in FIRST_USE_MODULES[module]:
        if name in PENDING:
            OPERATIONS.setdefault(name, PENDING[name])
