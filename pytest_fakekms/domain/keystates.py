"""Key states (placeholder: the full operation x state table lands with issue #3)."""

from __future__ import annotations

import enum


class KeyState(str, enum.Enum):
    """A KMS key state, with AWS's exact spelling as its value."""

    CREATING = "Creating"
    ENABLED = "Enabled"
    DISABLED = "Disabled"
    PENDING_DELETION = "PendingDeletion"
    PENDING_IMPORT = "PendingImport"
    PENDING_REPLICA_DELETION = "PendingReplicaDeletion"
    UNAVAILABLE = "Unavailable"
    UPDATING = "Updating"

    def __str__(self) -> str:
        return self.value


def check_key_state(operation: str, key_arn: str, state: KeyState) -> None:
    """Raise the KMSError AWS gives when ``operation`` meets a key in ``state``."""
