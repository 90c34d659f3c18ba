"""Replay recorded Chat Completions exchanges through the transport over loopback HTTP.

Every exchange in ``wire-corpus/openai-recorded/*.yaml`` whose URI ends in ``/chat/completions``
and every example of Cloudflare's catalog entry for gpt-5.4-nano is served, status, headers and
body as recorded, by a small stdlib HTTP server; the result of ``create`` / ``stream`` is
checked against what the recorded body says (text, tool calls, usage, error type).

The corpus is vendored under ``tests/data/wire-corpus`` (``tests.support.corpus``);
a missing corpus fails the run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gpt54nano_gateway import (
    AsyncGatewayClient,
    BadRequestError,
    ChatCompletion,
    ChatRequest,
    GatewayClient,
    GatewayConfig,
    ResponseParseError,
)
from tests.support.corpus import WIRE_CORPUS

yaml = pytest.importorskip("yaml")

CORPUS = WIRE_CORPUS

_DROPPED_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection"}


@dataclass
class Exchange:
    name: str
    status: int
    headers: dict[str, str]
    body: bytes
    streaming: bool
    expected: dict[str, Any] = field(default_factory=dict)


def _expected_from_completion(body: dict[str, Any]) -> dict[str, Any]:
    message = body["choices"][0]["message"]
    return {
        "content": message.get("content"),
        "tool_calls": [
            (c["id"], c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls") or []
        ],
        "finish_reason": body["choices"][0]["finish_reason"],
        "usage": body.get("usage", {}).get("total_tokens"),
    }


def _expected_from_chunks(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """What an independent reading of the chunks says the stream assembles to."""
    content: list[str] = []
    calls: dict[int, list[str]] = {}
    finish = usage = None
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]["total_tokens"]
        for choice in chunk.get("choices", []):
            delta = choice.get("delta", {})
            if delta.get("content") is not None:
                content.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                entry = calls.setdefault(call["index"], ["", "", ""])
                entry[0] = entry[0] or call.get("id") or ""
                entry[1] = entry[1] or call.get("function", {}).get("name") or ""
                entry[2] += call.get("function", {}).get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    return {
        "content": "".join(content) if content else None,
        "tool_calls": [tuple(calls[i]) for i in sorted(calls)],
        "finish_reason": finish,
        "usage": usage,
    }


def _sse_chunks(text: str) -> list[dict[str, Any]]:
    events = [e[len("data: ") :] for e in text.split("\n\n") if e.startswith("data: ")]
    return [json.loads(e) for e in events if e != "[DONE]"]


def _recorded() -> Iterator[Exchange]:
    for path in sorted((CORPUS / "openai-recorded").glob("*.yaml")):
        cassette = yaml.safe_load(path.read_text())
        for index, interaction in enumerate(cassette["interactions"]):
            if not interaction["request"]["uri"].endswith("/chat/completions"):
                continue
            response = interaction["response"]
            headers = {
                k: v[0] for k, v in response["headers"].items() if k.lower() not in _DROPPED_HEADERS
            }
            status = response["status"]["code"]
            if "parsed_body" in response:
                parsed = response["parsed_body"]
                body = json.dumps(parsed).encode()
            else:
                parsed = None
                body = response["body"]["string"].encode()
            streaming = "text/event-stream" in headers.get("content-type", "")
            exchange = Exchange(f"{path.stem}[{index}]", status, headers, body, streaming)
            if streaming:
                exchange.expected = _expected_from_chunks(_sse_chunks(body.decode()))
            elif status == 200 and isinstance(parsed, dict) and "choices" in parsed:
                exchange.expected = _expected_from_completion(parsed)
            elif status == 200:
                exchange.expected = {"error": ResponseParseError}
            else:
                exchange.expected = {"error": BadRequestError, "code": parsed["error"]["code"]}
            yield exchange


def _catalog() -> Iterator[Exchange]:
    entry = json.loads((CORPUS / "cloudflare-catalog" / "openai-gpt-5.4-nano.json").read_text())
    for example in entry["examples"]:
        raw = example.get("raw_response")
        name = f"catalog[{example['name']}]"
        if isinstance(raw, list):  # parsed chunks of a stream: serve them as SSE
            text = "".join(f"data: {json.dumps(c)}\n\n" for c in raw) + "data: [DONE]\n\n"
            headers = {"content-type": "text/event-stream"}
            exchange = Exchange(name, 200, headers, text.encode(), True, _expected_from_chunks(raw))
            assert exchange.expected["content"] == "".join(example["output"]["text"])
        elif isinstance(raw, dict):
            body = json.dumps(raw).encode()
            exchange = Exchange(
                name,
                200,
                {"content-type": "application/json"},
                body,
                False,
                _expected_from_completion(raw),
            )
            assert exchange.expected["content"] == example["output"]["text"]
        else:
            continue
        yield exchange


EXCHANGES = [*_recorded(), *_catalog()]


class _Replay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    exchange: Exchange | None = None

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        exchange = type(self).exchange
        assert exchange is not None
        self.send_response(exchange.status)
        for name, value in exchange.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(exchange.body)))
        self.end_headers()
        self.wfile.write(exchange.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def replay_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/client/v4"
    server.shutdown()
    server.server_close()


def test_corpus_is_not_empty() -> None:
    assert sum(e.streaming for e in EXCHANGES) >= 3
    assert sum(not e.streaming for e in EXCHANGES) >= 25


@pytest.mark.parametrize("exchange", EXCHANGES, ids=lambda e: e.name)
def test_replay(exchange: Exchange, replay_server: str, run_io: Any) -> None:
    _Replay.exchange = exchange
    config = GatewayConfig(
        account_id="acct", api_token="replay-token", base_url=replay_server, max_retries=0
    )
    sync, aio = GatewayClient(config), AsyncGatewayClient(config)
    request = ChatRequest.model_validate({"messages": [{"role": "user", "content": "replay"}]})

    def sync_call() -> ChatCompletion:
        if not exchange.streaming:
            return sync.create(request)
        with sync.stream(request) as stream:
            return stream.completion()

    async def async_call() -> ChatCompletion:
        if not exchange.streaming:
            return await aio.create(request)
        async with aio.stream(request) as stream:
            return await stream.completion()

    expected = exchange.expected
    if "error" in expected:
        with pytest.raises(expected["error"]) as info:
            run_io(sync_call, async_call)
        assert info.value.status_code == exchange.status
        if "code" in expected:
            assert info.value.code == expected["code"]
        return
    completion = run_io(sync_call, async_call)
    choice = completion.choices[0]
    assert choice.message.content == expected["content"]
    assert choice.finish_reason == expected["finish_reason"]
    calls = [(c.id, c.function.name, c.function.arguments) for c in choice.message.tool_calls or []]
    assert calls == expected["tool_calls"]
    assert (completion.usage.total_tokens if completion.usage else None) == expected["usage"]
    assert completion.meta is not None and completion.meta.status_code == 200
