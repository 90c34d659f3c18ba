"""``gpt54nano-emulator --port 8787``: serve the emulator in the foreground until Ctrl-C.

It prints the token and the ``export`` lines that point ``gpt54nano``, the adapters and the
notebooks at it, logs one line per request (method, path, status, milliseconds) at info level,
and paces streams at ``--tokens-per-second`` (default 30; 0 = instant) so a person sees tokens
arrive.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

_log = logging.getLogger("gpt54nano_emulator")

_Message = MutableMapping[str, Any]
_ASGI = Callable[
    [_Message, Callable[[], Awaitable[_Message]], Callable[[_Message], Awaitable[None]]],
    Awaitable[None],
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gpt54nano-emulator",
        description="Local emulator of Cloudflare's API for openai/gpt-5.4-nano.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 = any)")
    parser.add_argument("--account-id", default="acct-emulator")
    parser.add_argument("--api-token", default="emulator-token", help="the token clients must send")
    parser.add_argument(
        "--gateway", action="append", dest="gateways", help="a known gateway id (repeatable)"
    )
    parser.add_argument(
        "--tokens-per-second",
        type=float,
        default=30.0,
        metavar="N",
        help="pace of streamed chunks (default 30; 0 = instant)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    return parser


def log_requests(app: _ASGI) -> _ASGI:
    """Wraps an ASGI app: one info line per HTTP request, ``POST /path -> 200 (12 ms)``, written
    when the response starts (a stream's time is its time to first byte)."""

    async def logged(scope: _Message, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_logged(message: _Message) -> None:
            if message.get("type") == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                _log.info(
                    "%s %s -> %s (%.0f ms)", scope["method"], scope["path"], message["status"], ms
                )
            await send(message)

        await app(scope, receive, send_logged)

    return logged


def banner(root: str, account_id: str, api_token: str, gateways: Sequence[str]) -> str:
    """What the command prints first: where it listens and the lines to paste in a shell."""
    return (
        f"gpt54nano emulator listening on {root}\n"
        f"  account_id: {account_id}   token: {api_token}   gateways: {', '.join(gateways)}\n"
        f"  base_url (rest):    {root}/client/v4\n"
        f"  base_url (gateway): {root}/v1\n"
        "Point gpt54nano, the adapters and the notebooks at it (paste in another shell):\n"
        f"  export CLOUDFLARE_ACCOUNT_ID={account_id}\n"
        f"  export CLOUDFLARE_API_TOKEN={api_token}\n"
        f"  export CLOUDFLARE_BASE_URL={root}/client/v4\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.tokens_per_second < 0:
        parser.error("--tokens-per-second must be 0 or more")
    try:
        import uvicorn

        from .server._app import EmulatorState, build_app
        from .server._server import bind_socket, make_config
    except ImportError as exc:  # the "emulator" extra is not installed
        print(f"gpt54nano-emulator needs the 'emulator' extra: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(message)s", stream=sys.stderr
    )
    gateways = tuple(args.gateways or ("default",))
    pace = 1.0 / args.tokens_per_second if args.tokens_per_second else 0.0
    state = EmulatorState(args.account_id, args.api_token, gateways, stream_pace=pace)
    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    app = log_requests(build_app(state))
    config = make_config(app, host=args.host, port=port, log_level=args.log_level)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(
        banner(f"http://{host}:{port}", args.account_id, args.api_token, gateways),
        file=sys.stderr,
        flush=True,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled, after shutting down
        pass
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
