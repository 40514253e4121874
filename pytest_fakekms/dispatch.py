"""The one path every request takes, in-process or over HTTP.

decode -> validate against botocore's model -> planned faults -> simulated
throttling and eventual consistency (off unless asked for) -> operation (under
the backend lock) -> encode -> record. Both front doors (the botocore hook and
the HTTP server) call :meth:`Dispatcher.handle` with raw request parts and get
raw response parts back, so a request gives the same bytes either way.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pytest_fakekms import errors, protocol, validation
from pytest_fakekms.consistency import EventualConsistency
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations import load_core, load_for
from pytest_fakekms.operations.base import OPERATIONS, Context, ReusedResult
from pytest_fakekms.state import FakeState, account_of, find_key
from pytest_fakekms.throttling import Throttle

_KEY_MEMBERS = ("KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId")


class Dispatcher:
    """Answers raw KMS requests for one fake."""

    def __init__(self, state: FakeState) -> None:
        load_core()
        self.state = state
        self.throttle = Throttle()
        self.consistency = EventualConsistency()

    def handle(
        self,
        url: str,
        headers: Mapping[str, Any],
        body: bytes | str | None,
        *,
        transport: str = "in-process",
        backoff: float = 0.0,
    ) -> protocol.WireResponse:
        """Answer one request and record it as a :class:`Call`."""
        state = self.state
        try:
            request = protocol.decode(url, headers, body)
        except KMSError as undecodable:
            return self._answer_undecodable(headers, undecodable, transport, backoff)
        operation = request.operation
        caller = state.caller_for(request.access_key_id)
        ctx = Context(
            state,
            operation,
            request.region or state.region,
            account_of(caller) or state.account_id,
            caller,
        )
        params: dict[str, Any] | None = None
        injected = False
        result: dict[str, Any] | None = None
        error: KMSError | None = None
        try:
            params = validation.validate_request(operation, request.params)
            # Planned faults and both simulations are off in almost every test: one test
            # here spares every request the two method calls that would each find nothing.
            if state.faults or self.throttle.enabled or self.consistency.enabled:
                fault = self._fault_for(ctx, params) or self._simulated_for(ctx, params)
                if fault is not None:
                    injected = True
                    raise fault
            implementation = OPERATIONS.get(operation) or load_for(operation)
            if implementation is None:
                raise errors.not_implemented(operation)
            with state.backend.lock:
                try:
                    result = implementation(ctx, params)
                except BaseException:
                    if ctx.bare:  # material made by a first use: a failed request keeps none
                        ctx.forget_new_material()
                    raise
            if type(result) is ReusedResult:  # encoded once, answered many times
                body = result.body
                if body is None:
                    body = result.body = protocol.result_body(result)
                response = protocol.success(body)
            else:
                response = protocol.encode_result(result)
            if ctx.used is not None:  # a successful cryptographic operation
                usage = (operation, state.clock.now(), response.headers["x-amzn-RequestId"])
                with state.backend.lock:
                    for record in ctx.used:
                        record.last_usage = usage
        except KMSError as caught:
            error = caught
            response = protocol.encode_error(caught)
        if params is None:  # refused by validation: record what was sent, blobs decoded
            params = validation.decode_params(operation, request.params)
        self._record(ctx, params, request.attempt, result, error, response.status,
                     injected, backoff, transport)  # fmt: skip
        return response

    def _fault_for(self, ctx: Context, params: dict[str, Any]) -> KMSError | None:
        if not self.state.faults:
            return None

        # Cached per request: faults tend to name the same key, and each look-up resolves
        # an identifier (1,000 faults on one key made a DescribeKey 6.9x slower).
        @functools.cache
        def names_key(identifier: str) -> bool:
            try:
                target = find_key(
                    self.state, identifier, account_id=ctx.account_id, region=ctx.region
                ).key_id
            except KeyError:
                return False
            return any(
                self._resolves_to(ctx, params[m], target) for m in _KEY_MEMBERS if m in params
            )

        for fault in self.state.faults:
            error = fault.check(ctx.operation, names_key)
            if error is not None:
                if fault.latency:
                    self.state.clock.advance(fault.latency)
                return error
        return None

    def _simulated_for(self, ctx: Context, params: dict[str, Any]) -> KMSError | None:
        """Throttling, then eventual consistency: simulated AWS answers, recorded as injected."""
        if self.throttle.enabled:
            now, quotas = self.state.clock.now(), self.state.quotas.requests_per_second
            throttled = self.throttle.check(ctx.operation, ctx.account_id, ctx.region, now, quotas)
            if throttled is not None:
                return throttled
        if self.consistency.enabled:
            return self.consistency.check(
                self.state, ctx.operation, ctx.account_id, ctx.region, params
            )
        return None

    def _resolves_to(self, ctx: Context, identifier: object, key_id: str) -> bool:
        if not isinstance(identifier, str):
            return False
        try:
            found = find_key(self.state, identifier, account_id=ctx.account_id, region=ctx.region)
        except KeyError:
            return False
        return found.key_id == key_id

    def _record(
        self,
        ctx: Context,
        params: dict[str, Any],
        attempt: int,
        result: dict[str, Any] | None,
        error: KMSError | None,
        status: int,
        injected: bool,
        backoff: float,
        transport: str,
    ) -> None:
        # Call's fields in order: the log makes the Call when a test first reads it.
        self.state.recorder.record(
            (
                ctx.operation,
                params,
                result if error is None else None,
                error.code if error else None,
                error.message if error else None,
                status,
                ctx.region,
                ctx.account_id,
                ctx.caller,
                attempt,
                self.state.clock.now(),
                injected,
                backoff,
                ctx.key_id,
                transport,
            )
        )

    def _answer_undecodable(
        self, headers: Mapping[str, Any], error: KMSError, transport: str, backoff: float
    ) -> protocol.WireResponse:
        try:
            operation = protocol.operation_of(headers)
        except KMSError:
            operation = "<unknown>"
        state = self.state
        ctx = Context(state, operation, state.region, state.account_id, state.caller)
        response = protocol.encode_error(error)
        self._record(ctx, {}, 1, None, error, response.status, False, backoff, transport)
        return response
