"""``FakeKMS``: the object a test holds. It composes the state, the dispatcher and the hook.

Use it through the ``fake_kms`` fixture, or directly as a context manager or a
decorator. Seeding helpers (``create_key``, ``set_key_state``) change state
without recording a call; every request from botocore (or over HTTP) goes
through :class:`~pytest_fakekms.dispatch.Dispatcher` and is recorded.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pytest_fakekms import assertions
from pytest_fakekms.clock import VirtualClock
from pytest_fakekms.dispatch import Dispatcher
from pytest_fakekms.domain.identifiers import is_ascii_digits
from pytest_fakekms.domain.keys import Key, KeyRecord
from pytest_fakekms.domain.keystates import KeyState
from pytest_fakekms.domain.quotas import Quotas
from pytest_fakekms.errors import KMSError
from pytest_fakekms.faults import Fault
from pytest_fakekms.history import PolicyVersion
from pytest_fakekms.history import assert_policy_history as _assert_history
from pytest_fakekms.operations.base import Context
from pytest_fakekms.recorder import CallList, CallRecorder
from pytest_fakekms.state import FakeState, account_of, find_key
from pytest_fakekms.throttling import Throttle

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

F = TypeVar("F", bound=Callable[..., Any])
KeyLike = Key | str


def default_caller(account_id: str) -> str:
    """``arn:aws:iam::<account_id>:role/fakekms-caller`` (api.md §2)."""
    return f"arn:aws:iam::{account_id}:role/fakekms-caller"


class FakeKMS:
    """An in-process, stateful fake of AWS KMS.

    ``max_calls`` bounds the call log for a fake that lives long (a session-scoped
    fixture, a script): :attr:`calls` then holds the most recent ``max_calls`` requests
    (0: none), and older ones are forgotten. The default keeps every call.
    """

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        caller: str | None = None,
        strict_principals: bool = False,
        quotas: Mapping[str, Any] | Quotas | None = None,
        max_calls: int | None = None,
    ) -> None:
        if not (len(account_id) == 12 and is_ascii_digits(account_id)):
            raise ValueError(f"account_id must be 12 digits, not {account_id!r}")
        if max_calls is not None and (type(max_calls) is not int or max_calls < 0):
            raise ValueError(f"max_calls must be None or an int >= 0, not {max_calls!r}")
        self._state = FakeState(
            account_id=account_id,
            region=region,
            caller=caller or default_caller(account_id),
            strict_principals=strict_principals,
            recorder=CallRecorder(max_calls),
        )
        if isinstance(quotas, Quotas):
            self._state.quotas = quotas
        elif quotas:
            self._state.quotas.update(dict(quotas))
        self._dispatcher = Dispatcher(self._state)
        self._server: Any = None
        self._saved_env: dict[str, str | None] = {}

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeKMS:
        """Answer every KMS request in this process until :meth:`stop`."""
        from pytest_fakekms import interceptor

        interceptor.install(self._dispatcher)
        self._saved_env = _set_default_env(self.region)
        return self

    def stop(self) -> None:
        """Stop answering; state, calls and history stay readable."""
        from pytest_fakekms import interceptor

        if self._server is not None:
            self._server.stop()
            self._server = None
        interceptor.uninstall(self._dispatcher)
        _restore_env(self._saved_env)
        self._saved_env = {}

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False) -> str:
        """Also answer over HTTP (api.md §5) until :meth:`stop_serving` or :meth:`stop`.

        ``port=0`` picks a free port. Returns :attr:`endpoint_url`. Works with or
        without :meth:`start` (the in-process hook); hosts other than loopback need
        ``allow_remote=True``. See ``pytest_fakekms.server`` for the HTTP details.
        """
        from pytest_fakekms.server import FakeKMSServer

        if self._server is not None:
            raise RuntimeError(f"this FakeKMS is already serving at {self.endpoint_url}")
        server = FakeKMSServer(self._dispatcher, host=host, port=port, allow_remote=allow_remote)
        self._server = server.start()
        return str(server.endpoint_url)

    def stop_serving(self) -> None:
        """Stop the HTTP server started by :meth:`serve` (the in-process hook stays)."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    @property
    def endpoint_url(self) -> str:
        """The URL the fake serves KMS at over HTTP, e.g. ``http://127.0.0.1:49152``."""
        if self._server is None:
            raise RuntimeError(
                "this FakeKMS is not serving over HTTP: use the fake_kms_server fixture "
                "or call fake.serve() first"
            )
        return str(self._server.endpoint_url)

    def __enter__(self) -> FakeKMS:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __call__(self, function: F) -> F:
        """Use the fake as a decorator: active for each call of ``function``."""
        if inspect.iscoroutinefunction(function):
            raise TypeError("FakeKMS cannot decorate coroutine functions; use `with` inside.")

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    # -- identity ------------------------------------------------------------------------

    @property
    def account_id(self) -> str:
        """The default account (keys seeded without ``account_id`` live here)."""
        return self._state.account_id

    @property
    def region(self) -> str:
        """The default Region for the helper methods."""
        return self._state.region

    @property
    def caller(self) -> str:
        """ARN of the principal requests act as, unless their access key says otherwise."""
        return self._state.caller

    @caller.setter
    def caller(self, arn: str) -> None:
        self._state.caller = arn

    @property
    def strict_principals(self) -> bool:
        """Whether unknown IAM users and roles in a policy are rejected (api.md §7)."""
        return self._state.strict_principals

    @strict_principals.setter
    def strict_principals(self, value: bool) -> None:
        self._state.strict_principals = value

    def add_principal(self, arn: str, *, access_key_id: str | None = None) -> None:
        """Register a principal that exists; requests signed with ``access_key_id`` act as it."""
        if account_of(arn) is None:
            raise ValueError(f"not an IAM or STS principal ARN: {arn!r}")
        self._state.principals.add(arn)
        if access_key_id is not None:
            self._state.access_keys[access_key_id] = arn

    @property
    def quotas(self) -> Quotas:
        """AWS's quotas for this fake, as data; assign to change them."""
        return self._state.quotas

    @property
    def clock(self) -> VirtualClock:
        """The virtual clock every timestamp comes from."""
        return self._state.clock

    # -- seeding and inspection ----------------------------------------------------------

    def create_key(
        self,
        *,
        policy: str | Mapping[str, Any] | None = None,
        description: str = "",
        key_spec: str = "SYMMETRIC_DEFAULT",
        key_usage: str | None = None,
        origin: str = "AWS_KMS",
        state: KeyState | str | None = None,
        region: str | None = None,
        account_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        multi_region: bool = False,
    ) -> Key:
        """Seed a key directly (no call is recorded); the policy's lockout check is skipped."""
        from pytest_fakekms.operations import keys

        params: dict[str, Any] = {"KeySpec": key_spec, "Origin": origin, "Description": description}
        if key_usage is not None:
            params["KeyUsage"] = key_usage
        if tags:
            params["Tags"] = [{"TagKey": k, "TagValue": v} for k, v in tags.items()]
        if multi_region:
            params["MultiRegion"] = True
        if policy is not None:
            params["Policy"] = policy if isinstance(policy, str) else _json(policy)
            params["BypassPolicyLockoutSafetyCheck"] = True
        ctx = self._context("CreateKey", region=region, account_id=account_id)
        try:
            with self._state.backend.lock:
                keys.create_key(ctx, params)
                record = self._record(ctx.key_id or "", ctx)
                if state is not None:
                    record.force_state(KeyState(state), ctx.now)
                    self._state.backend.watch(record)
        except KMSError as error:
            raise ValueError(f"create_key: {error.code}: {error.message}") from None
        return record.view()

    def key(self, key: KeyLike) -> Key:
        """A read-only view of a key, by any of its identifiers (KeyError if unknown)."""
        return self._find(key).view()

    def keys(self) -> list[Key]:
        """Every key of every account and Region, in creation order."""
        return [r.view() for _, store in self._state.backend.stores() for r in store.keys.values()]

    def set_key_state(self, key: KeyLike, state: KeyState | str) -> Key:
        """Force any key state, including ones only custom key stores or replicas reach."""
        with self._state.backend.lock:
            record = self._find(key)
            record.force_state(KeyState(state), self._state.clock.now())
            self._state.backend.watch(record)
        return record.view()

    # -- recorded calls and history --------------------------------------------------------

    @property
    def calls(self) -> CallList:
        """Every request that reached the fake (the most recent ``max_calls`` of them, if
        the fake was made with that bound), in arrival order."""
        return self._state.recorder.calls

    def assert_called(self, operation: str, **params: Any) -> None:
        """Assert ``operation`` was called at least once with (a subset of) ``params``."""
        __tracebackhide__ = True
        assertions.assert_called(self.calls, operation, **params)

    def assert_called_once(self, operation: str, **params: Any) -> None:
        """Assert exactly one ``operation`` call matched ``params``."""
        __tracebackhide__ = True
        assertions.assert_called_once(self.calls, operation, **params)

    def assert_not_called(self, operation: str) -> None:
        """Assert ``operation`` was never called."""
        __tracebackhide__ = True
        assertions.assert_not_called(self.calls, operation)

    def assert_call_count(self, operation: str, n: int) -> None:
        """Assert ``operation`` was called exactly ``n`` times."""
        __tracebackhide__ = True
        assertions.assert_call_count(self.calls, operation, n)

    def policy_history(self, key: KeyLike) -> list[PolicyVersion]:
        """Every policy that was in force on the key, oldest first."""
        return self._state.history.versions(self._key_id(key))

    def assert_policy_history(
        self, key: KeyLike, expected: Sequence[Mapping[str, Any] | str]
    ) -> None:
        """Assert the key's policy history equals ``expected`` (compared as JSON values)."""
        __tracebackhide__ = True
        _assert_history(self.policy_history(key), list(expected))

    def policy_allows(
        self,
        key: KeyLike,
        principal: str,
        action: str,
        *,
        context: Mapping[str, Any] | None = None,
    ) -> bool:
        """Whether the key's current policy allows ``principal`` to perform ``action``."""
        from pytest_fakekms.policy.document import parse_policy
        from pytest_fakekms.policy.evaluator import allows, context_for

        record = self._find(key)
        document = parse_policy(record.policy_text)
        request = context_for(
            principal, action, record.arn, region=record.region, now=self.clock.now(), extra=context
        )
        return allows(document, request)

    # -- faults -------------------------------------------------------------------------------

    def inject_fault(
        self,
        operation: str,
        error: str,
        *,
        times: int | None = 1,
        after: int = 0,
        message: str | None = None,
        key_id: str | None = None,
        latency: float = 0.0,
    ) -> Fault:
        """Make the next ``times`` matching requests fail with ``error`` (api.md §4)."""
        from pytest_fakekms.fault_rules import new_fault

        fault = new_fault(
            operation, error, times=times, after=after, message=message, key_id=key_id,
            latency=latency,
        )  # fmt: skip
        self._state.faults.append(fault)
        return fault

    @property
    def faults(self) -> list[Fault]:
        """The faults planned for this fake (marker faults and injected ones)."""
        return list(self._state.faults)

    def throttle(self, rate: float | None = None, operation: str | None = None) -> Throttle:
        """Apply AWS's request quotas on the virtual clock; ``rate`` overrides one or all."""
        from pytest_fakekms.fault_rules import check_throttle_rule

        check_throttle_rule(rate, operation)
        self._dispatcher.throttle.enable(rate, operation)
        return self._dispatcher.throttle

    def eventual_consistency(self, seconds: float = 5.0) -> None:
        """Hide keys younger than ``seconds`` of virtual time (NotFoundException); 0: off."""
        self._dispatcher.consistency.enable(seconds)

    # -- internals ------------------------------------------------------------------------------

    def _context(
        self, operation: str, *, region: str | None = None, account_id: str | None = None
    ) -> Context:
        return Context(
            state=self._state,
            operation=operation,
            region=region or self.region,
            account_id=account_id or self.account_id,
            caller=self.caller,
        )

    def _record(self, key_id: str, ctx: Context) -> KeyRecord:
        return self._state.backend.store(ctx.account_id, ctx.region).keys[key_id]

    def _find(self, key: KeyLike) -> KeyRecord:
        identifier = key.arn if isinstance(key, Key) else key
        return find_key(self._state, identifier, account_id=self.account_id, region=self.region)

    def _key_id(self, key: KeyLike) -> str:
        if isinstance(key, Key):
            return key.key_id
        return self._find(key).key_id

    def __repr__(self) -> str:
        active = "active" if self._is_active() else "inactive"
        return f"<FakeKMS {self.account_id} {self.region} {active}, {len(self.calls)} calls>"

    def _is_active(self) -> bool:
        from pytest_fakekms import interceptor

        return interceptor._active is self._dispatcher


#: Set while a fake is active when the environment has none, so that
#: ``boto3.client("kms")`` works in a test without credentials or a Region.
#: Real credentials are left alone: nothing reaches AWS either way.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEKMSTESTING00",
    "AWS_SECRET_ACCESS_KEY": "fakekms-secret-access-key",
}


def _set_default_env(region: str) -> dict[str, str | None]:
    saved: dict[str, str | None] = {}
    wanted = dict(DUMMY_CREDENTIALS)
    if os.environ.get("AWS_PROFILE") or os.environ.get("AWS_ACCESS_KEY_ID"):
        wanted = {}
    if not (os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")):
        wanted["AWS_DEFAULT_REGION"] = region
    for name, value in wanted.items():
        saved[name] = os.environ.get(name)
        os.environ[name] = value
    return saved


def _restore_env(saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _json(document: Mapping[str, Any]) -> str:
    import json

    return json.dumps(document)
