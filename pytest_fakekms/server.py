"""The HTTP front door: the same fake, served over HTTP for subprocesses and other SDKs.

:class:`FakeKMSServer` is a small threaded server (stdlib ``http.server``) that
hands every ``POST`` to :meth:`Dispatcher.handle(..., transport="http")
<pytest_fakekms.dispatch.Dispatcher.handle>`, the very path in-process requests
take, so a request gets the same status, headers and body bytes either way
(plus the HTTP-only headers below) and is recorded in ``fake.calls`` with
``transport == "http"``.

What the server adds around the dispatcher, all of it answered in KMS's JSON
error shape (``{"__type": code, "message": text}``), never with an HTML page, a
traceback or a dropped connection:

=========================================  ======  ==================================
request                                    status  ``__type``
=========================================  ======  ==================================
body over ``max_request_bytes`` (1 MiB)    413     ``RequestEntityTooLargeException``
method other than POST / OPTIONS           405     ``UnknownOperationException``
malformed HTTP (request line, version,     400,    ``BadRequestException``
Content-Length, chunked framing, headers)  431...
internal error in the fake (a bug)         500     ``KMSInternalException``
=========================================  ======  ==================================

A missing or unknown ``X-Amz-Target`` and a body that is not JSON reach the
dispatcher, which answers them exactly as in-process (``UnknownOperationException``,
``SerializationException``) and records them. Requests rejected by the HTTP layer
itself (the table above) never reach the dispatcher and are not recorded.

The request-size limit: the largest members of KMS requests are a key policy of
131,072 characters (up to ~768 KiB once JSON-escaped) and blobs of at most 6,144
bytes (8 KiB in base64), so 1 MiB admits every valid request and stops runaway
ones. Pass ``max_request_bytes`` to change it.

Other decisions: loopback only unless ``allow_remote=True``; HTTP/1.1 with
``Content-Length`` on every response, so clients keep connections alive; CORS
headers on every response and ``OPTIONS`` preflights answered 200, so a browser
SDK can talk to it; no signature checking (the access key id in the
``Authorization`` header still selects the caller, and the credential scope the
Region, as in-process). :meth:`FakeKMSServer.stop` closes idle keep-alive
connections and joins every thread.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.server
import ipaddress
import logging
import re
import selectors
import socket
import socketserver
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from pytest_fakekms import protocol
from pytest_fakekms.dispatch import Dispatcher
from pytest_fakekms.domain.identifiers import is_ascii_digits
from pytest_fakekms.errors import KMSError

__all__ = ["DEFAULT_HOST", "MAX_REQUEST_BYTES", "FakeKMSServer", "is_loopback"]

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
#: Default limit on a request body, in bytes (see the module docstring).
MAX_REQUEST_BYTES = 1024 * 1024
#: Bodies up to this many times the limit are read and discarded after a 413, so the
#: client sees the answer rather than a connection reset; larger ones close the connection.
_DRAIN_FACTOR = 16
#: Content-Length values longer than this are taken as "too large" without int().
_LENGTH_DIGITS = 18
#: A chunk size: hex digits only (at most 16: more than any body the server accepts).
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")

#: How long stop() waits for each connection thread to finish its request.
_JOIN_TIMEOUT = 10.0

CORS_ALLOW_HEADERS = (
    "authorization",
    "content-type",
    "x-amz-target",
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-security-token",
    "x-amz-user-agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
)
CORS_EXPOSE_HEADERS = ("x-amzn-RequestId",)
ALLOWED_METHODS = "POST, OPTIONS"


class _BadRequest(Exception):
    """The HTTP framing of a request is wrong; answered with ``status`` and closed."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def is_loopback(host: str) -> bool:
    """Whether ``host`` names the loopback interface (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


class _HTTPServer(http.server.ThreadingHTTPServer):
    """A threaded server that knows its dispatcher and its open connections."""

    daemon_threads = True  # a fake left serving never keeps the interpreter from exiting
    block_on_close = False  # we track and join the handler threads ourselves (join_handlers)
    timeout = 0  # handle_request() never waits: it runs only once a connection is ready

    def __init__(
        self,
        address: tuple[str, int],
        dispatcher: Dispatcher,
        max_request_bytes: int,
    ) -> None:
        if _is_ipv6(address[0]):
            self.address_family = socket.AF_INET6
        self.dispatcher = dispatcher
        self.max_request_bytes = max_request_bytes
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._handlers: list[threading.Thread] = []
        # stop_serving() ends the accept loop by writing to this pair: the loop never polls.
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stopped = threading.Event()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without http.server's reverse DNS look-up of the host (slow in sandboxes)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def serve_until_stopped(self) -> None:
        """Accept connections until :meth:`stop_serving`, which wakes this loop at once.

        socketserver's ``serve_forever`` checks for ``shutdown()`` every poll interval:
        a stop waited up to that long (10 ms a test with the server fixture), and an idle
        server woke 100 times a second. Here the loop sleeps in ``select`` until a
        connection arrives or the wake-up socket is written.
        """
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while True:
                    ready = [key.fileobj for key, _ in selector.select()]
                    if self._wake_reader in ready:  # stop_serving() wrote: stop
                        return
                    self.handle_request()  # accepts at once: timeout is 0
        finally:
            self._stopped.set()

    def stop_serving(self) -> None:
        """End :meth:`serve_until_stopped` and wait until it has returned."""
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        """One daemon thread per connection, remembered so :meth:`join_handlers` can wait."""
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"pytest-fakekms-connection-{self.server_port}",
            daemon=True,
        )
        with self._connections_lock:
            self._handlers = [t for t in self._handlers if t.is_alive()]
            self._handlers.append(thread)
        thread.start()

    def join_handlers(self, timeout: float) -> None:
        """Wait for every connection thread (each at most ``timeout`` seconds)."""
        with self._connections_lock:
            handlers, self._handlers = self._handlers, []
        for thread in handlers:
            thread.join(timeout)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_idle_connections(self) -> None:
        """Shut the read side of every open connection, waking threads that wait for a request.

        A thread in the middle of a request still writes its response; then it reads
        end-of-file and closes.
        """
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RD)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log instead of printing a traceback to stderr (clients hanging up are normal)."""
        logger.debug("error while serving %s", client_address, exc_info=True)


