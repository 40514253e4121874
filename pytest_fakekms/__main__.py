"""``python -m pytest_fakekms serve``: the fake as a standalone KMS endpoint.

For test suites in other languages, or processes that outlive one pytest test::

    python -m pytest_fakekms serve --port 4599 --state kms-state.json

prints one line, ``pytest-fakekms serving KMS at http://127.0.0.1:4599``, then
answers until SIGINT or SIGTERM, when it stops cleanly (exit status 0). With
``--state FILE`` the state is loaded from FILE at start if it exists and saved
to it at stop (see :mod:`pytest_fakekms.persistence`). No in-process hook is
installed: this process only serves HTTP.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from pytest_fakekms.fake import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, FakeKMS
from pytest_fakekms.server import DEFAULT_HOST

BANNER = "pytest-fakekms serving KMS at {url}"


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``serve`` and its options."""
    parser = argparse.ArgumentParser(
        prog="python -m pytest_fakekms",
        description="pytest-fakekms: a faithful fake of AWS KMS.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the fake over HTTP until SIGINT/SIGTERM",
        description="Serve the fake over HTTP until SIGINT or SIGTERM.",
    )
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)"
    )
    serve.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default: 0)")
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than loopback (the fake checks no signatures)",
    )
    serve.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID, help="default: %(default)s")
    serve.add_argument("--region", default=DEFAULT_REGION, help="default: %(default)s")
    serve.add_argument("--caller", default=None, help="caller ARN (default: the fake's own)")
    serve.add_argument(
        "--strict-principals",
        action="store_true",
        help="reject unknown IAM users and roles in key policies",
    )
    serve.add_argument(
        "--state",
        metavar="FILE",
        default=None,
        help="load state from FILE at start (if it exists) and save it there at stop",
    )
    return parser


def standalone_fake(args: argparse.Namespace) -> FakeKMS:
    """The fake ``serve`` answers with. It records no calls: nothing can read them from
    outside the process, and a server left running would otherwise grow by about 1 KB
    a request (3 KB for an Encrypt of 1 KiB) for as long as it runs."""
    return FakeKMS(
        account_id=args.account_id,
        region=args.region,
        caller=args.caller,
        strict_principals=args.strict_principals,
        max_calls=0,
    )


def serve(args: argparse.Namespace) -> int:
    """Run the server until a signal asks it to stop."""
    from pytest_fakekms import persistence

    try:
        fake = standalone_fake(args)
        if args.state:
            persistence.load_file(args.state, fake)
        url = fake.serve(args.host, args.port, allow_remote=args.allow_remote)
    except (ValueError, OSError, KeyError, TypeError) as error:  # bad options or state file
        print(f"pytest-fakekms: {error}", file=sys.stderr)
        return 2
    stopping = _wait_for_signal()
    print(BANNER.format(url=url), flush=True)
    try:
        stopping.wait()
    finally:
        fake.stop_serving()
        if args.state:
            persistence.save_file(args.state, fake)
    return 0


def _wait_for_signal() -> threading.Event:
    """An event set by SIGINT or SIGTERM (instead of raising KeyboardInterrupt)."""
    stopping = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stopping


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m pytest_fakekms``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "serve":
        parser.print_help(sys.stderr)
        return 2
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
