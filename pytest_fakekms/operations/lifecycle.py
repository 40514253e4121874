"""EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription.

Which states each accepts, and where it moves the key, is the key-state table's
business (:mod:`pytest_fakekms.domain.keystates`); these functions only apply it.
"""

from __future__ import annotations

import datetime as dt

from pytest_fakekms import errors
from pytest_fakekms.domain.keys import DEFAULT_PENDING_WINDOW_DAYS
from pytest_fakekms.domain.keystates import KeyState, next_state
from pytest_fakekms.operations.base import Context, Params, Result, operation


def _transition(ctx: Context, params: Params) -> Result:
    record = ctx.key(params)
    record.state = next_state(ctx.operation, record.state, key_arn=record.arn)
    return {}


operation("EnableKey")(_transition)
operation("DisableKey")(_transition)


@operation("ScheduleKeyDeletion")
def schedule_key_deletion(ctx: Context, params: Params) -> Result:
    """PendingDeletion with DeletionDate = now + window (kms-facts §7.2)."""
    record = ctx.key(params)
    window = params.get("PendingWindowInDays", DEFAULT_PENDING_WINDOW_DAYS)
    if not 7 <= window <= 30:
        raise errors.validation(errors.PENDING_WINDOW_MESSAGE)  # kms-facts §7.2, VERIFIED
    record.state = next_state(ctx.operation, record.state, key_arn=record.arn)
    record.pending_window_days = window
    result: Result = {
        "KeyId": record.arn,
        "KeyState": record.state.value,
        "PendingWindowInDays": window,
    }
    if record.state is KeyState.PENDING_DELETION:
        record.deletion_date = ctx.now + dt.timedelta(days=window)
        ctx.state.backend.watch(record)
        result["DeletionDate"] = record.deletion_date.timestamp()
    return result


@operation("CancelKeyDeletion")
def cancel_key_deletion(ctx: Context, params: Params) -> Result:
    """Back to Disabled, never to the state before (kms-facts §3.1)."""
    record = ctx.key(params)
    record.state = next_state(ctx.operation, record.state, key_arn=record.arn)
    record.deletion_date = None
    record.pending_window_days = None
    return {"KeyId": record.arn}


@operation("UpdateKeyDescription")
def update_key_description(ctx: Context, params: Params) -> Result:
    """Replace the key's description."""
    ctx.key(params).description = params["Description"]
    return {}
