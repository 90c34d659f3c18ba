"""Real server output and hypothesis strategies that break it, for the fuzz tests.

Seeds are real bodies: every Chat Completions answer of the vendored wire corpus (recorded
OpenAI exchanges, Cloudflare's catalog examples) and what the emulator answers for text,
reasoning, tool calls and refusals, streamed and not (`emulator_seeds`). `mutants` draws a seed
and breaks it one to three times: truncation, byte flips, deletions, inserted junk (deep nesting,
huge numbers, invalid UTF-8, NUL, stray SSE fields, a premature ``[DONE]``), and on the JSON
itself (a whole body, or one event's ``data``) a value swapped for one of another type or a key
removed; sometimes the status or the content type is swapped too.
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
def _mutate_json(draw: st.DrawFn, payload: bytes) -> bytes:
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
            _at(value, draw(st.sampled_from(objects)))[draw(st.sampled_from(_KEYS))] = new
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
def _json_level(draw: st.DrawFn, body: bytes) -> bytes:
    if not body.lstrip().startswith(b"data:") and b"\ndata:" not in body:
        return draw(_mutate_json(body))
    events = body.split(b"\n\n")
    candidates = [
        i for i, e in enumerate(events) if e.startswith(b"data: ") and e != b"data: [DONE]"
    ]
    if not candidates:
        return body
    index = draw(st.sampled_from(candidates))
    events[index] = b"data: " + draw(_mutate_json(events[index][6:]))
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


@st.composite
def _byte_level(draw: st.DrawFn, body: bytes) -> bytes:
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
    return body[:at] + draw(st.sampled_from(_LINES)) + b"\n" + body[at:]


@st.composite
def mutants(draw: st.DrawFn, seeds: Seeds) -> Body:
    """A seed broken one to three times (see the module docstring)."""
    # Streams and bodies equally often, though the corpus holds mostly bodies.
    streams = [seed for seed in seeds.bodies if seed.content_type.startswith(SSE)]
    bodies = [seed for seed in seeds.bodies if not seed.content_type.startswith(SSE)]
    seed = draw(st.sampled_from(streams) | st.sampled_from(bodies))
    body = seed.body
    for _ in range(draw(st.integers(1, 3))):
        level = _json_level if draw(st.booleans()) else _byte_level
        body = draw(level(body))
    status, content_type = seed.status, seed.content_type
    if draw(st.integers(0, 7)) == 0:
        status = draw(st.sampled_from([200, 201, 400, 401, 429, 500, 503]))
    if draw(st.integers(0, 7)) == 0:
        content_type = draw(st.sampled_from([JSON, SSE, "text/html", "text/plain"]))
    return Body(status, content_type, body)
