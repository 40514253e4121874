"""Marker and ini options, merged closest-first into one frozen value.

``@pytest.mark.fake_kms(...)`` may stand on a test, its class and its module
(``pytestmark``); the closest wins per keyword. ini options give the defaults.
A keyword the fake does not know is a usage error before the test runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class FakeOptions:
    """How the ``fake_kms`` fixture builds its fake."""

    account_id: str = "123456789012"
    region: str = "us-east-1"
    caller: str | None = None
    strict_principals: bool = False
    assert_all_faults_triggered: bool = True
    quotas: Mapping[str, Any] | None = None

    def fake_kwargs(self) -> dict[str, Any]:
        """The keyword arguments for :class:`~pytest_fakekms.FakeKMS`."""
        return {
            "account_id": self.account_id,
            "region": self.region,
            "caller": self.caller,
            "strict_principals": self.strict_principals,
            "quotas": self.quotas,
        }


OPTION_NAMES = frozenset(f.name for f in dataclasses.fields(FakeOptions))


def merge_options(
    defaults: Mapping[str, Any], marks_closest_first: Iterable[Mapping[str, Any]]
) -> FakeOptions:
    """Build the options from ini ``defaults`` and marker kwargs (closest mark first)."""
    merged: dict[str, Any] = {k: v for k, v in defaults.items() if v is not None}
    for kwargs in reversed(list(marks_closest_first)):
        unknown = set(kwargs) - OPTION_NAMES
        if unknown:
            raise TypeError(
                f"@pytest.mark.fake_kms got unknown option(s) {', '.join(sorted(unknown))}; "
                f"valid options: {', '.join(sorted(OPTION_NAMES))}"
            )
        merged.update(kwargs)
    return FakeOptions(**merged)
