"""Shared benchmark harness: the emulator subprocess, CPU timing, statistics and the floors.

Every figure is *client-process* CPU (``time.process_time``: all threads of this process), so
the emulator runs in its own process (``python -m gpt54nano_emulator --port N``) and
its work never lands in the figures. Wall time is reported only where it is the point (256
concurrent requests).

The floors are what a path cannot go below:

- ``raw httpx``: one ``httpx.Client.post`` + ``response.json()`` (streams: ``iter_lines`` +
  ``json.loads`` per event);
- ``LangChain floor``: a bare ``BaseChatModel`` whose ``_generate``/``_stream`` do that one raw
  httpx call and build the minimal ``AIMessage``/``ChatGenerationChunk``;
- ``LlamaIndex floor``: a bare ``CustomLLM`` whose ``chat``/``stream_chat`` (with LlamaIndex's
  own ``llm_chat_callback`` instrumentation) do that one raw httpx call.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
MODEL = "openai/gpt-5.4-nano"
ACCOUNT_ID = "acct-bench"
# Distinctive, so a leak would be easy to grep for; the emulator only accepts this token.
API_TOKEN = "bench-token-0123456789"


# --- where the clients point ----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The emulator's addresses in the forms each client wants."""

    root_url: str
    account_id: str = ACCOUNT_ID
    api_token: str = API_TOKEN
    model: str = MODEL

    @property
    def base_url(self) -> str:  # GatewayConfig.base_url (rest form), ChatCloudflareWorkersAI
        return f"{self.root_url}/client/v4"

    @property
    def openai_base_url(self) -> str:  # ChatOpenAI / OpenAILike: ".../chat/completions" appended
        return f"{self.base_url}/accounts/{self.account_id}/ai/v1"

    @property
    def chat_url(self) -> str:
        return f"{self.openai_base_url}/chat/completions"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_token}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Runs the emulator with every chat answer held ``hold`` seconds (its "stall" fault, planned for
# every request): the command line has no option for a standing fault plan.
_HELD_EMULATOR = """
import sys, threading
from gpt54nano_emulator import Emulator, Fault
port, account, token, hold = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
emulator = Emulator(account_id=account, api_token=token, port=port).start()
emulator.plan_faults(Fault(kind="stall", seconds=hold), every=1)
print("ready", flush=True)
threading.Event().wait()
"""


class EmulatorProcess:
    """``python -m gpt54nano_emulator --port N`` in its own process.

    With ``hold`` (seconds), every chat answer is held that long before its first byte, so that
    concurrent requests are really in flight at once (as real model calls, seconds long, are)."""

    def __init__(
        self, *, port: int | None = None, extra_args: Sequence[str] = (), hold: float = 0.0
    ) -> None:
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.hold = hold
        self.proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self.target = Target(root_url=f"http://127.0.0.1:{self.port}")

    def start(self, timeout: float = 30.0) -> EmulatorProcess:
        cmd = [
            sys.executable,
            "-m",
            "gpt54nano_emulator",
            "--port",
            str(self.port),
            "--account-id",
            ACCOUNT_ID,
            "--api-token",
            API_TOKEN,
            "--log-level",
            "warning",
            # The CLI paces streams for people (30 tokens/s); the figures want them instant,
            # unless a caller asks for a pace (time to first token).
            *(() if "--tokens-per-second" in self.extra_args else ("--tokens-per-second", "0")),
            *self.extra_args,
        ]
        if self.hold:
            held = [str(self.port), ACCOUNT_ID, API_TOKEN, str(self.hold)]
            cmd = [sys.executable, "-c", _HELD_EMULATOR, *held]
        env = dict(os.environ, PYTHONPATH=str(REPO))
        # stderr to a file, not a pipe: an unread pipe would fill up and block the server.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the process)
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=self._stderr
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._stderr.seek(0)
                err = self._stderr.read().decode(errors="replace")
                raise RuntimeError(f"emulator exited with {self.proc.returncode}: {err[-2000:]}")
            try:
                httpx.get(f"{self.target.root_url}/__emulator/requests", timeout=1.0)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("emulator did not start in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- statistics ------------------------------------------------------------------------------


@dataclass
class Stat:
    """Repeated measurements of one figure (seconds, or whatever unit ``scale`` converts)."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def lo(self) -> float:
        return min(self.values)

    @property
    def hi(self) -> float:
        return max(self.values)

    def fmt(self, scale: float = 1e6, digits: int = 0) -> str:
        """``median (min–max)``, by default in µs."""
        if not self.values:
            return "n/a"
        f = f"{{:.{digits}f}}"
        med, lo, hi = (f.format(v * scale) for v in (self.median, self.lo, self.hi))
        return f"{med} ({lo}–{hi})"


# --- CPU timing --------------------------------------------------------------------------------


def cpu_sync(fn: Callable[[], Any], n: int, *, warmup: int = 3) -> float:
    """Client-process CPU seconds per call of ``fn`` (``n`` calls after ``warmup``)."""
    for _ in range(warmup):
        fn()
    gc.collect()
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n


async def cpu_async(fn: Callable[[], Awaitable[Any]], n: int, *, warmup: int = 3) -> float:
    """As :func:`cpu_sync`, awaiting ``fn()`` one call at a time."""
    for _ in range(warmup):
        await fn()
    gc.collect()
    start = time.process_time()
    for _ in range(n):
        await fn()
    return (time.process_time() - start) / n


async def burst(
    fn: Callable[[], Awaitable[Any]], concurrency: int, rounds: int
) -> tuple[float, float]:
    """``rounds`` bursts of ``concurrency`` simultaneous calls, after one warm-up burst.

    Returns (CPU seconds, wall seconds) per request."""
    await asyncio.gather(*(fn() for _ in range(concurrency)))
    gc.collect()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        await asyncio.gather(*(fn() for _ in range(concurrency)))
    total = concurrency * rounds
    return (time.process_time() - cpu0) / total, (time.perf_counter() - wall0) / total


def rss_bytes() -> int:
    """Resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def import_seconds(module: str, repeats: int) -> Stat:
    """Wall time of ``import module`` in a fresh interpreter (warm disk cache), repeated.

    ``module`` may also be a whole statement (``from package import Name``): a package that
    loads its names lazily costs little to import and pays on the first name it hands out."""
    statement = module if module.startswith(("from ", "import ")) else f"import {module}"
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    stat = Stat()
    env = _import_env()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        )
        stat.add(float(out.stdout.strip().splitlines()[-1]))
    return stat


def _import_env() -> dict[str, str]:
    # Byte-code caching on (into a scratch directory), as an installed wheel has: with
    # PYTHONDONTWRITEBYTECODE set, a checkout would recompile its sources on every import.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {
        "PYTHONPATH": str(REPO),
        "PYTHONPYCACHEPREFIX": os.path.join(tempfile.gettempdir(), "gpt54nano-bench-pycache"),
        "PYTHONHASHSEED": "0",  # the count is then the same from one run to the next
        "OPENBLAS_NUM_THREADS": "1",  # numpy's idle BLAS workers would be counted
    }


