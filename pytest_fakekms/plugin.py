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
    parser.addini(
        "fakekms_session_max_calls",
        "Keep only this many most recent calls in fake_kms_server_session (default: all).",
        default=None,
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
    options = merge_options(
        _ini_defaults(config), [m.kwargs for m in item.iter_markers("fake_kms")]
    )
    caller_mark = item.get_closest_marker("kms_caller")
    fake = FakeKMS(**options.fake_kwargs())
    if caller_mark is not None:
        fake.caller = _single_arg(caller_mark, "arn")
    item.stash[_OPTIONS_KEY] = options
    return fake


def _ini_defaults(config: pytest.Config) -> dict[str, Any]:
    """The fake's options as the ini file sets them (None where it does not)."""
    return {
        "account_id": config.getini("fakekms_account_id"),
        "region": config.getini("fakekms_region"),
        "caller": config.getini("fakekms_caller"),
        "strict_principals": config.getini("fakekms_strict_principals"),
    }


def _single_arg(mark: pytest.Mark, name: str) -> Any:
    if mark.args:
        return mark.args[0]
    if name in mark.kwargs:
        return mark.kwargs[name]
    raise TypeError(f"@pytest.mark.{mark.name} needs {name}")


_OPTIONS_KEY = pytest.StashKey[Any]()


def _configured_fake(item: pytest.Item) -> FakeKMS | str:
    """The fake the test's markers ask for, faults planned; or what is wrong with them."""
    from pytest_fakekms.fault_rules import apply_markers

    try:
        fake = build_fake(item)
        apply_markers(fake, item)
    except (TypeError, ValueError) as error:
        return f"fake_kms cannot be set up: {error}"
    return fake


@pytest.fixture
def fake_kms(request: pytest.FixtureRequest) -> Iterator[FakeKMS]:
    """A fresh in-process fake of AWS KMS answering every botocore KMS call in this test."""
    item = request.node
    fake = _configured_fake(item)
    if isinstance(fake, str):
        # The test author's mistake: an error at setup, before the body runs, with the
        # message alone (a pytest.UsageError would add this fixture's traceback).
        pytest.fail(fake, pytrace=False)
    item.stash[_FAKE_KEY] = fake
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a test whose body passed while a ``kms_fault`` marker never fired.

    Checked when the test function returns rather than at fixture teardown, so the
    test itself is reported as failed (with the "fake KMS calls" section), not as
    passed with an error at teardown. Calls made by fixtures' teardown code come
    too late to count.
    """
    result = yield  # a failing, skipped or xfailed body raises here: nothing to add
    fake = item.stash.get(_FAKE_KEY, None)
    if fake is not None and item.stash[_OPTIONS_KEY].assert_all_faults_triggered:
        from pytest_fakekms.fault_rules import unfired_fault_report

        report = unfired_fault_report(fake)
        if report:
            pytest.fail(report, pytrace=False)
    return result


#: The most calls a failing test's "fake KMS calls" section lists: the first and the last
#: half, with the number left out between them (a test may have made 100,000 calls).
REPORT_CALLS = 200


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add a "fake KMS calls" section to the report of a failing test that used the fake."""
    report = yield
    fake = item.stash.get(_FAKE_KEY, None)
    if fake is not None and report.failed and report.when == "call":
        report.sections.append(("fake KMS calls", fake.calls.render(limit=REPORT_CALLS)))
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


# --- fake_kms_server: the same fake over HTTP (api.md §5, issue #7) ---------------------------
#
# The server fixtures set AWS_ENDPOINT_URL_KMS (and dummy credentials and a Region when the
# environment has none) so that subprocesses, the AWS CLI and other SDKs reach the fake;
# everything is restored afterwards. In-process clients created meanwhile also point at that
# URL; while `fake_kms` is active its hook still answers them in-process.

ENDPOINT_ENV = "AWS_ENDPOINT_URL_KMS"


def _server_env(fake: FakeKMS) -> dict[str, str]:
    """The variables that point other processes at ``fake``'s HTTP endpoint."""
    import os

    from pytest_fakekms.fake import DUMMY_CREDENTIALS

    env = {ENDPOINT_ENV: fake.endpoint_url}
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        # Also when AWS_PROFILE is set: a profile could make the CLI call STS or SSO.
        env.update(DUMMY_CREDENTIALS)
    if not (os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")):
        env["AWS_DEFAULT_REGION"] = fake.region
    return env


def _serve_with_env(fake: FakeKMS) -> Iterator[FakeKMS]:
    """Serve ``fake`` over HTTP with the environment pointing at it, until closed."""
    fake.serve()
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in _server_env(fake).items():
                patch.setenv(name, value)
            yield fake
    finally:
        fake.stop_serving()


@pytest.fixture
def fake_kms_server(fake_kms: FakeKMS) -> Iterator[FakeKMS]:
    """The test's `fake_kms`, also served over HTTP at `fake_kms.endpoint_url` (127.0.0.1)."""
    yield from _serve_with_env(fake_kms)


@pytest.fixture(scope="session")
def fake_kms_server_session(pytestconfig: pytest.Config) -> Iterator[FakeKMS]:
    """One fake for the whole session, served over HTTP only (no in-process hook).

    For suites that start an application once. Its state and calls accumulate across
    tests (ini ``fakekms_session_max_calls`` keeps only the most recent calls). It
    installs no hook, so tests may still use the function-scoped `fake_kms` (a
    separate fake, which answers in-process clients while it is active).
    """
    from pytest_fakekms.fake import FakeKMS
    from pytest_fakekms.options import merge_options

    options = merge_options(_ini_defaults(pytestconfig), []).fake_kwargs()
    fake = FakeKMS(**options, max_calls=_session_max_calls(pytestconfig))
    yield from _serve_with_env(fake)


def _session_max_calls(config: pytest.Config) -> int | None:
    """``fakekms_session_max_calls``: a long session's application may make more calls
    than are worth keeping (about 1 KB each, more with payloads)."""
    value = config.getini("fakekms_session_max_calls")
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        count = int(text)
    except ValueError:
        count = -1
    if count < 0:
        raise pytest.UsageError(
            f"fakekms_session_max_calls must be a count (0 or more), not {text!r}"
        )
    return count
