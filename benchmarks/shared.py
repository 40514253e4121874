"""What the benchmark scripts share besides timing: the account, the client, a policy.

``bench.py``, ``sweep.py`` and ``state_scaling.py`` import it (``benchmarks/`` is on
``sys.path`` when a script there runs); ``timing.py`` holds how they time things.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
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


def p256_signer() -> Callable[[bytes], bytes]:
    """An ECDSA P-256 signer with one nonce made beforehand (k⁻¹ and r, as the fake's
    pool holds them, crypto/ecdsa_pool.py): SHA-256 of the message, two multiplications
    modulo n and the DER encoding, the least a correct signature costs once its nonce is
    made. For the columns that do a call's unavoidable work; the nonce repeats, which
    only a real signer must never do."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from pytest_fakekms.crypto.ecdsa_pool import CURVE_ORDERS

    n = CURVE_ORDERS["ECC_NIST_P256"]
    k = secrets.randbelow(n - 1) + 1
    r = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers().x % n
    d = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    k_inverse = pow(k, -1, n)

    def sign(message: bytes) -> bytes:
        z = int.from_bytes(hashlib.sha256(message).digest(), "big")
        return encode_dss_signature(r, k_inverse * (z + r * d) % n)

    return sign


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
