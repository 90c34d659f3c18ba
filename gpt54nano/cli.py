"""The ``gpt54nano`` command: ``gpt54nano demo`` and ``gpt54nano chat "question"``.

Both talk to Cloudflare (or to the emulator ``CLOUDFLARE_BASE_URL`` names) when any of
``CLOUDFLARE_ACCOUNT_ID``, ``CLOUDFLARE_API_TOKEN`` (or their ``CF_`` spellings) and
``CLOUDFLARE_BASE_URL`` is set, and to the embedded emulator only when none is: a wrong setting
is reported (exit 1), never silently replaced by the emulator. Exit status: 0 on success, 1 on
a gateway error (printed as one line naming the typed error), 2 on a usage error, 130 on Ctrl-C.

The frameworks are imported only when the demo runs, so ``gpt54nano chat`` never loads
LangChain or LlamaIndex.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from gpt54nano_gateway import ConfigurationError, GatewayError

from . import __version__
from .demo import Transcript, open_session, run_cache_step, run_chat

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gpt54nano",
        description="Cloudflare's openai/gpt-5.4-nano from Python, LangChain and LlamaIndex.",
        epilog="Talks to Cloudflare when CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN (and "
        "optionally CLOUDFLARE_BASE_URL) are set; the embedded emulator answers only when none "
        "of them is.",
    )
    parser.add_argument("--version", action="version", version=f"gpt54nano {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="LangChain chain, tools, structured output; LlamaIndex agent; gateway cache"
    )
    demo.add_argument(
        "--only",
        choices=("langchain", "llama-index", "gateway"),
        help="run one part of the demo only",
    )
    chat = commands.add_parser("chat", help="stream one answer (transport only)")
    chat.add_argument("question", help="what to ask")
    chat.add_argument("--system", help="a system message sent before the question")
    for sub in (demo, chat):
        sub.add_argument(
            "--emulator",
            action="store_true",
            help="use the embedded emulator even when Cloudflare credentials are set",
        )
        sub.add_argument("--model", help="model id (default openai/gpt-5.4-nano)")
        sub.add_argument(
            "--tokens-per-second",
            type=float,
            default=30.0,
            metavar="N",
            help="pace of the embedded emulator's streams (default 30; 0 = instant)",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "chat" and not args.question.strip():
        parser.error("the question is empty")
    if args.tokens_per_second < 0:
        parser.error("--tokens-per-second must be 0 or more")
    transcript = Transcript()
    try:
        if args.command == "chat":
            run_chat(
                args.question,
                transcript,
                force_emulator=args.emulator,
                model=args.model,
                system=args.system,
                tokens_per_second=args.tokens_per_second,
            )
        else:
            _run_demo(
                transcript,
                only=args.only,
                force_emulator=args.emulator,
                model=args.model,
                tokens_per_second=args.tokens_per_second,
            )
    except GatewayError as exc:
        transcript.end_line()
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except ValidationError as exc:  # a request the wire models refused before sending it
        transcript.end_line()
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        print(f"error: ValidationError: {where}: {first['msg']}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        transcript.end_line()
        print("interrupted", file=sys.stderr)
        return 130
    return 0


def _run_demo(
    transcript: Transcript,
    *,
    only: str | None,
    force_emulator: bool,
    model: str | None,
    tokens_per_second: float,
) -> None:
    try:
        # Imported here, not at the top: the frameworks are optional extras.
        from . import demo_langchain, demo_llama_index
    except ImportError as exc:
        raise ConfigurationError(
            f"the demo needs LangChain and LlamaIndex ({exc.name} is missing): "
            "pip install 'gpt54nano[all]'"
        ) from exc
    with open_session(
        transcript, force_emulator=force_emulator, model=model, tokens_per_second=tokens_per_second
    ) as session:
        if only in (None, "langchain"):
            demo_langchain.run(session, transcript)
        if only in (None, "llama-index"):
            demo_llama_index.run(session, transcript)
        if only in (None, "gateway"):
            run_cache_step(session, transcript)
    transcript.line("\ndemo finished")


def _one_line(exc: GatewayError) -> str:
    """``AuthenticationError: Unauthorized (HTTP 401, code 2009, log id ...)``: one line."""
    details = []
    if exc.status_code is not None:
        details.append(f"HTTP {exc.status_code}")
    if exc.code is not None:
        details.append(f"code {exc.code}")
    log_id = exc.meta.log_id if exc.meta is not None else None
    if log_id:
        details.append(f"log id {log_id}")
    suffix = f" ({', '.join(details)})" if details else ""
    message = " ".join(str(exc.message).split())
    return f"{type(exc).__name__}: {message}{suffix}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
