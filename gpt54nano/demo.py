"""What ``gpt54nano chat`` and ``gpt54nano demo`` run: the session set-up and the transcript.

The session talks to Cloudflare (or to the emulator ``CLOUDFLARE_BASE_URL`` names) when any
connection variable is set, and to the embedded emulator only when none is. On the emulator every
model turn of the demo is scripted (``Session.script``), so the transcript is the same on every
run; on Cloudflare the scripts are no-ops and the real model answers.

Nothing here imports LangChain or LlamaIndex: the framework parts live in ``demo_langchain`` and
``demo_llama_index``, which the CLI imports only when the demo runs, so that ``gpt54nano chat``
works with the transport alone.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from gpt54nano_gateway import (
    ChatRequest,
    ConfigurationError,
    GatewayClient,
    GatewayConfig,
    GatewayMeta,
    GatewayOptions,
    Usage,
)

__all__ = [
    "CONNECTION_VARS",
    "CallFacts",
    "Session",
    "Transcript",
    "open_session",
    "run_cache_step",
    "run_chat",
    "wants_cloudflare",
]


class Transcript:
    """Writes the readable terminal transcript: section titles, streamed text, per-call facts."""

    def __init__(self, out: TextIO | None = None, *, color: bool | None = None) -> None:
        self.out = out if out is not None else sys.stdout
        if color is None:
            # Colour only on a terminal, and never when NO_COLOR asks us not to.
            color = self.out.isatty() and "NO_COLOR" not in os.environ
        self._color = color
        self._midline = False

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self._color else text

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def end_line(self) -> None:
        """Ends a line of streamed text, if one is open (before an error message, say)."""
        if self._midline:
            self._write("\n")
            self._midline = False

    def section(self, title: str) -> None:
        self.end_line()
        self._write("\n" + self._paint(f"== {title}", "1;36") + "\n")

    def line(self, text: str = "") -> None:
        self.end_line()
        self._write(text + "\n")

    def note(self, text: str) -> None:
        self.end_line()
        self._write(self._paint(text, "2") + "\n")

    def prompt(self, label: str, text: str) -> None:
        self.end_line()
        self._write(self._paint(f"{label}> ", "1") + text + "\n")

    def stream(self, token: str) -> None:
        """Writes one streamed token as it arrives (flushed, no newline)."""
        if not token:
            return
        self._write(token)
        self._midline = not token.endswith("\n")

    def event(self, kind: str, text: str) -> None:
        self.end_line()
        self._write("  " + self._paint(f"[{kind}]", "33") + f" {text}\n")

    def call(self, facts: CallFacts) -> None:
        """One line per model call: tokens, gateway log id, cache status."""
        self.end_line()
        self._write("  " + self._paint(facts.describe(), "2") + "\n")


@dataclass(frozen=True)
class CallFacts:
    """What the transcript shows about one model call, whichever layer made it."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    log_id: str | None = None
    cache_status: str | None = None

    @classmethod
    def from_transport(cls, usage: Usage | None, meta: GatewayMeta | None) -> CallFacts:
        return cls(
            input_tokens=usage.prompt_tokens if usage else None,
            output_tokens=usage.completion_tokens if usage else None,
            log_id=meta.log_id if meta else None,
            cache_status=meta.cache_status if meta else None,
        )

    def describe(self) -> str:
        tokens = (
            f"{self.input_tokens} in / {self.output_tokens} out"
            if self.input_tokens is not None
            else "-"
        )
        # Cloudflare sends no cache status when caching is not in play for the request.
        cache = self.cache_status or "-"
        return f"call: tokens {tokens} | log id {self.log_id or '-'} | cache {cache}"


@dataclass
class Session:
    """Where the demo's calls go: a config for Cloudflare or for the embedded emulator."""

    config: GatewayConfig
    emulator: Any | None = None  # gpt54nano_emulator.Emulator when running locally

    def script(self, *replies: Mapping[str, Any]) -> None:
        """Queues the emulator's next model turns (``Reply`` keyword arguments); a no-op on
        Cloudflare, where the real model answers."""
        if self.emulator is None:
            return
        from gpt54nano_emulator import Reply

        for reply in replies:
            self.emulator.queue_reply(Reply(**reply))


