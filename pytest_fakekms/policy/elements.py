"""The names of a key policy's grammar: its elements, versions and principal types.

Plain data, apart from the parser (:mod:`.document`) so that what only needs the
names (the policy history, the policy operations' answers) does not import the
policy engine: a test session that never sends a policy never loads it.
"""

from __future__ import annotations

#: A KMS key has one key policy, and this is its name (PutKeyPolicy takes no other).
DEFAULT_POLICY_NAME = "default"
#: The policy-language versions IAM accepts; a missing Version means 2008-10-17
#: (IAM User Guide, reference_policies_elements_version).
VERSIONS = ("2012-10-17", "2008-10-17")
DEFAULT_VERSION = "2008-10-17"
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")

#: The elements a policy may have at its top level.
TOP_ELEMENTS = frozenset({"Version", "Id", "Statement"})
#: The elements a statement may have, in the order AWS documents them.
STATEMENT_ELEMENTS: tuple[str, ...] = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
