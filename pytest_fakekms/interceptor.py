"""The only module that touches botocore's internals.

While a fake is active, ``botocore.endpoint.Endpoint._send_request`` is wrapped at
class level, so every client in the process is reached, including clients
created before the fake started. For a KMS endpoint the wrapper runs botocore's
own ``_send_request`` on a per-call copy of the endpoint whose event emitter
answers ``before-send.kms.*`` with the fake's response (an ``AWSResponse`` built
from real JSON 1.1 bytes) ahead of every other handler, so nothing reaches the
network and moto's ``before-send`` stub never sees KMS. Everything else in the
pipeline is botocore's: serializer, signer, retry handler, parser, modeled
exceptions. ``needs-retry.kms.*`` is answered by botocore's retry handler as
usual; the back-off it asks for is added to the virtual clock and recorded on
the next attempt of the same call (so of the same thread), and botocore sleeps 0
seconds instead. Other services' requests go through untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.endpoint import Endpoint
from botocore.hooks import first_non_none_response

from pytest_fakekms import model
from pytest_fakekms.dispatch import Dispatcher

_endpoint_class: Any = Endpoint  # patched at class level; typed Any (private attribute)
_lock = threading.Lock()
_active: Dispatcher | None = None
_original_send_request: Any = None


class _Body:
    """The raw body object ``AWSResponse`` reads through ``stream()``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


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
            return [(self.emit, self._answer(kwargs["request"]))]
        responses: list[tuple[Any, Any]] = self._inner.emit(event_name, **kwargs)
        if event_name[:12] == "needs-retry.":
            delay = first_non_none_response(responses)
            if delay is not None and delay is not False:
                self._backoff = float(delay)
                self._dispatcher.state.clock.advance(self._backoff)
                return [(self.emit, 0)]
        return responses

    def _answer(self, request: Any) -> AWSResponse:
        backoff, self._backoff = self._backoff, 0.0
        answer = self._dispatcher.handle(
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


def _send_request(self: Any, request_dict: Any, operation_model: Any) -> Any:
    # A view per call: keeping one per endpoint saved 0.5 µs a call in a loop and nothing
    # measurable in place, and would need per-thread back-off (issue #8, 2026-11-27).
    dispatcher = _active
    if dispatcher is None or self._endpoint_prefix != "kms":
        return _original_send_request(self, request_dict, operation_model)
    if not _model_offered:
        _offer_model(operation_model)
    view = object.__new__(type(self))
    view.__dict__.update(self.__dict__)
    view._event_emitter = _KMSEmitter(self._event_emitter, dispatcher)
    return _original_send_request(view, request_dict, operation_model)


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
    global _active, _original_send_request
    with _lock:
        if _active is not None:
            raise RuntimeError(
                "Another FakeKMS is already active in this process; two active fakes at once "
                "is not supported. Use the one fake_kms fixture, or exit the other fake first."
            )
        if _original_send_request is None:
            _original_send_request = _endpoint_class._send_request
            _endpoint_class._send_request = _send_request
        _active = dispatcher


def uninstall(dispatcher: Dispatcher) -> None:
    """Stop answering; restores botocore's own ``_send_request``. Safe to call twice."""
    global _active, _original_send_request
    with _lock:
        if _active is not dispatcher:
            return
        _active = None
        if _original_send_request is not None:
            _endpoint_class._send_request = _original_send_request
            _original_send_request = None


def is_active() -> bool:
    """True while some fake answers KMS requests in this process."""
    return _active is not None
