"""Property-based: whatever policy text a client sends, PutKeyPolicy answers success or one
of its documented errors, never an internal error, and a failure leaves the old policy and
the history as they were (issue #3, "Done when")."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms import FakeKMS

#: PutKeyPolicy's declared errors plus ValidationException (kms-facts §1.1).
DOCUMENTED = {
    "MalformedPolicyDocumentException",
    "LimitExceededException",
    "ValidationException",
}

ROOT = "arn:aws:iam::123456789012:root"
PRINCIPALS = st.one_of(
    st.just("*"),
    st.fixed_dictionaries({"AWS": st.sampled_from([ROOT, "123456789012", "*", "x", ""])}),
    st.fixed_dictionaries({"Service": st.sampled_from(["logs.amazonaws.com", "bad"])}),
    st.text(max_size=5),
)
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
JSON = st.recursive(
    JSON_LEAF,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
STATEMENTS = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.text(max_size=10),
        "Effect": st.sampled_from(["Allow", "Deny", "allow", ""]),
        "Principal": PRINCIPALS,
        "NotPrincipal": PRINCIPALS,
        "Action": st.one_of(st.sampled_from(["kms:*", "kms:Put*", "*", "bad"]), JSON),
        "NotAction": st.sampled_from(["kms:Decrypt", []]),
        "Resource": st.one_of(st.just("*"), JSON),
        "Condition": JSON,
        "Extra": JSON,
    },
)
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "Version": st.sampled_from(["2012-10-17", "2008-10-17", "2020-01-01", 1]),
        "Id": JSON,
        "Statement": st.one_of(STATEMENTS, st.lists(STATEMENTS, max_size=3), JSON),
    },
).map(json.dumps)
POLICY_TEXT = st.one_of(DOCUMENTS, st.text(min_size=1, max_size=200))

_client = boto3.client(
    "kms",
    region_name="us-east-1",
    aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
    aws_secret_access_key="secret",
    config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=POLICY_TEXT, bypass=st.booleans())
def test_any_policy_gets_success_or_a_documented_error(text: str, bypass: bool) -> None:
    with FakeKMS() as fake:
        key_id = fake.create_key().key_id
        before = fake.key(key_id).policy_text
        try:
            _client.put_key_policy(KeyId=key_id, Policy=text, BypassPolicyLockoutSafetyCheck=bypass)
            failure = None
        except _client.exceptions.ClientError as error:
            failure = error.response["Error"]
        if failure is not None:
            assert failure["Code"] in DOCUMENTED, failure
            assert failure["Message"]
            assert fake.key(key_id).policy_text == before
            assert len(fake.policy_history(key_id)) == 1
        else:
            assert json.loads(fake.key(key_id).policy_text) == json.loads(text)
            assert len(fake.policy_history(key_id)) == 2
        call: Any = fake.calls.one("PutKeyPolicy")
        assert call.http_status in (200, 400)
