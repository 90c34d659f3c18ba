"""``gpt54nano-emulator --port 8787``: serve the emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


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
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import uvicorn

        from .server._app import EmulatorState, build_app
        from .server._server import bind_socket, make_config
    except ImportError as exc:  # the "emulator" extra is not installed
        print(f"gpt54nano-emulator needs the 'emulator' extra: {exc}", file=sys.stderr)
        return 2
    gateways = tuple(args.gateways or ("default",))
    state = EmulatorState(args.account_id, args.api_token, gateways)
    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    config = make_config(build_app(state), host=args.host, port=port, log_level=args.log_level)
    root = f"http://{args.host}:{port}"
    print(
        f"gpt54nano emulator listening on {root}\n"
        f"  base_url (rest):    {root}/client/v4\n"
        f"  base_url (gateway): {root}/v1\n"
        f"  account_id: {args.account_id}   gateways: {', '.join(gateways)}",
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
