#!/usr/bin/env python
"""N sequential non-streamed requests through one path, for ``valgrind --tool=callgrind``.

``python benchmarks/callgrind_requests.py PATH N``. The answer comes from an
``httpx.MockTransport`` (the emulator's JSON body for a short answer), so every run does the
same work and its instruction count is deterministic. ``run.py`` runs it for two sizes and
reports (I(large) − I(small)) / (large − small): the instructions of one more request, start-up,
imports and first-use model builds cancelled. Paths as in ``callgrind_chunks.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _harness import RawHttpx, Target, make_langchain_floor, make_llama_index_floor

PATHS = (
    "raw httpx",
    "transport",
    "LangChain floor",
    "ChatGPT54Nano",
    "LlamaIndex floor",
    "GPT54Nano",
)
PROMPT = "Say hello in five words."


def completion_body() -> bytes:
    """The emulator's shape of a non-streamed answer (id, usage, one choice)."""
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "openai/gpt-5.4-nano",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello there, how are you?"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
    }
    return json.dumps(body, separators=(",", ":")).encode()


def mock_client() -> httpx.Client:
    content = completion_body()

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "cf-aig-log-id": "log-1"}
        return httpx.Response(200, headers=headers, content=content)

    return httpx.Client(transport=httpx.MockTransport(handler))


def path_object(path: str, http: httpx.Client) -> Any:
    """The benchmark path ``path`` (an object with ``call`` and ``first``), its HTTP going to
    ``http``."""
    import run as bench  # the builders of the benchmark paths

    target = Target(root_url="http://127.0.0.1:9")  # never contacted: the mock answers
    if path == "raw httpx":
        raw = RawHttpx(target, client=http)

        class _Raw:
            call = staticmethod(raw.create)
            first = staticmethod(raw.first)

        return _Raw()
    if path in ("transport", "ChatGPT54Nano", "GPT54Nano"):
        import gpt54nano_gateway.client as client_module
        from gpt54nano_gateway import _pool

        # As in production: our paths' pooled client keeps no cookies (`_pool._NoCookies`).
        http = _pool._keep_no_cookies(http)
        client_module.sync_pool = lambda key=None: http  # type: ignore[assignment,misc]
    if path == "transport":
        return bench.TransportPath(target)
    if path == "ChatGPT54Nano":
        return bench.build_chat_gpt54nano(target)
    if path == "GPT54Nano":
        return bench.build_gpt54nano(target)
    if path == "LangChain floor":
        model = make_langchain_floor(target)
        model._client = http
        return bench.LangChainPath(model)
    if path == "LlamaIndex floor":
        llm = make_llama_index_floor(target)
        llm._client = http
        return bench.LlamaIndexPath(llm)
    raise SystemExit(f"unknown path {path!r}; one of {PATHS}")


def run(path: str, n: int, method: str = "call", http: httpx.Client | None = None) -> int:
    """``n`` sequential ``method(PROMPT)`` calls on the path (after one first-use call), its
    HTTP going to ``http`` (default: one JSON completion per request)."""
    call = getattr(path_object(path, http or mock_client()), method)
    call(PROMPT)  # first use: model builds, caches (cancelled by the difference anyway)
    for _ in range(n):
        call(PROMPT)
    return n


if __name__ == "__main__":
    print(run(sys.argv[1], int(sys.argv[2])))
