"""The plugin as users meet it: real inner pytest runs through ``pytester`` (issue #2 point 5,
issue #5 point 5)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CLIENT = """
import boto3, json, pytest

def kms():
    return boto3.client("kms", region_name="us-east-1")
"""


def test_fixture_is_fresh_per_test_and_uninstalls_even_when_a_test_fails(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        CLIENT
        + """
from botocore.endpoint import Endpoint
ORIGINAL = Endpoint._send_request

def test_one(fake_kms):
    kms().create_key()
    assert len(fake_kms.keys()) == 1
    assert False, "fails on purpose"

def test_two(fake_kms):
    assert fake_kms.keys() == []
    assert kms().list_keys()["Keys"] == []

def test_hook_is_gone():
    assert Endpoint._send_request is ORIGINAL
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)


def test_options_marker_merges_closest_first(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest
pytestmark = pytest.mark.fake_kms(account_id="111111111111", region="eu-west-1")

@pytest.mark.fake_kms(region="ap-south-1")
class TestGroup:
    @pytest.mark.fake_kms(caller="arn:aws:iam::111111111111:role/closest")
    def test_closest_wins(self, fake_kms):
        assert fake_kms.account_id == "111111111111"
        assert fake_kms.region == "ap-south-1"
        assert fake_kms.caller == "arn:aws:iam::111111111111:role/closest"

def test_module_level(fake_kms):
    assert (fake_kms.account_id, fake_kms.region) == ("111111111111", "eu-west-1")
    assert fake_kms.caller == "arn:aws:iam::111111111111:role/fakekms-caller"
"""
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_ini_options(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
[pytest]
fakekms_account_id = 222222222222
fakekms_region = eu-central-1
fakekms_caller = arn:aws:iam::222222222222:user/alice
fakekms_strict_principals = true
"""
    )
    pytester.makepyfile(
        CLIENT
        + """
def test_defaults(fake_kms):
    assert fake_kms.account_id == "222222222222"
    assert fake_kms.region == "eu-central-1"
    assert fake_kms.caller == "arn:aws:iam::222222222222:user/alice"
    assert fake_kms.strict_principals is True
    key = fake_kms.create_key()
    assert key.arn.startswith("arn:aws:kms:eu-central-1:222222222222:key/")
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_kms_caller_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        CLIENT
        + """
@pytest.mark.kms_caller("arn:aws:iam::123456789012:role/admin")
def test_caller(fake_kms):
    key_id = kms().create_key()["KeyMetadata"]["KeyId"]
    assert fake_kms.calls.one("CreateKey").caller == "arn:aws:iam::123456789012:role/admin"
    assert fake_kms.policy_history(key_id)[0].set_by == "arn:aws:iam::123456789012:role/admin"
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_unknown_option_is_reported_with_the_valid_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.fake_kms(acount_id="111111111111")
def test_typo(fake_kms):
    pass
"""
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*unknown option(s) acount_id*valid options: account_id*"])
    assert result.ret != 0


def test_report_section_for_failing_tests_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        CLIENT
        + """
from botocore.config import Config

@pytest.mark.kms_fault("CreateKey", "KMSInternalException", times=1)
def test_fails(fake_kms):
    client = boto3.client("kms", region_name="us-east-1", config=Config(retries={"mode": "legacy"}))
    client.create_key()
    assert False

def test_passes(fake_kms):
    kms().list_keys()
"""
    )
    result = pytester.runpytest("-rA")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- fake KMS calls -*",
            "*1. CreateKey() -> KMSInternalException (500)*injected*",
            "*2. CreateKey() -> ok*attempt 2*",
        ]
    )
    assert "ListKeys()" not in result.stdout.str()


def test_report_section_of_a_long_test_lists_its_first_and_last_calls(
    pytester: pytest.Pytester,
) -> None:
    """A failing test that made 260 calls gets 200 of them in its section: the first 100
    and the last 100, and how many were left out between (plugin.REPORT_CALLS)."""
    pytester.makepyfile(
        CLIENT
        + """
def test_fails(fake_kms):
    client = kms()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    for _ in range(258):
        client.describe_key(KeyId=key_id)
    client.list_keys()
    assert False
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- fake KMS calls -*",
            "  1. CreateKey() -> ok",
            "  100. DescribeKey(*) -> ok",
            "  … 60 calls omitted …",
            "  161. DescribeKey(*) -> ok",
            "  260. ListKeys() -> ok",
        ]
    )
    section = result.stdout.str().split("fake KMS calls")[1]
    assert "  101. " not in section
    assert "  160. " not in section


def test_assertrepr_compare_for_policies(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
def test_compare():
    left = {"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow",
            "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}
    right = {"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow",
             "Principal": "*", "Action": "kms:*", "Resource": "*"}]}
    assert left == right
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Sid 'A'*Action*"])


def test_assertion_helpers_fail_with_the_calls_listed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        CLIENT
        + """
def test_helper(fake_kms):
    kms().create_key()
    fake_kms.assert_called_once("PutKeyPolicy")
"""
    )
    result = pytester.runpytest("--assert=plain")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*PutKeyPolicy*", "*1. CreateKey() -> ok*"])


def test_importing_the_plugin_imports_no_botocore_or_cryptography() -> None:
    """issue #2: a pytest run that never uses the fixture pays nothing."""
    code = (
        "import sys, pytest_fakekms.plugin, pytest_fakekms;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'cryptography')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.fake_kms(account_id=*",
            "@pytest.mark.kms_fault(operation, error, *",
            "@pytest.mark.kms_caller(arn)*",
        ]
    )


def test_the_plugin_under_pytest_xdist(pytester: pytest.Pytester) -> None:
    """Suites often run with ``pytest -n``. Each worker is a process of its own with its own
    fakes; the report section and the unfired-fault failure are made in the worker and
    must reach the controller's report; RSA keys stay distinct within a worker."""
    pytest.importorskip("xdist")
    pytester.makepyfile(
        CLIENT
        + """
def test_fails(fake_kms):
    kms().create_key(Description="seen in the report")
    assert False

@pytest.mark.kms_fault("Encrypt", "KMSInternalException")
def test_unfired(fake_kms):
    kms().create_key()

@pytest.mark.parametrize("worker_test", range(2))
def test_rsa_keys_in_one_worker_differ(fake_kms, worker_test):
    client = kms()
    public = set()
    for _ in range(3):
        key = client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        public.add(client.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    assert len(public) == 3
"""
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*- fake KMS calls -*",
            "*1. CreateKey(Description='seen in the report') -> ok*",
            "*Fault kms_fault('Encrypt', 'KMSInternalException') fired 0 times.*",
        ]
    )
