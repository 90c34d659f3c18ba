"""Real server output and hypothesis strategies that break it, for the fuzz tests.

Seeds are real bodies: every Chat Completions answer of the vendored wire corpus (recorded
OpenAI exchanges, Cloudflare's catalog examples) and what the emulator answers for text,
reasoning, tool calls and refusals, streamed and not (`emulator_seeds`). `mutants` draws a seed
and breaks it one to three times: truncation, byte flips, deletions, inserted junk (deep nesting,
huge numbers, invalid UTF-8, NUL, stray SSE fields, a premature ``[DONE]``), and on the JSON
itself (a whole body, or one event's ``data``) a value swapped for one of another type or a key
removed; sometimes the status or the content type is swapped too.

The Responses API has its own seeds (`responses_seeds`: the emulator's ``/v1/responses``
answers) and, with ``mutants(seeds, responses=True)``, its own keys and whole events to insert.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import strategies as st

from tests.support.canned import JSON, SSE
from tests.support.corpus import WIRE_CORPUS


class Body:
    """One HTTP answer: what the canned server sends. Not a dataclass: hypothesis prints those
    field by field, and a failing example should show a short head of the body."""

    __slots__ = ("body", "content_type", "status")

    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status, self.content_type, self.body = status, content_type, body

    def __repr__(self) -> str:
        head = self.body if len(self.body) <= 600 else self.body[:600] + b"..."
        return f"Body({self.status}, {self.content_type!r}, {len(self.body)} bytes: {head!r})"


class Seeds:
    """The seed answers (printed as a count: hypothesis shows a failing test's arguments)."""

    def __init__(self, bodies: list[Body]) -> None:
        self.bodies = bodies

    def __repr__(self) -> str:
        return f"Seeds({len(self.bodies)} answers)"


def all_seeds(emulator: Any) -> Seeds:
    """The wire corpus's answers and the emulator's (`corpus_seeds`, `emulator_seeds`)."""
    return Seeds(corpus_seeds() + emulator_seeds(emulator))


def corpus_seeds() -> list[Body]:
    """Every chat answer in the wire corpus, as recorded (or, for the catalog, as served)."""
    import yaml

    seeds: list[Body] = []
    for path in sorted((WIRE_CORPUS / "openai-recorded").glob("*.yaml")):
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            if not interaction["request"]["uri"].endswith("/chat/completions"):
                continue
            response = interaction["response"]
            headers = {k.lower(): v[0] for k, v in response["headers"].items()}
            if "parsed_body" in response:
                body = json.dumps(response["parsed_body"]).encode()
            else:
                body = response["body"]["string"].encode()
            seeds.append(Body(response["status"]["code"], headers.get("content-type", JSON), body))
    catalog = json.loads(
        (WIRE_CORPUS / "cloudflare-catalog" / "openai-gpt-5.4-nano.json").read_text()
    )
    for example in catalog["examples"]:
        raw = example.get("raw_response")
        if isinstance(raw, list):
            text = "".join(f"data: {json.dumps(c)}\n\n" for c in raw) + "data: [DONE]\n\n"
            seeds.append(Body(200, SSE, text.encode()))
        elif isinstance(raw, dict):
            seeds.append(Body(200, JSON, json.dumps(raw).encode()))
    return seeds


def responses_seeds(emulator: Any) -> Seeds:
    """What the emulator answers on ``/v1/responses`` (raw bytes), streamed and not: text,
    function calls, reasoning with encrypted content (a summary, then a call), a refusal, a
    ``failed`` and an ``incomplete`` response, and an error answer. The wire corpus has no
    Responses recordings (its cassettes calling ``/v1/responses`` were left out)."""
    from gpt54nano_emulator import Reply

    url = f"{emulator.openai_base_url}/responses"
    headers = {"authorization": f"Bearer {emulator.api_token}"}
    reasoning = {
        "reasoning": {"effort": "low", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
        "store": False,
    }
    tools = [{"type": "function", "name": "add", "parameters": {"type": "object"}}]
    cases: list[tuple[Reply, dict[str, Any]]] = [
        (Reply(content="Hello there!"), {}),
        (Reply(tool_calls=[{"name": "add", "arguments": {"a": 1, "b": 2}}]), {"tools": tools}),
        (Reply(content="Hi you", reasoning="a greeting"), reasoning),
        (
            Reply(tool_calls=[{"name": "add", "arguments": {"a": 1}}], reasoning="add them"),
            {**reasoning, "tools": tools},
        ),
        (Reply(refusal="I can't help with that."), {}),
        (Reply(content="Half", finish_reason="failed"), {}),
        (Reply(content="Cut short", finish_reason="length"), {}),
    ]
    seeds: list[Body] = []
    with httpx.Client(timeout=30) as http:
        for stream in (False, True):
            for reply, extra in cases:
                emulator.queue_reply(reply)
                body = {"model": "openai/gpt-5.4-nano", "input": "hi", **extra}
                if stream:
                    body["stream"] = True
                response = http.post(url, json=body, headers=headers)
                seeds.append(
                    Body(response.status_code, response.headers["content-type"], response.content)
                )
        # An error answer too: an unknown parameter (OpenAI's 400).
        response = http.post(
            url, json={"model": "openai/gpt-5.4-nano", "input": "x", "nope": 1}, headers=headers
        )
        seeds.append(Body(response.status_code, response.headers["content-type"], response.content))
    return Seeds(seeds)


def emulator_seeds(emulator: Any) -> list[Body]:
    """What the emulator answers (raw bytes) for a few kinds of reply, streamed and not."""
    from gpt54nano_emulator import Reply

    url = f"{emulator.base_url}/accounts/{emulator.account_id}/ai/v1/chat/completions"
    headers = {"authorization": f"Bearer {emulator.api_token}"}
    replies = [
        Reply(content="Hello there!", reasoning="a greeting"),
        Reply(tool_calls=[{"name": "add", "arguments": {"a": 1, "b": 2}}]),
        Reply(refusal="I can't help with that."),
    ]
    seeds: list[Body] = []
    with httpx.Client(timeout=30) as http:
        for stream in (False, True):
            for reply in replies:
                emulator.queue_reply(reply)
                body: dict[str, Any] = {
                    "model": "openai/gpt-5.4-nano",
                    "messages": [{"role": "user", "content": "hi"}],
                }
                if stream:
                    body["stream"] = True
                    body["stream_options"] = {"include_usage": True}
                response = http.post(url, json=body, headers=headers)
                seeds.append(
                    Body(response.status_code, response.headers["content-type"], response.content)
                )
        # An error answer too: an unknown model.
        response = http.post(
            url,
            json={"model": "nope", "messages": [{"role": "user", "content": "x"}]},
            headers=headers,
        )
        seeds.append(Body(response.status_code, response.headers["content-type"], response.content))
    return seeds


# -- JSON-level mutations ---------------------------------------------------------------------

# Nesting deeper than any recursion limit: hypothesis raises the limit while a test runs (by
# 2,000 frames), so a thousand levels that break json.loads elsewhere would pass unnoticed here.
_DEPTH = 50_000
# Spliced in after serialisation: json.dumps cannot write them (or would recurse as deep).
_RAW = {
    "\x00huge\x00": "9" * 5000,
    "\x00deep\x00": "[" * _DEPTH + "]" * _DEPTH,
    "\x00open\x00": "[" * _DEPTH,
    "\x00inf\x00": "1e99999",
    "\x00nan\x00": "NaN",
}
_REPLACEMENTS: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    "",
    "x",
    [],
    {},
    [None],
    {"a": None},
    [{"index": "x"}],
]
# Keys the clients and adapters read: added (with a value of any type) where they may matter.
_KEYS = [
    "choices",
    "delta",
    "message",
    "content",
    "tool_calls",
    "function",
    "arguments",
    "index",
    "finish_reason",
    "usage",
    "gatewayMetadata",
    "error",
    "errors",
    "success",
    "result",
    "httpCode",
    "internalCode",
    "code",
    "created",
    "logprobs",
    "reasoning_content",
    "refusal",
]
# The Responses wire's keys (`responses_seeds`): items, parts, event payloads.
RESPONSES_KEYS = [
    "output",
    "type",
    "status",
    "content",
    "text",
    "refusal",
    "delta",
    "item",
    "item_id",
    "response",
    "output_index",
    "content_index",
    "summary_index",
    "sequence_number",
    "call_id",
    "name",
    "arguments",
    "summary",
    "encrypted_content",
    "usage",
    "input_tokens",
    "output_tokens_details",
    "incomplete_details",
    "created_at",
    "error",
    "code",
    "message",
    "success",
    "errors",
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def _dumps(value: Any) -> bytes:
    text = json.dumps(value)
    for marker, raw in _RAW.items():
        text = text.replace(json.dumps(marker), raw)
    return text.encode()


@st.composite
def _mutate_json(draw: st.DrawFn, payload: bytes, keys: list[str]) -> bytes:
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):
        return payload  # an earlier mutation broke it (or nested it too deep): nothing to walk
    op = draw(st.sampled_from(["replace", "delete", "add", "envelope"]))
    paths = _paths(value)
    # Half the time one of the values no well-formed answer has (deep, huge, non-finite).
    new = draw(st.sampled_from(list(_RAW)) | st.sampled_from(_REPLACEMENTS))
    if op == "envelope":  # Cloudflare's v4 envelope around it
        return _dumps({"success": True, "result": value, "errors": [], "messages": []})
    if op == "add":
        objects = [p for p in paths if isinstance(_at(value, p), dict)]
        if objects:
            _at(value, draw(st.sampled_from(objects)))[draw(st.sampled_from(keys))] = new
            return _dumps(value)
    path = draw(st.sampled_from(paths))
    if not path:
        return _dumps(new)
    parent = _at(value, path[:-1])
    if op == "delete":  # a missing field
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return _dumps(value)


@st.composite
def _json_level(draw: st.DrawFn, body: bytes, keys: list[str]) -> bytes:
    if not body.lstrip().startswith(b"data:") and b"\ndata:" not in body:
        return draw(_mutate_json(body, keys))
    events = body.split(b"\n\n")
    # An event's data line (after an ``event:`` line on the Responses wire).
    candidates: list[tuple[int, int]] = []
    for i, event in enumerate(events):
        at = 0 if event.startswith(b"data: ") else event.find(b"\ndata: ") + 1
        if (at or event.startswith(b"data: ")) and event[at:] != b"data: [DONE]":
            candidates.append((i, at))
    if not candidates:
        return body
    index, at = draw(st.sampled_from(candidates))
    head, data = events[index][:at], events[index][at + 6 :]
    events[index] = head + b"data: " + draw(_mutate_json(data, keys))
    return b"\n\n".join(events)


# -- byte-level mutations ---------------------------------------------------------------------

_JUNK = [
    b"[" * _DEPTH,
    b'{"a":' * _DEPTH,
    b"9" * 5000,
    b"1e99999",
    b"\xff\xfe\xc3",
    b"\xed\xa0\x80",  # an encoded surrogate: not UTF-8
    b"\x00",
    b"\r",
    b"\n\n",
    b"\r\n\r\n",
    b"\xef\xbb\xbf",
]
# Whole SSE lines, inserted at a line boundary.
_LINES = [
    b"data: [DONE]",
    b"event: error",
    b"data: {}",
    b"data: null",
    b"data: []",
    b"data: " + b"[" * _DEPTH,
    b'data: {"error": 5}',
    b'data: {"errors": [{"code": "' + b"9" * 5000 + b'"}]}',
    b'data: {"choices": "x"}',
    b"retry: " + b"9" * 5000,
    b"retry: \xd9\xa3",  # Arabic-Indic digit three
    b"id: a\x00b",
    b": ping",
    b"",
    b"data: \xff\xfe",
]
# Whole Responses events, inserted like `_LINES` (with them, for Responses seeds).
RESPONSES_LINES = [
    b"event: response.failed",
    b'data: {"type": "response.completed"}',
    b'data: {"type": "response.completed", "response": {"output": "x"}}',
    b'data: {"type": "response.failed", "response": {"error": {"code": 5}}}',
    b'data: {"type": "error", "code": "server_error", "message": null}',
    b'data: {"type": "response.output_text.delta", "output_index": -1, "delta": "x"}',
    b'data: {"type": "response.output_text.delta", "content_index": 1000000000000}',
    b'data: {"type": "response.reasoning_summary_text.delta", "summary_index": -3}',
    b'data: {"type": "response.output_item.added", "output_index": 0, "item": {"type": 5}}',
    b'data: {"type": "response.function_call_arguments.delta", "delta": 7}',
    b'data: {"type": 1}',
]


@st.composite
def _byte_level(draw: st.DrawFn, body: bytes, lines: list[bytes]) -> bytes:
    if not body:
        return draw(st.sampled_from(_JUNK))
    op = draw(st.sampled_from(["truncate", "flip", "delete", "insert", "line", "line"]))
    at = draw(st.integers(0, len(body) - 1))
    if op == "truncate":
        return body[:at]
    if op == "flip":
        return body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1 :]
    if op == "delete":
        return body[:at] + body[at + draw(st.integers(1, 64)) :]
    if op == "insert":
        return body[:at] + draw(st.sampled_from(_JUNK)) + body[at:]
    starts = [0] + [i + 1 for i, byte in enumerate(body) if byte == 10]
    at = draw(st.sampled_from(starts))
    return body[:at] + draw(st.sampled_from(lines)) + b"\n" + body[at:]


@st.composite
def mutants(draw: st.DrawFn, seeds: Seeds, *, responses: bool = False) -> Body:
    """A seed broken one to three times (see the module docstring); ``responses``: with the
    Responses wire's keys and events too (`RESPONSES_KEYS`, `RESPONSES_LINES`)."""
    keys = _KEYS + RESPONSES_KEYS if responses else _KEYS
    lines = _LINES + RESPONSES_LINES if responses else _LINES
    # Streams and bodies equally often, though the corpus holds mostly bodies.
    streams = [seed for seed in seeds.bodies if seed.content_type.startswith(SSE)]
    bodies = [seed for seed in seeds.bodies if not seed.content_type.startswith(SSE)]
    seed = draw(st.sampled_from(streams) | st.sampled_from(bodies))
    body = seed.body
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            body = draw(_json_level(body, keys))
        else:
            body = draw(_byte_level(body, lines))
    status, content_type = seed.status, seed.content_type
    if draw(st.integers(0, 7)) == 0:
        status = draw(st.sampled_from([200, 201, 400, 401, 429, 500, 503]))
    if draw(st.integers(0, 7)) == 0:
        content_type = draw(st.sampled_from([JSON, SSE, "text/html", "text/plain"]))
    return Body(status, content_type, body)
