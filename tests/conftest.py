"""Shared fixtures: real boto3 clients against the fake, and AWS data for oracles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
CALLER = f"arn:aws:iam::{ACCOUNT}:role/fakekms-caller"


@pytest.fixture
def kms(fake_kms: Any) -> Any:
    """A boto3 KMS client in the fake's Region, retries off so errors arrive at once."""
    return boto3.client(
        "kms",
        region_name=REGION,
        aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


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
