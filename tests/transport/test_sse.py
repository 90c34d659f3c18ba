"""SSEDecoder against the WHATWG rules (HTML §9.2.5/§9.2.6) and docs/reference/transport.md §2.4.

Every vector is decoded whole, byte by byte, and split at every byte boundary: the events must
be the same each time, because the network may cut a stream anywhere.
"""

from __future__ import annotations

import time

import pytest

from gpt54nano_gateway.sse import DONE, ServerSentEvent, SSEDecoder

Ev = tuple[str, str, str, int | None]  # (event, data, id, retry)


def decode(chunks: list[bytes]) -> list[Ev]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.flush()
    return [(e.event, e.data, e.id, e.retry) for e in events]


def msg(data: str, id: str = "", retry: int | None = None, event: str = "message") -> Ev:
    return (event, data, id, retry)


VECTORS: list[tuple[str, bytes, list[Ev]]] = [
    ("lf", b"data: a\n\n", [msg("a")]),
    ("crlf", b"data: a\r\n\r\n", [msg("a")]),
    ("cr", b"data: a\r\rdata: b\r\r", [msg("a"), msg("b")]),
    ("mixed-line-ends", b"data: a\r\ndata: b\rdata: c\n\r\n", [msg("a\nb\nc")]),
    ("multi-line-data", b"data: a\ndata: b\n\n", [msg("a\nb")]),
    ("data-colon-only", b"data:\n\n", [msg("")]),
    ("data-no-colon", b"data\n\n", [msg("")]),
    ("one-space-stripped", b"data:  x\n\n", [msg(" x")]),
    ("no-space", b"data:x\n\n", [msg("x")]),
    ("colon-in-value", b'data: {"a": 1}\n\n', [msg('{"a": 1}')]),
    ("comment-then-data", b": ping\ndata: a\n\n", [msg("a")]),
    ("comment-only", b": keepalive\n\n", []),
    ("event-without-data", b"event: ping\n\n", []),
    ("blank-lines-after-id", b"id: 1\ndata: a\n\n\n\n", [msg("a", id="1")]),
    ("id-persists", b"id: 7\ndata: a\n\ndata: b\n\n", [msg("a", id="7"), msg("b", id="7")]),
    (
        "id-with-nul-ignored",
        b"id: 1\ndata: a\n\nid: a\x00b\ndata: b\n\n",
        [msg("a", "1"), msg("b", "1")],
    ),
    ("retry-plus-ignored", b"retry: +5\ndata: a\n\n", [msg("a")]),
    ("retry-space-ignored", b"retry: 1 5\ndata: a\n\n", [msg("a")]),
    ("retry-digits", b"retry: 1500\ndata: a\n\n", [msg("a", retry=1500)]),
    ("retry-per-event", b"retry: 10\ndata: a\n\ndata: b\n\n", [msg("a", retry=10), msg("b")]),
    ("bom", b"\xef\xbb\xbfdata: a\n\n", [msg("a")]),
    ("only-one-bom", b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n", [msg("b")]),
    ("u2028-kept", "data: a\u2028b\n\n".encode(), [msg("a\u2028b")]),
    ("vt-ff-fs-kept", b"data: a\x0b\x0c\x1cb\n\n", [msg("a\x0b\x0c\x1cb")]),
    ("utf8", "data: héllo €𝄞\n\n".encode(), [msg("héllo €𝄞")]),
    ("invalid-utf8", b"data: a\xffb\n\n", [msg("a\ufffdb")]),
    ("truncated-utf8-at-line-end", b"data: a\xe2\x82\n\n", [msg("a\ufffd")]),
    ("unterminated-dropped", b"data: a\n\ndata: partial", [msg("a")]),
    ("unterminated-line-end-dropped", b"data: a\n\ndata: partial\n", [msg("a")]),
    ("done-passed-through", b"data: [DONE]\n\n", [msg(DONE)]),
    ("event-type", b"event: error\ndata: x\n\ndata: y\n\n", [msg("x", event="error"), msg("y")]),
    ("unknown-field-ignored", b"foo: bar\ndata: a\n\n", [msg("a")]),
    ("field-name-case-sensitive", b"Data: a\n\n", []),
    ("empty-event-name", b"event:\ndata: a\n\n", [msg("a")]),
    ("empty-input", b"", []),
]


@pytest.mark.parametrize(("raw", "expected"), [v[1:] for v in VECTORS], ids=[v[0] for v in VECTORS])
def test_vector_whole_bytewise_and_every_split(raw: bytes, expected: list[Ev]) -> None:
    assert decode([raw]) == expected
    assert decode([raw[i : i + 1] for i in range(len(raw))]) == expected
    for cut in range(len(raw) + 1):
        assert decode([raw[:cut], raw[cut:]]) == expected, f"split at {cut}"
    for first in range(len(raw) + 1):  # three pieces, to catch state carried over two feeds
        for second in range(first, min(len(raw), first + 4) + 1):
            assert decode([raw[:first], raw[first:second], raw[second:]]) == expected


def test_cr_at_end_of_feed_and_lf_at_start_of_next_is_one_line_end() -> None:
    # Were the LF a second line end, "data: a\r" + "\n" would dispatch early and "data: b"
    # would become its own event.
    assert decode([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]) == [msg("a\nb")]
    assert decode([b"data: a\r", b"\n\r", b"\n"]) == [msg("a")]


def test_lone_cr_dispatches_without_waiting_for_the_next_feed() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == [ServerSentEvent(data="a")]


def test_skip_lf_applies_only_to_the_very_next_byte() -> None:
    # CR ends a line; after an empty feed the LF is still its partner; after another byte it is not.
    assert decode([b"data: a\r", b"", b"\n\r\n"]) == [msg("a")]
    assert decode([b"data: a\r", b"data: b\n\n"]) == [msg("a\nb")]


def test_bom_split_over_feeds_and_not_stripped_mid_stream() -> None:
    assert decode([b"\xef", b"\xbb", b"\xbf", b"data: a\n\n"]) == [msg("a")]
    assert decode([b"\xef\xbb", b"data: a\n\n"]) == []  # not a BOM: garbage field name
    assert decode([b"data: a\n\n", b"\xef\xbb\xbfdata: b\n\n"]) == [msg("a")]


def test_events_are_returned_as_soon_as_complete() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"\ndata: b") == [ServerSentEvent("message", "a", "", None)]
    assert decoder.feed(b"\n\n") == [ServerSentEvent("message", "b", "", None)]
    assert decoder.flush() == []


