"""A small bytes-level Server-Sent Events decoder (WHATWG HTML §9.2.5 / §9.2.6).

Sans-I/O: feed it the bytes as they arrive (``feed``) and call ``flush`` at end of stream; the
same object serves the sync and the async client. It follows the spec where the vendor SDKs and
httpx-sse do not (see ``docs/reference/transport.md`` §2.2):

- one leading UTF-8 BOM is stripped, even when it arrives split over several feeds;
- lines end in CRLF, LF or a lone CR, and a CR ending one feed followed by an LF starting the
  next is ONE line end (the CR dispatches at once; the LF is then skipped);
- an event whose data buffer is empty is not dispatched (``event: ping\\n\\n`` yields nothing),
  so stray blank lines never become empty events;
- ``retry`` is honoured only when it is all ASCII digits (at most 10 of them), ``id`` only
  when it has no NUL;
- text is decoded as UTF-8 with U+FFFD replacement, never raising.

Cost is linear in the input: a feed without any line end is parked in a list of pieces (not
re-scanned, not copied) and joined once when its line completes, so a 32 MiB event fed in
64 KiB pieces is one pass. OpenAI conventions (``data: [DONE]``, error payloads) are left to the
stream layer; ``DONE`` is provided for it.

``feed_data_only`` is the same decoding for the read nearly every chat stream consists of
(whole ``data: …`` events and nothing else): it returns their data strings, or ``None`` and
the caller uses ``feed``; tests/transport/test_sse_fast.py holds the two paths equal.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DONE", "SSEDecoder", "ServerSentEvent"]

DONE = "[DONE]"
_BOM = b"\xef\xbb\xbf"
_LINE_ENDS = (10, 13)  # LF, CR
# A reconnection time of more digits (> 115 days in ms) is ignored like one that is not digits:
# int() refuses strings of more than 4300 digits, and no server means such a delay.
_MAX_RETRY_DIGITS = 10


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event. ``id`` is the last event ID seen so far (it persists, per spec)."""

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None


class SSEDecoder:
    """Incremental decoder: ``feed(bytes) -> events``, ``flush()`` at EOF."""

    __slots__ = ("_data", "_event", "_head", "_id", "_pending", "_retry", "_skip_lf")

    def __init__(self) -> None:
        self._head: bytes | None = b""  # held while a BOM is still possible; None once decided
        self._pending: list[bytes] = []  # pieces of the current, not yet terminated line
        self._skip_lf = False  # the previous feed ended in CR: a leading LF belongs to it
        self._data: list[str] = []
        self._event = ""
        self._id = ""
        self._retry: int | None = None

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Decode ``data``; return the events completed by it (often none or one)."""
        if self._head is not None:
            head = self._head + data
            if len(head) < 3 and _BOM.startswith(head):
                self._head = head  # could still become a BOM: wait for more bytes
                return []
            self._head = None
            data = head[3:] if head.startswith(_BOM) else head
        if not data:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if data[0] == 10:  # b"\n": the second half of a CRLF split across feeds
                data = data[1:]
                if not data:
                    return []
        if data[-1] in _LINE_ENDS:  # the usual case: the feed ends on a line end
            complete, rest = data, b""
        else:
            end = max(data.rfind(b"\n"), data.rfind(b"\r"))
            if end < 0:
                self._pending.append(data)  # no line end yet: park it, scan nothing again
                return []
            complete, rest = data[: end + 1], data[end + 1 :]
        if self._pending:
            self._pending.append(complete)
            complete = b"".join(self._pending)
            self._pending.clear()
        if rest:
            self._pending.append(rest)
        elif complete[-1] == 13:  # ends in CR: an LF at the start of the next feed is its partner
            self._skip_lf = True
        if b"\r" in complete:
            complete = complete.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        # CR and LF never occur inside a multi-byte UTF-8 sequence, so decoding whole lines at
        # once equals decoding line by line.
        lines = complete.decode("utf-8", "replace").split("\n")
        lines.pop()  # the empty string after the final line end
        return self._lines(lines)

    def feed_data_only(self, data: bytes) -> list[str] | None:
        """The data of the events in ``data`` when it is nothing but whole one-line
        ``data: …`` events (what nearly every read of a chat stream is); otherwise ``None``,
        with nothing consumed, and the caller feeds the same bytes to ``feed``.

        Exactly what ``feed`` would dispatch for such a read (each event's type "message", its
        id and retry unchanged), without the line-by-line work and the event objects. Taken
        only when the decoder holds nothing (no BOM decision pending, no partial line, no
        half-built event, no CR to pair), so the state after it is the state before it.
        """
        if (
            self._head is not None
            or self._pending
            or self._skip_lf
            or self._data
            or self._event
            or self._retry is not None
            or not data.endswith(b"\n\n")
            or b"\r" in data
        ):
            return None
        blocks = data.decode("utf-8", "replace").split("\n\n")
        if blocks.pop():  # not "": the read ended in a run of three or more line ends
            return None
        values = []
        for block in blocks:
            if block[:6] != "data: " or "\n" in block:
                return None  # another field, a comment, a blank-line run: the general path
            values.append(block[6:])
        return values

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: an event without its terminating blank line is discarded (spec)."""
        self._pending.clear()
        self._data = []
        self._event = ""
        self._retry = None
        self._skip_lf = False
        return []

    def _lines(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if line.startswith("data: "):  # fast path for the line nearly every event is
                data.append(line[6:])
                continue
            if not line:  # blank line: dispatch
                if data:
                    events.append(
                        ServerSentEvent(
                            self._event or "message", "\n".join(data), self._id, self._retry
                        )
                    )
                    data = self._data = []
                self._event = ""
                self._retry = None
                continue
            name, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "event":
                self._event = value
            elif name == "id" and "\0" not in value:  # an id with NUL is ignored
                self._id = value
            elif (
                name == "retry"
                and value.isascii()
                and value.isdigit()  # digits only
                and len(value) <= _MAX_RETRY_DIGITS
            ):
                self._retry = int(value)
            # anything else, including comments (empty name), is ignored
        return events
