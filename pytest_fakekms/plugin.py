"""The pytest plugin: the ``fake_kms`` fixture, markers, ini options and the report section.

Importing this module is cheap: botocore, cryptography and the fake itself are
imported only when a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_fakekms.fake import FakeKMS

_FAKE_KEY = pytest.StashKey["FakeKMS"]()

MARKERS = (
    "fake_kms(account_id=..., region=..., caller=..., strict_principals=False, "
    "assert_all_faults_triggered=True, quotas=None): options for the fake_kms fixture; "
    "also as pytestmark, merged closest-first.",
    "kms_fault(operation, error, *, times=1, after=0, message=None, key_id=None, latency=0.0): "
    "the next `times` matching KMS requests fail with `error`. Repeatable. "
    "Example: @pytest.mark.kms_fault('PutKeyPolicy', 'KMSInternalException', times=2)",
    "kms_caller(arn): requests in this test act as the principal `arn`.",
    "kms_throttle(rate=None, operation=None): apply AWS's request quotas against the "
    "virtual clock; `rate` overrides the quota for `operation` (or all operations).",
    "kms_eventual_consistency(seconds=5.0): keys created less than `seconds` ago answer "
    "NotFoundException to every operation but CreateKey.",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ini options."""
    parser.addini("fakekms_account_id", "Default account id of fake_kms.", default=None)
    parser.addini("fakekms_region", "Default Region of fake_kms's helpers.", default=None)
    parser.addini("fakekms_caller", "Default caller ARN of fake_kms.", default=None)
    parser.addini(
        "fakekms_strict_principals",
        "Reject unknown IAM users/roles in key policies.",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers."""
    for line in MARKERS:
        config.addinivalue_line("markers", line)


def build_fake(item: pytest.Item) -> FakeKMS:
    """The fake a test's markers and ini options ask for, not yet started."""
    from pytest_fakekms.fake import FakeKMS
    from pytest_fakekms.options import merge_options

    config = item.config
    defaults = {
        "account_id": config.getini("fakekms_account_id"),
        "region": config.getini("fakekms_region"),
        "caller": config.getini("fakekms_caller"),
        "strict_principals": config.getini("fakekms_strict_principals"),
    }
    options = merge_options(defaults, [m.kwargs for m in item.iter_markers("fake_kms")])
    caller_mark = item.get_closest_marker("kms_caller")
    fake = FakeKMS(**options.fake_kwargs())
    if caller_mark is not None:
        fake.caller = _single_arg(caller_mark, "arn")
    item.stash[_OPTIONS_KEY] = options
    return fake


def _single_arg(mark: pytest.Mark, name: str) -> Any:
    if mark.args:
        return mark.args[0]
    if name in mark.kwargs:
        return mark.kwargs[name]
    raise TypeError(f"@pytest.mark.{mark.name} needs {name}")


_OPTIONS_KEY = pytest.StashKey[Any]()


@pytest.fixture
def fake_kms(request: pytest.FixtureRequest) -> Iterator[FakeKMS]:
    """A fresh in-process fake of AWS KMS answering every botocore KMS call in this test."""
    from pytest_fakekms.fault_rules import plan_marker_faults, unfired_fault_report

    item = request.node
    try:
        fake = build_fake(item)
        plan_marker_faults(fake, item)
    except (TypeError, ValueError) as error:
        raise pytest.UsageError(f"{item.nodeid}: {error}") from None
    item.stash[_FAKE_KEY] = fake
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    if item.stash[_OPTIONS_KEY].assert_all_faults_triggered:
        report = unfired_fault_report(fake)
        if report:
            pytest.fail(report, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add a "fake KMS calls" section to the report of a failing test that used the fake."""
    report = yield
    fake = item.stash.get(_FAKE_KEY, None)
    if fake is not None and report.failed and report.when == "call":
        report.sections.append(("fake KMS calls", fake.calls.render()))
    return report


def pytest_assertrepr_compare(op: str, left: object, right: object) -> list[str] | None:
    """Statement-level diffs when a test compares policy documents or versions with ==."""
    if op != "==":
        return None
    if not (_looks_like_policy(left) and _looks_like_policy(right)):
        return None
    from pytest_fakekms.history import policy_repr_compare

    return policy_repr_compare(left, right)


def _looks_like_policy(value: object) -> bool:
    if isinstance(value, dict):
        return "Statement" in value
    return type(value).__name__ == "PolicyVersion"
