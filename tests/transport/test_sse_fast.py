"""The data-only fast path (``SSEDecoder.feed_data_only`` and ``StreamCore``'s use of it) equals
the general path, over every SSE body we have: the recorded corpus, the catalog's examples, what
the emulator streams (plain, tool calls, error events, malformed chunks) and hand-made edge
cases (CRLF, comments, ``event:``/``id:``/``retry:`` fields, BOM, runs of blank lines).

Each body is fed whole, one event per read, one byte per read and in random pieces. Two
levels are checked:

- decoder: whenever ``feed_data_only`` answers, ``feed`` on a twin decoder dispatches exactly
  those data as plain ``message`` events, and after every read both decoders hold the same state;
- stream: a ``StreamCore`` with the fast path and one without (``feed_data_only`` patched to
  decline) give the same chunks per read, the same snapshot, the same errors (type, message,
  partial) and the same end-of-stream verdict; and a sync and an async client streaming from
  the emulator see the same thing either way.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from gpt54nano_emulator import Fault, Reply
from gpt54nano_gateway import (
    AsyncGatewayClient,
    ChatRequest,
    GatewayClient,
    GatewayConfig,
    GatewayError,
)
from gpt54nano_gateway._stream import StreamCore
from gpt54nano_gateway.meta import GatewayMeta
from gpt54nano_gateway.sse import SSEDecoder
from tests.transport.test_corpus_replay import EXCHANGES
from tests.transport.test_sse import VECTORS

_STATE = ("_head", "_pending", "_skip_lf", "_data", "_event", "_id", "_retry")

HAND_MADE: list[tuple[str, bytes]] = [
    ("data-only", b'data: {"a":1}\n\ndata: [DONE]\n\n'),
    ("crlf", b"data: a\r\n\r\ndata: b\r\n\r\n"),
    ("comment-between", b"data: a\n\n: ping\n\ndata: b\n\n"),
    ("comment-inside", b": ping\ndata: a\n\n"),
    ("event-error", b"data: a\n\nevent: error\ndata: {}\n\ndata: b\n\n"),
    ("id-and-retry", b"id: 7\ndata: a\n\ndata: b\n\nretry: 10\ndata: c\n\ndata: d\n\n"),
    ("bom", b"\xef\xbb\xbfdata: a\n\ndata: b\n\n"),
    ("blank-runs", b"data: a\n\n\n\ndata: b\n\n\n"),
    ("multi-line-data", b"data: a\ndata: b\n\ndata: c\n\n"),
    ("no-space", b"data:a\n\ndata: b\n\n"),
    ("empty-data", b"data: \n\ndata:\n\ndata: b\n\n"),
    ("unterminated", b"data: a\n\ndata: b"),
    ("utf8-split", "data: é€𝄞\n\ndata: 𝄞\n\n".encode()),
    ("invalid-utf8", b"data: a\xff\n\ndata: b\n\n"),
]


def _sse_bodies() -> list[tuple[str, bytes]]:
    corpus = [(e.name, e.body) for e in EXCHANGES if e.streaming]
    vectors = [(f"vector[{name}]", raw) for name, raw, _ in VECTORS]
    return corpus + vectors + HAND_MADE


BODIES = _sse_bodies()


def per_event(body: bytes) -> list[bytes]:
    """One read per event (what a chunked server writing one event per write gives)."""
    pieces = [piece + b"\n\n" for piece in body.split(b"\n\n")]
    pieces[-1] = pieces[-1][:-2]
    return [piece for piece in pieces if piece]


def splits(body: bytes) -> Iterator[tuple[str, list[bytes]]]:
    yield "whole", [body]
    yield "per-event", per_event(body)
    yield "two-events-per-read", [b"".join(p) for p in _pairs(per_event(body))]
    if len(body) <= 400:
        yield "per-byte", [body[i : i + 1] for i in range(len(body))]


def _pairs(pieces: list[bytes]) -> Iterator[list[bytes]]:
    for i in range(0, len(pieces), 2):
        yield pieces[i : i + 2]


# --- decoder level ---------------------------------------------------------------------------


def _state(decoder: SSEDecoder) -> tuple[Any, ...]:
    return tuple(getattr(decoder, name) for name in _STATE)


def assert_decoders_agree(pieces: list[bytes]) -> int:
    """Feed both decoders; return how many reads the fast path took (so tests can insist it
    was exercised)."""
    fast, general = SSEDecoder(), SSEDecoder()
    taken = 0
    for piece in pieces:
        before = _state(fast)
        texts = fast.feed_data_only(piece)
        events = general.feed(piece)
        if texts is None:
            assert _state(fast) == before, "a declined read must consume nothing"
            assert fast.feed(piece) == events
        else:
            taken += 1
            assert [e.data for e in events] == texts
            assert {(e.event, e.id, e.retry) for e in events} <= {("message", before[5], None)}
        assert _state(fast) == _state(general)
    assert fast.flush() == general.flush()
    assert _state(fast) == _state(general)
    return taken


@pytest.mark.parametrize(("name", "body"), BODIES, ids=[b[0] for b in BODIES])
def test_decoder_fast_path_equals_the_general_one(name: str, body: bytes) -> None:
    for _split, pieces in splits(body):
        assert_decoders_agree(pieces)


def test_the_fast_path_is_taken_for_a_chat_stream_read_per_event() -> None:
    # Without this, every equivalence above could hold because the fast path never answers.
    streaming = [e.body for e in EXCHANGES if e.streaming]
    for body in streaming:
        pieces = per_event(body)
        # every read after the first (where the BOM is still undecided) is plain data
        assert assert_decoders_agree(pieces) == len(pieces) - 1


@pytest.mark.parametrize(
    "read",
    [
        b"data: a\n\n\n",  # three line ends: a blank-line run
        b"data: a\n",  # not a whole event
        b"data: a\ndata: b\n\n",  # multi-line data
        b"data:a\n\n",  # no space after the colon
        b": ping\n\n",
        b"event: error\ndata: {}\n\n",
        b"id: 1\ndata: a\n\n",
        b"data: a\r\n\r\n",
        b"\n\n",
    ],
)
def test_the_fast_path_declines_anything_but_whole_data_events(read: bytes) -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: warm\n\n")  # decide the BOM question first
    assert decoder.feed_data_only(read) is None


def test_the_fast_path_declines_while_the_decoder_holds_state() -> None:
    for head in (b"\xef", b"data: part", b"data: a\r", b"data: a\n", b"event: x\n", b"retry: 5\n"):
        decoder = SSEDecoder()
        decoder.feed(b"data: warm\n\n")
        decoder.feed(head)
        assert decoder.feed_data_only(b"data: b\n\n") is None, head


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_decoder_paths_agree_under_random_splits(data: st.DataObject) -> None:
    _, body = data.draw(st.sampled_from(BODIES))
    cuts = sorted(data.draw(st.sets(st.integers(0, len(body)), max_size=12)))
    edges = [0, *cuts, len(body)]
    assert_decoders_agree([body[a:b] for a, b in itertools.pairwise(edges)])


# --- stream level ----------------------------------------------------------------------------

META = GatewayMeta(log_id="log-1", ray_id="ray-1", status_code=200)


def _outcome(error: GatewayError) -> tuple[Any, ...]:
    partial = error.partial.model_dump() if error.partial is not None else None
    return (type(error), str(error), partial, getattr(error, "body", None))


def run_core(pieces: list[bytes]) -> list[Any]:
    """Everything a StreamCore says for these reads: the chunks per read, then the error or the
    end-of-stream verdict, then the snapshot."""
    core = StreamCore(META, None, SecretStr("emulator-token"))
    said: list[Any] = []
    try:
        for piece in pieces:
            said.append([chunk.model_dump() for chunk in core.feed(piece)])
        core.finish()
        said.append("complete")
    except GatewayError as error:
        said.append(_outcome(error))
    said.append(core.snapshot().model_dump())
    return said


@contextlib.contextmanager
def general_path_only() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SSEDecoder, "feed_data_only", lambda self, data: None)
        yield


def assert_cores_agree(pieces: list[bytes]) -> None:
    fast = run_core(pieces)
    with general_path_only():
        general = run_core(pieces)
    assert fast == general


@pytest.mark.parametrize(("name", "body"), BODIES, ids=[b[0] for b in BODIES])
def test_stream_core_fast_path_equals_the_general_one(name: str, body: bytes) -> None:
    for _split, pieces in splits(body):
        assert_cores_agree(pieces)


def _emulator_bodies(emulator: Any) -> list[tuple[str, bytes]]:
    """Raw SSE bodies as the emulator sends them, faults included."""
    url = f"{emulator.base_url}/accounts/{emulator.account_id}/ai/v1/chat/completions"
    body = {
        "model": "openai/gpt-5.4-nano",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    cases: list[tuple[str, Reply, Fault | None]] = [
        ("text", Reply(content="one two three four five six"), None),
        ("empty", Reply(content=""), None),
        ("unicode", Reply(content="héllo € 𝄞 naïve"), None),
        (
            "tools",
            Reply(
                tool_calls=[
                    {"name": "get_weather", "arguments": {"city": "Paris"}},
                    {"name": "get_time", "arguments": {"zone": "CET", "fmt": "24h"}},
                ]
            ),
            None,
        ),
        ("error-event", Reply(content="a b c d e"), Fault(kind="error_event", after=2)),
        ("malformed", Reply(content="a b c d e"), Fault(kind="malformed", after=2)),
    ]
    out = []
    with httpx.Client(headers={"authorization": "Bearer emulator-token"}) as http:
        for name, reply, fault in cases:
            emulator.queue_reply(reply)
            if fault is not None:
                emulator.plan_faults(fault, next_n=1)
            response = http.post(url, json=body)
            assert response.status_code == 200, response.text
            out.append((name, response.content))
    return out


def test_stream_core_paths_agree_on_the_emulators_streams(emulator: Any) -> None:
    bodies = _emulator_bodies(emulator)
    assert len(bodies) == 6
    for _name, body in bodies:
        for _split, pieces in splits(body):
            assert_cores_agree(pieces)
            assert_decoders_agree(pieces)


# What differs between two emulator answers to the same request (fresh ids, clock, padding).
_UNSTABLE = frozenset({"id", "created", "obfuscation"})


def _stable(dump: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in dump.items() if key not in _UNSTABLE}


def _stable_error(error: GatewayError) -> tuple[Any, ...]:
    partial = _stable(error.partial.model_dump()) if error.partial is not None else None
    return (type(error), re.sub(r"request_id=[^,)]*", "", str(error)), partial)


def _client_view(
    emulator: Any, run_io: Callable[..., Any], reply: Reply, fault: Fault | None
) -> list[Any]:
    config = GatewayConfig(
        account_id=emulator.account_id,
        api_token="emulator-token",
        base_url=emulator.base_url,
        max_retries=0,
    )
    request = ChatRequest.model_validate(
        {"messages": [{"role": "user", "content": "hi"}], "stream_options": {"include_usage": True}}
    )

    def seen(chunks: list[Any], outcome: Any) -> list[Any]:
        return [[_stable(c.model_dump()) for c in chunks], outcome]

    def sync_call() -> list[Any]:
        chunks: list[Any] = []
        try:
            with GatewayClient(config) as client, client.stream(request) as stream:
                chunks.extend(stream)
                return seen(chunks, _stable(stream.completion().model_dump()))
        except GatewayError as error:
            return seen(chunks, _stable_error(error))

    async def async_call() -> list[Any]:
        chunks: list[Any] = []
        try:
            async with AsyncGatewayClient(config) as client, client.stream(request) as stream:
                async for chunk in stream:
                    chunks.append(chunk)
                return seen(chunks, _stable((await stream.completion()).model_dump()))
        except GatewayError as error:
            return seen(chunks, _stable_error(error))

    emulator.queue_reply(reply)
    if fault is not None:
        emulator.plan_faults(fault, next_n=1)
    result: list[Any] = run_io(sync_call, async_call)
    return result


@pytest.mark.parametrize(
    ("reply", "fault"),
    [
        (Reply(content="one two three four five six seven"), None),
        (Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]), None),
        (Reply(content="a b c d e"), Fault(kind="error_event", after=2)),
        (Reply(content="a b c d e"), Fault(kind="malformed", after=2)),
    ],
    ids=["text", "tools", "error-event", "malformed"],
)
def test_clients_see_the_same_stream_either_way(
    emulator: Any, run_io: Callable[..., Any], reply: Reply, fault: Fault | None
) -> None:
    fast = _client_view(emulator, run_io, reply, fault)
    with general_path_only():
        general = _client_view(emulator, run_io, reply, fault)
    if fault is None:
        assert fast == general
        assert fast[0], "some chunks arrived"
    else:
        # Which chunks are handed out before the error depends on how the server's writes
        # coalesce into reads; the error and what it carries do not.
        assert fast[1] == general[1]
        assert isinstance(fast[1], tuple), "the stream failed"
        assert fast[1][2]["choices"][0]["message"]["content"] == "a"
