"""Client CPU per chat and per stream chunk: GPT54Nano vs a LlamaIndex floor vs OpenAILike.

Run: ``python benchmarks/bench_llama_index.py [--repeats 7] [--calls 40] [--streams 6]``.

The emulator runs in another process (``python -m gpt54nano_emulator``), so
``time.process_time`` counts only the client side: LlamaIndex, the adapter, the transport,
httpx and JSON. Three clients, same questions, same emulator:

* ``floor``: the least a LlamaIndex LLM can do, a bare ``FunctionCallingLLM`` whose ``chat``
  is one ``httpx.Client.post`` + ``response.json()`` and whose ``stream_chat`` reads SSE lines
  and yields cumulative ``ChatResponse``s, under the same callback decorators;
* ``GPT54Nano``: this project's adapter;
* ``OpenAILike``: ``llama-index-llms-openai-like`` (openai SDK) on the emulator's REST route.

Per request: CPU of one non-streamed chat. Per chunk: the marginal CPU of one more streamed
chunk, ``(cpu(long stream) - cpu(short stream)) / (chunks(long) - chunks(short))``, so the
fixed cost of a request does not inflate it. Each figure is the median over ``--repeats``; the
clients take turns within each repeat, and the ratios are the medians of the per-repeat ratios
(paired), which keeps the load of a shared machine from tilting the comparison.
Targets: GPT54Nano <= 1.10x floor per request and <= 1.20x floor per chunk.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import httpx
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    LLMMetadata,
)
from llama_index.core.llms.callbacks import llm_chat_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from pydantic import PrivateAttr

from gpt54nano_gateway import StreamAccumulator
from gpt54nano_gateway.meta import GatewayMeta
from gpt54nano_gateway.wire import ChatCompletion, ChatCompletionChunk
from llama_index_gpt54nano import GPT54Nano
from llama_index_gpt54nano._convert import from_wire_completion
from llama_index_gpt54nano._stream import ChatResponseAssembler

ACCOUNT, TOKEN = "acct-bench", "bench-token"
SHORT = [ChatMessage(role="user", content='Reply with "ok"')]
LONG_TEXT = " ".join(f"word{i % 50}" for i in range(400))
LONG = [ChatMessage(role="user", content=f'Reply with "{LONG_TEXT}"')]


class FloorLLM(FunctionCallingLLM):
    """One raw httpx call + JSON parse per chat; SSE lines + JSON per chunk. Nothing else."""

    url: str
    token: str
    _http: httpx.Client = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        self._http = httpx.Client(timeout=60)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(is_chat_model=True, is_function_calling_model=True)

    @staticmethod
    def _body(messages: Sequence[ChatMessage], stream: bool) -> dict[str, Any]:
        wire = [{"role": m.role.value, "content": m.content} for m in messages]
        return {"model": "openai/gpt-5.4-nano", "messages": wire, "stream": stream}

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        headers = {"Authorization": f"Bearer {self.token}"}
        data = self._http.post(self.url, json=self._body(messages, False), headers=headers).json()
        text = data["choices"][0]["message"]["content"]
        return ChatResponse(message=ChatMessage(role="assistant", content=text), raw=data)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        headers = {"Authorization": f"Bearer {self.token}"}
        body = self._body(messages, True)

        def gen() -> ChatResponseGen:
            text = ""
            with self._http.stream("POST", self.url, json=body, headers=headers) as response:
                for line in response.iter_lines():
                    if not line.startswith("data: ") or line == "data: [DONE]":
                        continue
                    chunk = json.loads(line[6:])
                    choices = chunk.get("choices") or [{}]
                    delta = (choices[0].get("delta") or {}).get("content") or ""
                    text += delta
                    yield ChatResponse(
                        message=ChatMessage(role="assistant", content=text), delta=delta, raw=chunk
                    )

        return gen()

    def complete(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    stream_complete = acomplete = astream_complete = achat = astream_chat = complete

    def _prepare_chat_with_tools(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError


class TransportOnly:
    """No LlamaIndex at all: ``GatewayClient.create`` / ``.stream`` with prebuilt requests, and
    the same with bare httpx, to show which layer a difference comes from."""

    def __init__(self, url: str, llm: GPT54Nano, raw: bool) -> None:
        self._client = llm._get_client()
        self._http = httpx.Client(timeout=60)
        self._url, self._raw = url, raw
        self._requests = {id(m): llm._build_request(m, {})[0] for m in (SHORT, LONG)}
        self._bodies = {id(m): FloorLLM._body(m, False) for m in (SHORT, LONG)}

    def chat(self, messages: list[ChatMessage]) -> Any:
        if self._raw:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            return self._http.post(
                self._url, json=self._bodies[id(messages)], headers=headers
            ).json()
        return self._client.create(self._requests[id(messages)])

    def stream_chat(self, messages: list[ChatMessage]) -> Any:
        if self._raw:
            body = {**self._bodies[id(messages)], "stream": True}
            headers = {"Authorization": f"Bearer {TOKEN}"}
            with self._http.stream("POST", self._url, json=body, headers=headers) as response:
                for line in response.iter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        chunk = json.loads(line[6:])
                        delta = ((chunk.get("choices") or [{}])[0].get("delta") or {}).get(
                            "content"
                        )
                        yield SimpleNamespace(delta=delta)
            return
        with self._client.stream(self._requests[id(messages)]) as stream:
            for chunk in stream:
                choice = chunk.choices[0] if chunk.choices else None
                yield SimpleNamespace(delta=choice.delta.content if choice else None)


def adapter_only(llm: GPT54Nano, repeats: int) -> tuple[float, float]:
    """CPU of GPT54Nano's own layer, no I/O: request building + response conversion per chat,
    and stream assembly per chunk (the transport's accumulator included)."""
    completion = ChatCompletion.model_validate(
        {
            "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
        }
    )
    completion.meta = GatewayMeta(log_id="log", ray_id="ray", status_code=200)
    chunk = ChatCompletionChunk.model_validate(
        {"choices": [{"index": 0, "delta": {"content": " word"}}]}
    )

    def chat() -> None:
        llm._build_request(SHORT, {})
        from_wire_completion(completion)

    def chunks() -> None:
        accumulator, assembler = StreamAccumulator(), ChatResponseAssembler(completion.meta)
        for _ in range(400):
            accumulator.feed(chunk)
            assembler.feed(chunk, accumulator)

    per_chat = statistics.median(cpu(chat, 500) for _ in range(repeats))
    per_chunk = statistics.median(cpu(chunks, 5) for _ in range(repeats)) / 400
    return per_chat, per_chunk


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gpt54nano_emulator", "--port", "0",
         "--account-id", ACCOUNT, "--api-token", TOKEN, "--log-level", "warning",
         "--tokens-per-second", "0"],  # the CLI paces streams by default
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stderr is not None
    line = process.stderr.readline()
    root = line.rsplit(" ", 1)[-1].strip()
    if not root.startswith("http://"):
        process.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    return process, root


