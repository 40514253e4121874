"""Shared fixtures: real boto3 clients against the fake, and AWS data for oracles."""

from __future__ import annotations

import json
import os
import select
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

import pytest_fakekms.fake
import pytest_fakekms.interceptor
import pytest_fakekms.server  # noqa: F401
from pytest_fakekms.operations import load_all

# Import every module of the package now, in the outer session: pytester's in-process
# runs drop modules first imported inside them, and a module imported twice would
# bring a second KMSError class that the first copy's `except` does not catch.
load_all()

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"

#: The operations of issue #7's cross-client scenario (create, put with and without
#: PolicyName, get, a malformed put, describe, schedule deletion, put on the pending-
#: deletion key, list), shared by the JavaScript SDK and HTTP tests.
SCENARIO_OPERATIONS = [
    "CreateKey",
    "PutKeyPolicy",
    "PutKeyPolicy",
    "GetKeyPolicy",
    "PutKeyPolicy",
    "DescribeKey",
    "ScheduleKeyDeletion",
    "PutKeyPolicy",
    "ListKeyPolicies",
]
CALLER = f"arn:aws:iam::{ACCOUNT}:role/fakekms-caller"


def kms_client(region: str = REGION, **config: Any) -> Any:
    """A boto3 KMS client, retries off so errors arrive at once (``config``: more
    botocore ``Config`` settings, such as ``parameter_validation=False``)."""
    return boto3.client(
        "kms",
        region_name=region,
        aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, **config),
    )


def in_forked_child(work: Callable[[], bytes], timeout: float = 30) -> bytes:
    """What ``work()`` returns when run in a child made by ``os.fork`` (as
    multiprocessing's default start method on Linux makes them). The child answers
    through a pipe; one that fails fails the test, and one that hangs (a lock another
    thread held at the fork) is killed after ``timeout`` seconds rather than hang the run.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        status = 1
        try:
            os.write(write_end, work())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    answered, _, _ = select.select([read_end], [], [], timeout)
    if not answered:  # pragma: no cover - reported below
        os.kill(pid, signal.SIGKILL)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read() if answered else b""
    _, status = os.waitpid(pid, 0)
    assert answered, f"the forked child did not answer within {timeout} s"
    assert os.waitstatus_to_exitcode(status) == 0, "the forked child failed"
    return output


def state_of(fake: Any) -> dict[str, Any]:
    """The fake's state as ``dump_state`` gives it, without the clock (which moves): what
    a request that fails must leave as it was."""
    from pytest_fakekms.persistence import dump_state

    state = dump_state(fake)
    del state["clock"]
    return state


@pytest.fixture
def kms(fake_kms: Any) -> Any:
    """A boto3 KMS client in the fake's Region, retries off so errors arrive at once."""
    return kms_client()


@pytest.fixture
def key_id(kms: Any) -> str:
    """A fresh symmetric key made through the API."""
    return str(kms.create_key()["KeyMetadata"]["KeyId"])


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> str:
    """A policy document as JSON text."""
    return json.dumps({"Version": version, "Statement": list(statements)})


def allow(principal: Any, action: Any = "kms:*", **extra: Any) -> dict[str, Any]:
    """An Allow statement for ``principal`` on this key."""
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*", **extra}


def error_of(raised: pytest.ExceptionInfo[Any]) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a botocore ClientError."""
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


_RECORDED = Path(__file__).resolve().parents[2] / "shared" / "data" / "aws-recorded"


def recorded(test_name: str, entry: str) -> dict[str, Any]:
    """One response recorded from real AWS (shared/data/aws-recorded), if available."""
    path = _RECORDED / "kms.snapshot.json"
    if not path.exists():
        pytest.skip("shared/data/aws-recorded is not available")
    data = json.loads(path.read_text())
    key = f"tests/aws/services/kms/test_kms.py::{test_name}"
    return dict(data[key]["recorded-content"][entry])


@pytest.fixture(autouse=True)
def _wire_contract(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test that used the fake: each error it answered is one the operation
    declares in botocore's model (or a protocol-level one), and each successful response
    validates against the operation's output shape (issue #2 point 3; STYLE habit 14)."""
    yield
    from pytest_fakekms import model, plugin
    from pytest_fakekms.errors import PROTOCOL_ERRORS
    from pytest_fakekms.protocol import to_wire as _wire
    from pytest_fakekms.recorder import thaw

    fake = request.node.stash.get(plugin._FAKE_KEY, None)
    if fake is None:
        return
    for call in fake.calls:
        if call.operation not in model.operation_names():
            continue
        if call.error is not None:
            allowed = model.declared_errors(call.operation) | PROTOCOL_ERRORS
            assert call.error in allowed, f"{call.operation} answered undeclared {call.error}"
        elif call.response is not None:
            problems = model.validate_output(call.operation, _wire(thaw(call.response)))
            assert problems == [], f"{call.operation} response: {problems}"
