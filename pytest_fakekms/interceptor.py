"""The only module that touches botocore's internals.

While a fake is active, ``botocore.endpoint.Endpoint._send_request`` is wrapped at
class level, so every client in the process is reached, including clients
created before the fake started. Other services' requests go through untouched.
A KMS request is answered on botocore's ``before-send`` event with the fake's
response (an ``AWSResponse`` built from real JSON 1.1 bytes), so nothing reaches
the network. Everything else in the pipeline is botocore's: serializer, signer,
retry handler, parser, modeled exceptions.

The answer must be the only one: moto's stub (or any other ``before-send``
handler) must never see a KMS request. Two paths give that:

* **Alone.** The fake registers its handler on the client's event emitter (once,
  unregistered when the fake stops). When it is the only ``before-send`` handler
  the request's event reaches, botocore's own pipeline runs untouched and calls it.
* **A view.** When any other handler would also run, botocore runs on a per-call
  copy of the endpoint whose event emitter answers ``before-send`` itself, ahead of
  every other handler, and passes every other event on.

Retries are botocore's too, but their waits are virtual: the back-off botocore
asks for is added to the fake's clock and recorded on the next attempt of the same
call (so of the same thread), and no real time passes. On the view path its
emitter answers ``needs-retry`` with a wait of 0; on the alone path
``botocore.endpoint``'s ``time`` is, while a fake is active, a stand-in whose
``sleep`` does that for the call this thread is making through the fake, and
sleeps for real for anything else: another service's call made from a handler
during that KMS call included (``_send_elsewhere`` sets the KMS call aside for it).

The alone path exists for speed (issue #8): the view passes each of a call's five
events through a Python wrapper, about 1 % of a call (docs/performance.md).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from typing import Any

import botocore.endpoint
from botocore.awsrequest import AWSResponse
from botocore.endpoint import Endpoint
from botocore.hooks import first_non_none_response

from pytest_fakekms import model
from pytest_fakekms.dispatch import Dispatcher

_endpoint_class: Any = Endpoint  # patched at class level; typed Any (private attribute)
_endpoint_module: Any = botocore.endpoint  # its ``time`` is swapped while a fake is active
_lock = threading.Lock()
_active: Dispatcher | None = None
_original_send_request: Any = None
_original_time: Any = None

#: Where the fake's ``before-send`` handler is registered on a client's emitter.
_EVENT = "before-send.kms"
_UNIQUE_ID = "pytest-fakekms"
#: The emitters that carry the handler, to unregister it from when the fake stops.
_registered: weakref.WeakSet[Any] = weakref.WeakSet()


class _Body:
    """The raw body object ``AWSResponse`` reads through ``stream()``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _respond(dispatcher: Dispatcher, request: Any, backoff: float) -> AWSResponse:
    answer = dispatcher.handle(
        request.url, _lowered(request.headers), request.body, backoff=backoff
    )
    # AWSResponse wraps the headers in its own case-insensitive HeadersDict.
    headers: Any = answer.headers  # botocore's stubs say HTTPHeaders; any mapping will do
    return AWSResponse(request.url, answer.status, headers, _Body(answer.body))


def _lowered(headers: Any) -> Any:
    """The request headers as a plain dict keyed by lower-case names.

    botocore's ``HeadersDict`` looks each name up through a ``_HeaderKey`` object (about
    0.5 µs a look-up); its private ``_dict`` already holds every key's lower-case form.
    Should that ever change, the ``HeadersDict`` itself goes through: it is a
    case-insensitive mapping, which is all the protocol needs.
    """
    try:
        return {key._lower: value for key, value in headers._dict.items()}
    except AttributeError:  # pragma: no cover - a botocore without HeadersDict._dict
        return headers


def _wait(dispatcher: Dispatcher, seconds: float) -> float:
    """A retry's wait, on the fake's clock instead of the wall's: the back-off to record
    on the call's next attempt."""
    backoff = float(seconds)
    dispatcher.state.clock.advance(backoff)
    return backoff


# --- the alone path ------------------------------------------------------------------------


class _Call:
    """One KMS call this thread is making on the alone path: who answers, and the
    back-off botocore asked for before its next attempt."""

    __slots__ = ("backoff", "dispatcher")

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.backoff = 0.0


class _Calls(threading.local):
    current: _Call | None = None


_calls = _Calls()


def _before_send(request: Any, **_: Any) -> AWSResponse | None:
    """The handler registered on clients' emitters: answers the thread's current call."""
    call = _calls.current
    if call is None:  # pragma: no cover - registered only while a fake is active
        return None
    backoff, call.backoff = call.backoff, 0.0
    return _respond(call.dispatcher, request, backoff)