def cpu(fn: Callable[[], Any], times: int) -> float:
    start = time.process_time()
    for _ in range(times):
        fn()
    return (time.process_time() - start) / times


def stream_len(llm: Any, messages: list[ChatMessage]) -> int:
    return sum(1 for r in llm.stream_chat(messages) if r.delta)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--calls", type=int, default=25, help="chats per repeat")
    parser.add_argument("--streams", type=int, default=4, help="streams per repeat")
    args = parser.parse_args()

    from llama_index.llms.openai_like import OpenAILike

    process, root = start_emulator()
    try:
        rest = f"{root}/client/v4"
        clients: dict[str, Any] = {
            "floor": FloorLLM(url=f"{rest}/accounts/{ACCOUNT}/ai/v1/chat/completions", token=TOKEN),
            "GPT54Nano": GPT54Nano(account_id=ACCOUNT, api_key=TOKEN, base_url=rest),
            "OpenAILike": OpenAILike(
                model="openai/gpt-5.4-nano",
                api_base=f"{rest}/accounts/{ACCOUNT}/ai/v1",
                api_key=TOKEN,
                is_chat_model=True,
                is_function_calling_model=True,
                context_window=128_000,
                temperature=1.0,  # its default 0.1 is refused by GPT-5 (and by the emulator)
                max_retries=0,
            ),
        }
        url = f"{rest}/accounts/{ACCOUNT}/ai/v1/chat/completions"
        clients["GatewayClient"] = TransportOnly(url, clients["GPT54Nano"], raw=False)
        clients["bare httpx"] = TransportOnly(url, clients["GPT54Nano"], raw=True)
        short_chunks = stream_len(clients["floor"], SHORT)
        long_chunks = stream_len(clients["floor"], LONG)
        for name, llm in clients.items():  # warm-up: pools, imports, caches
            for _ in range(3):
                llm.chat(SHORT)
                assert stream_len(llm, LONG) == long_chunks, name

        per_request: dict[str, list[float]] = {name: [] for name in clients}
        per_chunk: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(args.repeats):
            for name, llm in clients.items():  # interleaved, so drift hits all three alike
                per_request[name].append(cpu(lambda llm=llm: llm.chat(SHORT), args.calls))
                long = cpu(lambda llm=llm: list(llm.stream_chat(LONG)), args.streams)
                short = cpu(lambda llm=llm: list(llm.stream_chat(SHORT)), args.streams)
                per_chunk[name].append((long - short) / (long_chunks - short_chunks))
    finally:
        process.terminate()
        process.wait(timeout=10)

    def paired(values: dict[str, list[float]], name: str) -> float:
        return statistics.median(a / b for a, b in zip(values[name], values["floor"], strict=True))

    print(
        f"LlamaIndex client CPU (time.process_time, median of {args.repeats} repeats; "
        f"{args.calls} chats, {args.streams} streams of {long_chunks} vs {short_chunks} chunks)"
    )
    print(f"{'client':<14} {'per chat µs':>12} {'× floor':>8} {'per chunk µs':>13} {'× floor':>8}")
    for name in clients:
        request = statistics.median(per_request[name])
        chunk = statistics.median(per_chunk[name])
        print(
            f"{name:<14} {request * 1e6:>12.0f} {paired(per_request, name):>8.2f} "
            f"{chunk * 1e6:>13.1f} {paired(per_chunk, name):>8.2f}"
        )
    adapter_chat, adapter_chunk = adapter_only(clients["GPT54Nano"], args.repeats)
    print(
        "(GatewayClient and bare httpx: no LlamaIndex, no callbacks; they locate the gap.)\n"
        f"GPT54Nano's own layer without I/O: {adapter_chat * 1e6:.1f} µs per chat "
        f"(request building + response conversion), {adapter_chunk * 1e6:.1f} µs per chunk "
        "(accumulator + ChatResponse assembly)"
    )
    ratio_request = paired(per_request, "GPT54Nano")
    ratio_chunk = paired(per_chunk, "GPT54Nano")
    ok = ratio_request <= 1.10 and ratio_chunk <= 1.20
    print(
        f"targets: per chat <= 1.10x ({ratio_request:.2f}x), per chunk <= 1.20x "
        f"({ratio_chunk:.2f}x): {'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