def import_instructions(statement: str) -> int:
    """Instructions (callgrind) of a fresh interpreter running ``statement``, byte-code cached:
    deterministic, where import wall times swing by a third on a shared machine. Subtract the
    count for ``pass`` to leave the interpreter's own start-up out."""
    env = _import_env()
    subprocess.run([sys.executable, "-c", statement], env=env, check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable]
        subprocess.run([*cmd, "-c", statement], env=env, check=True, capture_output=True)
        with open(out) as handle:
            for line in handle:
                if line.startswith("summary:"):
                    return int(line.split()[1])
    raise RuntimeError(f"callgrind wrote no summary for {statement!r}")


# --- the request every path sends ----------------------------------------------------------------


def user_prompt(chunks: int | None) -> str:
    """The user message; ``chunks`` asks the emulator's model for an answer of that many tokens.

    Kept in one place so every path sends the same thing; see ``long_answer_prompt``."""
    if chunks is None:
        return "Say hello in five words."
    return long_answer_prompt(chunks)


def long_answer_prompt(chunks: int) -> str:
    """The emulator's model answers ``Reply with "X"`` with exactly X, streamed one token per
    chunk; its tokenizer makes each ``" w"`` one token, so X is ``chunks`` words "w"."""
    return 'Reply with "' + " ".join(["w"] * chunks) + '"'


def body_for(target: Target, prompt: str, *, stream: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": target.model,
        "messages": [{"role": "user", "content": prompt}],
    }
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


# --- raw httpx floor ---------------------------------------------------------------------------


