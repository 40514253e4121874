"""Speed of the policy engine on a near-quota policy (~30 KB, 100 statements).

Targets: a few ms to parse and validate uncached, well under a millisecond cached.
The asserted bounds are several times looser than the targets so that a busy CI
machine does not make the suite flaky; each figure is the best of several runs.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from pytest_fakekms.policy.document import parse_policy
from pytest_fakekms.policy.evaluator import check_lockout, context_for, evaluate
from pytest_fakekms.policy.principals import validate_principals
from pytest_fakekms.policy.render import render_aws

if TYPE_CHECKING:
    from collections.abc import Callable

ACCT = "111122223333"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CALLER = f"arn:aws:iam::{ACCT}:role/deployer"
NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


def big_policy(salt: str = "") -> str:
    """About 30 KB: 100 statements with principals, actions and a condition each."""
    statements: list[dict[str, object]] = [
        {
            "Sid": f"Statement {i}{salt}",
            "Effect": "Deny" if i % 10 == 0 else "Allow",
            "Principal": {
                "AWS": [f"arn:aws:iam::{ACCT}:role/app-{i}", f"arn:aws:iam::{ACCT}:user/u{i}"]
            },
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.r{i}.amazonaws.com"}},
        }
        for i in range(100)
    ]
    statements.append(
        {
            "Sid": "Admin",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def best_ms(run: Callable[[], object], repeat: int = 7) -> float:
    """The fastest of ``repeat`` runs, in milliseconds."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings) * 1000


def test_policy_is_near_the_size_quota() -> None:
    """The benchmark policy is in the 32 KB quota's range (kms-facts §1.1)."""
    assert 25_000 < len(big_policy()) < 32_768


def test_uncached_parse_and_validate_takes_a_few_ms() -> None:
    """A fresh text each run: JSON, grammar, compiled matchers, principal checks."""
    texts = iter(big_policy(salt=f"-{n}") for n in range(10))

    def run() -> None:
        validate_principals(parse_policy(next(texts)), exists=lambda arn: True)

    assert best_ms(run) < 25


def test_cached_parse_and_validate_is_well_under_a_millisecond() -> None:
    """The same text again: a cache hit plus the principal checks."""
    text = big_policy()
    parse_policy(text)

    def run() -> None:
        validate_principals(parse_policy(text))

    assert best_ms(run) < 0.5


def test_evaluation_and_lockout_check_are_fast() -> None:
    """Evaluating 101 precompiled statements for one request."""
    doc = parse_policy(big_policy())
    ctx = context_for(CALLER, "kms:Decrypt", KEY, region="us-east-1", now=NOW)
    assert best_ms(lambda: evaluate(doc, ctx)) < 2
    lockout = best_ms(
        lambda: check_lockout(doc, caller_arn=CALLER, key_arn=KEY, region="us-east-1", now=NOW)
    )
    assert lockout < 2


def test_render_is_fast() -> None:
    """GetKeyPolicy's re-serialization of the whole policy."""
    value = parse_policy(big_policy()).value
    assert best_ms(lambda: render_aws(value)) < 25