def test_flush_discards_the_incomplete_event_and_resets() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: x\ndata: partial\ndata: more") == []
    assert decoder.flush() == []
    assert decoder.feed(b"data: next\n\n") == [ServerSentEvent("message", "next", "", None)]


def test_event_defaults_and_immutability() -> None:
    event = ServerSentEvent(data="x")
    assert (event.event, event.id, event.retry) == ("message", "", None)
    with pytest.raises(AttributeError):
        event.data = "y"  # type: ignore[misc]


def test_many_events_in_one_feed() -> None:
    raw = b"".join(b"data: %d\n\n" % i for i in range(1000))
    assert [e[1] for e in decode([raw])] == [str(i) for i in range(1000)]


def test_32_mib_event_in_64_kib_pieces_is_linear() -> None:
    # The SDKs' `data += line` accumulation takes ~19 s here; a linear decoder well under 1 s.
    payload = b"x" * (32 * 1024 * 1024)
    raw = memoryview(b"data: " + payload + b"\n\n")
    decoder = SSEDecoder()
    started = time.perf_counter()
    events: list[ServerSentEvent] = []
    for offset in range(0, len(raw), 64 * 1024):
        events += decoder.feed(bytes(raw[offset : offset + 64 * 1024]))
    elapsed = time.perf_counter() - started
    assert len(events) == 1
    assert len(events[0].data) == len(payload)
    assert elapsed < 2.0, f"32 MiB event took {elapsed:.2f} s"


def test_32_mib_of_many_lines_in_one_event_is_linear() -> None:
    line = b"data: " + b"y" * 1018 + b"\n"  # 1 KiB lines, 32768 of them, one event
    raw = line * 32768 + b"\n"
    decoder = SSEDecoder()
    started = time.perf_counter()
    events: list[ServerSentEvent] = []
    for offset in range(0, len(raw), 64 * 1024):
        events += decoder.feed(raw[offset : offset + 64 * 1024])
    elapsed = time.perf_counter() - started
    assert len(events) == 1
    assert events[0].data.count("\n") == 32767
    assert elapsed < 2.0, f"32 MiB of lines took {elapsed:.2f} s"