# Any of these set means the user meant Cloudflare (or their own emulator): never fall back then.
CONNECTION_VARS = (
    "CLOUDFLARE_ACCOUNT_ID",
    "CF_ACCOUNT_ID",
    "CLOUDFLARE_API_TOKEN",
    "CF_AI_API_TOKEN",
    "CLOUDFLARE_BASE_URL",
)


def wants_cloudflare(environ: Mapping[str, str] | None = None) -> bool:
    """True when any connection variable is set (even to a wrong value): then the CLI uses it
    or fails with the real error, and never answers from the embedded emulator by surprise."""
    env = os.environ if environ is None else environ
    return any(env.get(name) for name in CONNECTION_VARS)


@contextmanager
def open_session(
    transcript: Transcript,
    *,
    force_emulator: bool = False,
    model: str | None = None,
    tokens_per_second: float = 30.0,
) -> Iterator[Session]:
    """Cloudflare (or the emulator ``CLOUDFLARE_BASE_URL`` names) when any connection variable is
    set, else the embedded emulator (one line says which, and why). A wrong setting raises its
    `ConfigurationError`: it is never a reason to fall back."""
    overrides = {"model": model} if model else {}
    if not force_emulator and wants_cloudflare():
        config = GatewayConfig.from_env(**overrides)
        transcript.note(f"Cloudflare: account {config.account_id}, model {config.model}")
        yield Session(config=config)
        return
    reason = "--emulator given" if force_emulator else "No Cloudflare variables set"
    try:
        from gpt54nano_emulator import Emulator
    except ImportError as exc:
        raise ConfigurationError(
            "the embedded emulator needs the 'emulator' extra: pip install 'gpt54nano[emulator]'"
        ) from exc
    with Emulator(tokens_per_second=tokens_per_second) as emu:
        transcript.note(
            f"{reason}: using the embedded emulator at {emu.root_url} "
            "(scripted answers, no network)"
        )
        config = GatewayConfig(
            account_id=emu.account_id, api_token=emu.api_token, base_url=emu.base_url, **overrides
        )
        yield Session(config=config, emulator=emu)


def run_chat(
    question: str,
    transcript: Transcript,
    *,
    force_emulator: bool = False,
    model: str | None = None,
    system: str | None = None,
    tokens_per_second: float = 30.0,
) -> None:
    """``gpt54nano chat``: one streamed answer through the transport alone."""
    with open_session(
        transcript, force_emulator=force_emulator, model=model, tokens_per_second=tokens_per_second
    ) as session:
        session.script({"content": _EMULATED_CHAT_ANSWER})
        messages = [{"role": "system", "content": system}] if system else []
        messages.append({"role": "user", "content": question})
        request = ChatRequest.model_validate({"messages": messages})
        with GatewayClient(session.config) as client, client.stream(request) as stream:
            for chunk in stream:
                for choice in chunk.choices:
                    transcript.stream(choice.delta.content or "")
            completion = stream.completion()
        transcript.call(CallFacts.from_transport(completion.usage, completion.meta))


def run_cache_step(session: Session, transcript: Transcript) -> None:
    """The same request twice with a cache TTL: the gateway answers MISS, then HIT."""
    transcript.section("Gateway cache: the same request twice (cf-aig-cache-ttl: 300)")
    session.script({"content": "Cloudflare's AI Gateway sits between your app and the model."})
    options = GatewayOptions(cache_ttl=300, metadata={"app": "gpt54nano-demo"})
    request = ChatRequest.model_validate(
        {"messages": [{"role": "user", "content": "In one sentence: what is AI Gateway?"}]}
    )
    with GatewayClient(session.config) as client:
        for attempt in ("first", "second"):
            completion = client.create(request, options=options)
            text = completion.choices[0].message.content if completion.choices else ""
            transcript.prompt(attempt, text or "")
            transcript.call(CallFacts.from_transport(completion.usage, completion.meta))


_EMULATED_CHAT_ANSWER = (
    "This answer comes from the local emulator, streamed token by token over real HTTP. "
    "Set CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN to ask openai/gpt-5.4-nano itself."
)
