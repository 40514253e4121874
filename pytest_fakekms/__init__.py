"""pytest-fakekms: an in-process, stateful fake of AWS KMS for pytest.

Names are imported lazily so that importing the plugin stays cheap (no botocore,
no cryptography until a fake is used).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_fakekms.clock import VirtualClock
    from pytest_fakekms.domain.keys import Key, KeyUsage
    from pytest_fakekms.domain.keystates import KeyState
    from pytest_fakekms.domain.quotas import Quotas
    from pytest_fakekms.fake import FakeKMS
    from pytest_fakekms.faults import Fault
    from pytest_fakekms.history import PolicyVersion
    from pytest_fakekms.matching import ANY
    from pytest_fakekms.recorder import Call, CallList

__all__ = [
    "ANY",
    "Call",
    "CallList",
    "FakeKMS",
    "Fault",
    "Key",
    "KeyState",
    "KeyUsage",
    "PolicyVersion",
    "Quotas",
    "VirtualClock",
]

_HOMES = {
    "ANY": "pytest_fakekms.matching",
    "Call": "pytest_fakekms.recorder",
    "CallList": "pytest_fakekms.recorder",
    "FakeKMS": "pytest_fakekms.fake",
    "Fault": "pytest_fakekms.faults",
    "Key": "pytest_fakekms.domain.keys",
    "KeyState": "pytest_fakekms.domain.keystates",
    "KeyUsage": "pytest_fakekms.domain.keys",
    "PolicyVersion": "pytest_fakekms.history",
    "Quotas": "pytest_fakekms.domain.quotas",
    "VirtualClock": "pytest_fakekms.clock",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pytest_fakekms' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