class _VirtualSleep:
    """``botocore.endpoint``'s ``time`` while a fake is active: a retry's wait, during
    a call this thread makes on the alone path, goes on the fake's clock instead."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def sleep(self, seconds: float) -> None:
        call = _calls.current
        if call is None:
            self._real.sleep(seconds)
            return
        call.backoff = _wait(call.dispatcher, seconds)


def _answers_alone(emitter: Any, event_name: str) -> bool:
    """Whether the fake's handler is the only ``before-send`` handler ``event_name``
    reaches on ``emitter`` that can answer; registers it there first if it is missing.

    moto's stub is on every client of a session made after ``import moto``, and
    answers nothing outside ``mock_aws()``: while it is off it does not count.
    """
    try:
        inner = emitter._emitter  # an EventAliaser's HierarchicalEmitter
        handlers = inner._lookup_cache.get(event_name)
        if handlers is None:
            handlers = inner._handlers.prefix_search(event_name)
    except AttributeError:  # pragma: no cover - an emitter of another make: use the view
        return False
    alone, registered = True, False
    for handler in handlers:
        if handler is _before_send:
            registered = True
        elif not _idle_moto(handler):
            alone = False
    if not registered:
        emitter.register(_EVENT, _before_send, unique_id=_UNIQUE_ID)
        _registered.add(emitter)
    return alone


def _idle_moto(handler: Any) -> bool:
    """moto's ``before-send`` stub outside ``mock_aws()``: it returns None at once."""
    return (
        type(handler).__name__ == "BotocoreStubber" and getattr(handler, "enabled", None) is False
    )


# --- the view path -------------------------------------------------------------------------


class _KMSEmitter:
    """A client's event emitter, with ``before-send`` and retry sleeps answered by the fake."""

    def __init__(self, inner: Any, dispatcher: Dispatcher) -> None:
        self._inner = inner
        self._dispatcher = dispatcher
        self._backoff = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def emit(self, event_name: str, **kwargs: Any) -> list[tuple[Any, Any]]:
        if event_name[:12] == "before-send.":
            backoff, self._backoff = self._backoff, 0.0
            return [(self.emit, _respond(self._dispatcher, kwargs["request"], backoff))]
        responses: list[tuple[Any, Any]] = self._inner.emit(event_name, **kwargs)
        if event_name[:12] == "needs-retry.":
            delay = first_non_none_response(responses)
            if delay is not None and delay is not False:
                self._backoff = _wait(self._dispatcher, delay)
                return [(self.emit, 0)]
        return responses


# --- the hook ------------------------------------------------------------------------------


def _send_request(self: Any, request_dict: Any, operation_model: Any) -> Any:
    dispatcher = _active
    if dispatcher is None:
        return _original_send_request(self, request_dict, operation_model)
    if self._endpoint_prefix != "kms":
        return _send_elsewhere(self, request_dict, operation_model)
    if not _model_offered:
        _offer_model(operation_model)
    emitter = self._event_emitter
    if _answers_alone(emitter, f"before-send.kms.{operation_model.name}"):
        previous = _calls.current
        _calls.current = _Call(dispatcher)
        try:
            return _original_send_request(self, request_dict, operation_model)
        finally:
            _calls.current = previous
    # A view per call: keeping one per endpoint saved 0.5 µs a call in a loop and nothing
    # measurable in place, and would need per-thread back-off (issue #8, 2026-11-27).
    view = object.__new__(type(self))
    view.__dict__.update(self.__dict__)
    view._event_emitter = _KMSEmitter(emitter, dispatcher)
    return _original_send_request(view, request_dict, operation_model)


def _send_elsewhere(self: Any, request_dict: Any, operation_model: Any) -> Any:
    """Another service's request, sent by botocore as it is. Made from a handler while
    this thread's KMS call is on the alone path, it is not that call: its retry waits
    must sleep for real, not go on the fake's clock and the KMS call's record."""
    previous = _calls.current
    if previous is None:
        return _original_send_request(self, request_dict, operation_model)
    _calls.current = None
    try:
        return _original_send_request(self, request_dict, operation_model)
    finally:
        _calls.current = previous


_model_offered = False


def _offer_model(operation_model: Any) -> None:
    """Hand the client's KMS model document to :func:`model.adopt`, once per process."""
    global _model_offered
    _model_offered = True
    service = operation_model.service_model
    description = getattr(service, "_service_description", None)  # botocore's raw document
    if isinstance(description, dict) and service.service_name == model.SERVICE_NAME:
        model.adopt(description)


def install(dispatcher: Dispatcher) -> None:
    """Answer every KMS request in this process with ``dispatcher`` until :func:`uninstall`."""
    global _active, _original_send_request, _original_time
    with _lock:
        if _active is not None:
            raise RuntimeError(
                "Another FakeKMS is already active in this process; two active fakes at once "
                "is not supported. Use the one fake_kms fixture, or exit the other fake first."
            )
        if _original_send_request is None:
            _original_send_request = _endpoint_class._send_request
            _endpoint_class._send_request = _send_request
            _original_time = _endpoint_module.time
            _endpoint_module.time = _VirtualSleep(_original_time)
        _active = dispatcher


def uninstall(dispatcher: Dispatcher) -> None:
    """Stop answering; restores botocore's own ``_send_request`` and ``time``, and takes
    the fake's handler off every client's emitter. Safe to call twice."""
    global _active, _original_send_request, _original_time
    with _lock:
        if _active is not dispatcher:
            return
        _active = None
        if _original_send_request is not None:
            _endpoint_class._send_request = _original_send_request
            _original_send_request = None
            _endpoint_module.time = _original_time
            _original_time = None
        for emitter in list(_registered):
            emitter.unregister(_EVENT, _before_send, unique_id=_UNIQUE_ID)
        _registered.clear()


def is_active() -> bool:
    """True while some fake answers KMS requests in this process."""
    return _active is not None
