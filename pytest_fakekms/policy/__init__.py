"""Key-policy documents: parse, validate, evaluate, re-serialize. No botocore here.

* :mod:`.document` parses and checks the policy grammar (cached by text).
* :mod:`.principals` checks that every principal is well formed (and exists).
* :mod:`.conditions` compiles the IAM condition operators.
* :mod:`.evaluator` decides a request and runs the lockout safety check.
* :mod:`.render` prints a policy as GetKeyPolicy returns it.
"""

from __future__ import annotations

from pytest_fakekms.policy.document import PolicyDocument, Principal, Statement, parse_policy
from pytest_fakekms.policy.evaluator import (
    Decision,
    RequestContext,
    allows,
    check_lockout,
    context_for,
    evaluate,
)
from pytest_fakekms.policy.principals import validate_principals
from pytest_fakekms.policy.render import default_policy, render_aws

__all__ = [
    "Decision",
    "PolicyDocument",
    "Principal",
    "RequestContext",
    "Statement",
    "allows",
    "check_lockout",
    "context_for",
    "default_policy",
    "evaluate",
    "parse_policy",
    "render_aws",
    "validate_principals",
]
