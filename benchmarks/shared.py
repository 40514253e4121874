"""What the benchmark scripts share besides timing: the account, the client, a policy.

``bench.py``, ``sweep.py`` and ``state_scaling.py`` import it (``benchmarks/`` is on
``sys.path`` when a script there runs); ``timing.py`` holds how they time things.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import boto3
from botocore.config import Config

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
ROOT = f"arn:aws:iam::{ACCOUNT_ID}:root"
GRANTEE = f"arn:aws:iam::{ACCOUNT_ID}:role/grantee"
#: What the Encrypt and Sign cases send: 1 KiB each, random once per run.
PLAINTEXT = secrets.token_bytes(1024)
MESSAGE = secrets.token_bytes(1024)


def make_client(**config: Any) -> Any:
    """A boto3 KMS client in :data:`REGION`; ``config`` goes to botocore's ``Config``."""
    return boto3.client("kms", region_name=REGION, config=Config(**config) if config else None)


def small_policy(policy_id: str) -> str:
    """A valid two-statement key policy (the account root may do anything, a role may
    decrypt); policies that differ only in ``policy_id`` share their statements."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": policy_id,
            "Statement": [
                {
                    "Sid": "EnableRootAccess",
                    "Effect": "Allow",
                    "Principal": {"AWS": ROOT},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "AllowAppDecrypt",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/app"},
                    "Action": ["kms:Decrypt", "kms:DescribeKey"],
                    "Resource": "*",
                },
            ],
        }
    )


def us(seconds: float) -> str:
    """Seconds as microseconds for a report: whole ones from 100 on, else one decimal."""
    micro = seconds * 1e6
    return f"{micro:,.0f}" if abs(micro) >= 100 else f"{micro:,.1f}"


def command_line(script: str, *, quick: bool, only: str | None) -> str:
    """The command a report says it came from: ``python benchmarks/<script> [--quick]
    [--only "..."]``."""
    command = f"python benchmarks/{script}" + (" --quick" if quick else "")
    return command + (f" --only {json.dumps(only)}" if only else "")
