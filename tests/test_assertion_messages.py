"""Every assertion helper's pass and fail path in a real inner pytest run, with the failure
text checked line by line (issue #5, "Done when"). ``--assert=plain`` proves the helpers
raise AssertionError themselves instead of relying on pytest's assertion rewriting."""

from __future__ import annotations

import pytest

HEADER = """
import json
import boto3
import pytest

def kms():
    return boto3.client("kms", region_name="us-east-1")

ROOT = "arn:aws:iam::123456789012:root"
"""

CASES = {
    "assert_called": (
        'kms().create_key()\n    fake_kms.assert_called("CreateKey")\n'
        '    fake_kms.assert_called("PutKeyPolicy")',
        [
            "*Expected PutKeyPolicy to be called, but PutKeyPolicy was never called.",
            "*KMS calls recorded (1):",
            "*1. CreateKey() -> ok",
        ],
    ),
    "assert_called_params": (
        'key_id = kms().create_key()["KeyMetadata"]["KeyId"]\n'
        "    kms().describe_key(KeyId=key_id)\n"
        '    fake_kms.assert_called("DescribeKey", KeyId=key_id)\n'
        '    fake_kms.assert_called("DescribeKey", KeyId="alias/other")',
        ["*Expected DescribeKey(KeyId='alias/other')*", "*2. DescribeKey(KeyId=*) -> ok"],
    ),
    "assert_called_once": (
        'kms().list_keys()\n    kms().list_keys()\n    fake_kms.assert_called_once("ListKeys")',
        ["*Expected ListKeys to be called once, but it was called 2 times.*"],
    ),
    "assert_not_called": (
        'fake_kms.assert_not_called("CreateKey")\n    kms().create_key()\n'
        '    fake_kms.assert_not_called("CreateKey")',
        ["*Expected CreateKey not to be called, but it was called once.", "*Matched: call 1."],
    ),
    "assert_call_count": (
        'kms().create_key()\n    fake_kms.assert_call_count("CreateKey", 1)\n'
        '    fake_kms.assert_call_count("CreateKey", 2)',
        ["*Expected CreateKey to be called 2 times, but it was called once."],
    ),
    "calls_one": (
        'kms().list_keys()\n    assert fake_kms.calls.one("ListKeys").operation == "ListKeys"\n'
        '    fake_kms.calls.one("PutKeyPolicy")',
        ["*Expected exactly one KMS call matching PutKeyPolicy, but none matched."],
    ),
    "assert_policy_history": (
        'key_id = kms().create_key()["KeyMetadata"]["KeyId"]\n'
        "    first = fake_kms.policy_history(key_id)[0].document\n"
        "    fake_kms.assert_policy_history(key_id, [first])\n"
        '    doc = {"Version": "2012-10-17", "Statement": [{"Sid": "Root", "Effect": "Allow",'
        ' "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}]}\n'
        "    kms().put_key_policy(KeyId=key_id, Policy=json.dumps(doc))\n"
        '    doc["Statement"][0]["Action"] = "kms:Decrypt"\n'
        "    fake_kms.assert_policy_history(key_id, [first, doc])",
        [
            "*the key has 2 versions as expected, but version 2 differs.",
            "*Sid 'Root' changed: Action 'kms:Decrypt' -> 'kms:[*]'",
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_helper_failure_text(pytester: pytest.Pytester, case: str) -> None:
    body, lines = CASES[case]
    pytester.makepyfile(HEADER + f"\ndef test_it(fake_kms):\n    {body}\n")
    result = pytester.runpytest("--assert=plain")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(lines)