class _Handler(http.server.BaseHTTPRequestHandler):
    """One connection: any number of keep-alive requests, each answered as KMS would."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stalls
    server_version = "pytest-fakekms"
    server: _HTTPServer

    # -- connection lifecycle ----------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)

    # -- methods -----------------------------------------------------------------------

    def do_POST(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as bad:
            self.close_connection = True
            self._send_error(bad.status, bad.code, bad.message)
            return
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away mid-body: nobody to answer
            return
        self._send_wire(self._dispatch(body))

    def do_OPTIONS(self) -> None:
        """A CORS preflight: 200, no body, the methods and headers a browser SDK sends."""
        requested = self.headers.get("Access-Control-Request-Headers", "")
        allowed = list(CORS_ALLOW_HEADERS)
        allowed += [h.strip().lower() for h in requested.split(",") if h.strip()]
        self.send_response(HTTPStatus.OK)
        self.send_header("Access-Control-Allow-Methods", ALLOWED_METHODS)
        self.send_header("Access-Control-Allow-Headers", ", ".join(dict.fromkeys(allowed)))
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def __getattr__(self, name: str) -> Callable[[], None]:
        """Every other method (GET, PUT, DELETE, BREW, ...) gets a KMS-style 405."""
        if name.startswith("do_"):
            return self._reject_method
        raise AttributeError(name)

    def _reject_method(self) -> None:
        self._drain_declared_body()
        self._send_error(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "UnknownOperationException",
            f"KMS requests are POST requests with an X-Amz-Target header; "
            f"pytest-fakekms does not answer {self.command} {self.path}.",
            extra={"Allow": ALLOWED_METHODS},
        )

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body before the client sends it."""
        try:
            length = self._content_length()
        except _BadRequest as bad:
            self.send_error(bad.status, bad.message)
            return False
        if self.command == "POST" and length > self.server.max_request_bytes:
            too_large = _too_large(length, self.server.max_request_bytes)
            self.close_connection = True
            self._send_error(too_large.status, too_large.code, too_large.message)
            return False
        return super().handle_expect_100()

    # -- reading -----------------------------------------------------------------------

    def _read_body(self) -> bytes:
        encoding = self.headers.get("Transfer-Encoding", "").strip().lower()
        if encoding:
            if encoding != "chunked":
                raise _BadRequest(
                    HTTPStatus.NOT_IMPLEMENTED,
                    "BadRequestException",
                    f"Unsupported Transfer-Encoding: {encoding}.",
                )
            return self._read_chunked()
        length = self._content_length()
        limit = self.server.max_request_bytes
        if length > limit:
            self._discard(length)
            raise _too_large(length, limit)
        body = self.rfile.read(length)
        if len(body) < length:
            raise ConnectionError("request body ended early")
        return body

    def _content_length(self) -> int:
        values = self.headers.get_all("Content-Length") or []
        if not values:
            return 0
        text = values[0].strip()
        if len(set(values)) > 1 or not is_ascii_digits(text):
            raise _BadRequest(
                HTTPStatus.BAD_REQUEST,
                "BadRequestException",
                f"Invalid Content-Length header: {', '.join(values)!r}.",
            )
        # More digits than any body could have (int() refuses over 4,300): too large.
        return int(text) if len(text) <= _LENGTH_DIGITS else 10**_LENGTH_DIGITS

    def _read_chunked(self) -> bytes:
        limit = self.server.max_request_bytes
        parts: list[bytes] = []
        total = 0
        while True:
            size = self._chunk_size()
            if size == 0:
                self._skip_trailers()
                return b"".join(parts)
            total += size
            if total > limit:
                raise _too_large(total, limit)
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise ConnectionError("chunk ended early")
            parts.append(chunk)
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _bad_chunking("a chunk is not followed by CRLF")

    def _chunk_size(self) -> int:
        line = self.rfile.readline(1026)
        if not line:
            raise ConnectionError("connection closed inside a chunked body")
        text = line.split(b";", 1)[0].strip()
        # Hex digits only: int(text, 16) would also take "-1" (read to the end of the
        # stream), "+5", "0x5" and "0_2".
        if _CHUNK_SIZE.fullmatch(text) is None:
            raise _bad_chunking(f"invalid chunk size {text[:32]!r}")
        return int(text, 16)

    def _skip_trailers(self) -> None:
        for _ in range(100):
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                return
        raise _bad_chunking("too many trailer lines")

    def _discard(self, length: int) -> None:
        """Read and drop a body we will not use, so the answer reaches the client."""
        if length > self.server.max_request_bytes * _DRAIN_FACTOR:
            return
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                return
            remaining -= len(chunk)

    def _drain_declared_body(self) -> None:
        try:
            length = self._content_length()
        except _BadRequest:
            self.close_connection = True
            return
        self._discard(length)
        if length > self.server.max_request_bytes * _DRAIN_FACTOR:
            self.close_connection = True

    # -- answering ---------------------------------------------------------------------

    def _dispatch(self, body: bytes) -> protocol.WireResponse:
        host = self.headers.get("Host") or f"{self.server.server_name}:{self.server.server_port}"
        url = f"http://{host}{self.path}"
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            return self.server.dispatcher.handle(url, headers, body, transport="http")
        except Exception as error:  # a bug in the fake: answer, log, keep serving
            logger.exception("pytest-fakekms failed to answer a request")
            return protocol.encode_error(
                KMSError(
                    "KMSInternalException",
                    f"pytest-fakekms failed to answer this request: "
                    f"{type(error).__name__}: {error}",
                )
            )

    def _send_error(
        self, status: int, code: str, message: str, *, extra: dict[str, str] | None = None
    ) -> None:
        wire = protocol.encode_error(KMSError(code, message, status=int(status)))
        self._send_wire(wire, extra=extra)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (malformed request line, headers) in KMS's JSON shape."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # a request line without a version: answer 1.1
            self.request_version = "HTTP/1.1"
        status = int(code)
        text = message or HTTPStatus(status).phrase
        if explain and explain != text:
            text = f"{text}: {explain}"
        self._send_error(status, "BadRequestException", text)

    def _send_wire(
        self, wire: protocol.WireResponse, *, extra: dict[str, str] | None = None
    ) -> None:
        self.log_request(wire.status)
        self.send_response_only(wire.status)
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        for name, value in wire.headers.items():
            self.send_header(name, value)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(wire.body)

    def end_headers(self) -> None:
        """Every response carries the CORS headers a browser needs to read it."""
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", ", ".join(CORS_EXPOSE_HEADERS))
        super().end_headers()

    def send_response(self, code: int, message: str | None = None) -> None:
        """Like http.server's, without the ``Server`` header (AWS sends none we mimic)."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", email.utils.formatdate(usegmt=True))


def _too_large(length: int, limit: int) -> _BadRequest:
    return _BadRequest(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "RequestEntityTooLargeException",
        f"The request body of {length} bytes exceeds pytest-fakekms's limit of {limit} bytes.",
    )


def _bad_chunking(reason: str) -> _BadRequest:
    return _BadRequest(
        HTTPStatus.BAD_REQUEST, "BadRequestException", f"Malformed chunked body: {reason}."
    )


class FakeKMSServer:
    """Serves one fake's :class:`Dispatcher` over HTTP on a background thread.

    ``port=0`` picks a free port; :attr:`endpoint_url` tells which. Binding to a
    host other than loopback raises ``ValueError`` unless ``allow_remote=True``.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        allow_remote: bool = False,
        max_request_bytes: int = MAX_REQUEST_BYTES,
    ) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(
                f"refusing to serve the fake KMS on {host!r}, which is not a loopback address; "
                "pass allow_remote=True (command line: --allow-remote) if you mean it"
            )
        if max_request_bytes < 1:
            raise ValueError("max_request_bytes must be positive")
        self._dispatcher = dispatcher
        self._host = host
        self._port = port
        self._max_request_bytes = max_request_bytes
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakeKMSServer:
        """Bind and start serving on a background thread; returns the server."""
        if self._httpd is not None:
            raise RuntimeError(f"the fake KMS server is already serving at {self.endpoint_url}")
        httpd = _HTTPServer((self._host, self._port), self._dispatcher, self._max_request_bytes)
        thread = threading.Thread(
            target=httpd.serve_until_stopped,
            name=f"pytest-fakekms-server-{httpd.server_address[1]}",
            daemon=True,
        )
        self._httpd, self._thread = httpd, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, finish requests in flight, close connections, join threads."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.stop_serving()
        httpd.close_idle_connections()
        httpd.server_close()
        httpd.join_handlers(_JOIN_TIMEOUT)
        if thread is not None:
            thread.join()

    @property
    def serving(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._httpd is not None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._require().server_address[1])

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``: what to give an SDK as its KMS endpoint."""
        host = self._host
        if host in ("0.0.0.0", ""):
            host = DEFAULT_HOST
        elif host == "::":
            host = "::1"
        if _is_ipv6(host):
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def _require(self) -> _HTTPServer:
        if self._httpd is None:
            raise RuntimeError("the fake KMS server is not serving; call start() first")
        return self._httpd

    def __enter__(self) -> FakeKMSServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint_url if self.serving else "stopped"
        return f"<FakeKMSServer {where}>"