def iter_sse_json(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if line.startswith("data: "):
            data = line[6:]
            if data == "[DONE]":
                return
            yield json.loads(data)


async def aiter_sse_json(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    async for line in lines:
        if line.startswith("data: "):
            data = line[6:]
            if data == "[DONE]":
                return
            yield json.loads(data)


class RawHttpx:
    """The floor: one httpx call, JSON in and out, nothing else."""

    def __init__(self, target: Target, client: httpx.Client | None = None) -> None:
        self.target = target
        self.client = client or httpx.Client(timeout=60.0)
        self._aclient: httpx.AsyncClient | None = None

    def aclient(self) -> httpx.AsyncClient:
        # Created lazily, inside the event loop that uses it.
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(timeout=60.0)
        return self._aclient

    def create(self, prompt: str) -> str:
        resp = self.client.post(
            self.target.chat_url,
            json=body_for(self.target, prompt),
            headers=self.target.headers,
        )
        resp.raise_for_status()
        return str(resp.json()["choices"][0]["message"]["content"])

    async def acreate(self, prompt: str) -> str:
        resp = await self.aclient().post(
            self.target.chat_url,
            json=body_for(self.target, prompt),
            headers=self.target.headers,
        )
        resp.raise_for_status()
        return str(resp.json()["choices"][0]["message"]["content"])

    def stream(self, prompt: str) -> int:
        n = 0
        with self.client.stream(
            "POST",
            self.target.chat_url,
            json=body_for(self.target, prompt, stream=True),
            headers=self.target.headers,
        ) as resp:
            resp.raise_for_status()
            for chunk in iter_sse_json(resp.iter_lines()):
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                    n += 1
        return n

    def first(self, prompt: str) -> float:
        """Seconds from the call to the first content chunk (the stream is then dropped)."""
        start = time.perf_counter()
        with self.client.stream(
            "POST",
            self.target.chat_url,
            json=body_for(self.target, prompt, stream=True),
            headers=self.target.headers,
        ) as resp:
            resp.raise_for_status()
            for chunk in iter_sse_json(resp.iter_lines()):
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                    return time.perf_counter() - start
        raise RuntimeError("no content chunk")

    async def astream(self, prompt: str) -> int:
        n = 0
        async with self.aclient().stream(
            "POST",
            self.target.chat_url,
            json=body_for(self.target, prompt, stream=True),
            headers=self.target.headers,
        ) as resp:
            resp.raise_for_status()
            async for chunk in aiter_sse_json(resp.aiter_lines()):
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                    n += 1
        return n

    def close(self) -> None:
        self.client.close()

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None


# --- LangChain floor -----------------------------------------------------------------------------


def _lc_role(message: Any) -> str:
    return {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}.get(
        message.type, "user"
    )


def make_langchain_floor(target: Target) -> Any:
    """A bare ``BaseChatModel`` doing one raw httpx call per generation."""
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
    from pydantic import ConfigDict, PrivateAttr

    def body(messages: list[Any], stream: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": target.model,
            "messages": [{"role": _lc_role(m), "content": m.content} for m in messages],
        }
        if stream:
            out["stream"] = True
            out["stream_options"] = {"include_usage": True}
        return out

    def result(data: dict[str, Any]) -> ChatResult:
        choice = data["choices"][0]
        usage = data.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
            response_metadata={"finish_reason": choice.get("finish_reason")},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def gen_chunk(data: dict[str, Any]) -> ChatGenerationChunk | None:
        if data.get("choices"):
            text = data["choices"][0]["delta"].get("content") or ""
            return ChatGenerationChunk(message=AIMessageChunk(content=text))
        usage = data.get("usage")
        if usage:
            return ChatGenerationChunk(
                message=AIMessageChunk(
                    content="",
                    usage_metadata={
                        "input_tokens": usage.get("prompt_tokens", 0),
                        "output_tokens": usage.get("completion_tokens", 0),
                        "total_tokens": usage.get("total_tokens", 0),
                    },
                )
            )
        return None

    class LangChainFloor(BaseChatModel):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        _client: httpx.Client = PrivateAttr(default_factory=lambda: httpx.Client(timeout=60.0))
        _aclient: httpx.AsyncClient | None = PrivateAttr(default=None)

        @property
        def _llm_type(self) -> str:
            return "langchain-floor"

        def _get_aclient(self) -> httpx.AsyncClient:
            if self._aclient is None:
                self._aclient = httpx.AsyncClient(timeout=60.0)
            return self._aclient

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
            resp = self._client.post(
                target.chat_url, json=body(messages, False), headers=target.headers
            )
            resp.raise_for_status()
            return result(resp.json())

        async def _agenerate(  # type: ignore[no-untyped-def]
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ):
            resp = await self._get_aclient().post(
                target.chat_url, json=body(messages, False), headers=target.headers
            )
            resp.raise_for_status()
            return result(resp.json())

        def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
            with self._client.stream(
                "POST", target.chat_url, json=body(messages, True), headers=target.headers
            ) as resp:
                resp.raise_for_status()
                for data in iter_sse_json(resp.iter_lines()):
                    chunk = gen_chunk(data)
                    if chunk is None:
                        continue
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk

        async def _astream(  # type: ignore[no-untyped-def]
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ):
            async with self._get_aclient().stream(
                "POST", target.chat_url, json=body(messages, True), headers=target.headers
            ) as resp:
                resp.raise_for_status()
                async for data in aiter_sse_json(resp.aiter_lines()):
                    chunk = gen_chunk(data)
                    if chunk is None:
                        continue
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk

    return LangChainFloor()


# --- LlamaIndex floor ----------------------------------------------------------------------------


def make_llama_index_floor(target: Target) -> Any:
    """A bare ``CustomLLM`` whose instrumented ``chat``/``stream_chat`` do one raw httpx call."""
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        CompletionResponse,
        LLMMetadata,
    )
    from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
    from llama_index.core.llms.custom import CustomLLM
    from pydantic import PrivateAttr

    def body(messages: Sequence[Any], stream: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": target.model,
            "messages": [{"role": str(m.role.value), "content": m.content} for m in messages],
        }
        if stream:
            out["stream"] = True
            out["stream_options"] = {"include_usage": True}
        return out

    def response(data: dict[str, Any]) -> ChatResponse:
        choice = data["choices"][0]
        return ChatResponse(
            message=ChatMessage(role="assistant", content=choice["message"].get("content") or ""),
            raw=data,
        )

    class LlamaIndexFloor(CustomLLM):
        _client: httpx.Client = PrivateAttr(default_factory=lambda: httpx.Client(timeout=60.0))
        _aclient: httpx.AsyncClient | None = PrivateAttr(default=None)

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(is_chat_model=True, model_name=target.model)

        def _get_aclient(self) -> httpx.AsyncClient:
            if self._aclient is None:
                self._aclient = httpx.AsyncClient(timeout=60.0)
            return self._aclient

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kw: Any) -> CompletionResponse:
            raise NotImplementedError

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kw: Any) -> Any:
            raise NotImplementedError

        @llm_chat_callback()
        def chat(self, messages: Sequence[ChatMessage], **kw: Any) -> ChatResponse:
            resp = self._client.post(
                target.chat_url, json=body(messages, False), headers=target.headers
            )
            resp.raise_for_status()
            return response(resp.json())

        @llm_chat_callback()
        async def achat(self, messages: Sequence[ChatMessage], **kw: Any) -> ChatResponse:
            resp = await self._get_aclient().post(
                target.chat_url, json=body(messages, False), headers=target.headers
            )
            resp.raise_for_status()
            return response(resp.json())

        @llm_chat_callback()
        def stream_chat(self, messages: Sequence[ChatMessage], **kw: Any) -> Any:
            def gen() -> Iterator[ChatResponse]:
                text = ""
                with self._client.stream(
                    "POST", target.chat_url, json=body(messages, True), headers=target.headers
                ) as resp:
                    resp.raise_for_status()
                    for data in iter_sse_json(resp.iter_lines()):
                        if not data.get("choices"):
                            continue
                        delta = data["choices"][0]["delta"].get("content") or ""
                        text += delta
                        yield ChatResponse(
                            message=ChatMessage(role="assistant", content=text),
                            delta=delta,
                            raw=data,
                        )

            return gen()

        @llm_chat_callback()
        async def astream_chat(self, messages: Sequence[ChatMessage], **kw: Any) -> Any:
            async def gen() -> AsyncIterator[ChatResponse]:
                text = ""
                async with self._get_aclient().stream(
                    "POST", target.chat_url, json=body(messages, True), headers=target.headers
                ) as resp:
                    resp.raise_for_status()
                    async for data in aiter_sse_json(resp.aiter_lines()):
                        if not data.get("choices"):
                            continue
                        delta = data["choices"][0]["delta"].get("content") or ""
                        text += delta
                        yield ChatResponse(
                            message=ChatMessage(role="assistant", content=text),
                            delta=delta,
                            raw=data,
                        )

            return gen()

    return LlamaIndexFloor()
