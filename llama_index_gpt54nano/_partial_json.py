"""Pure: parse a tool call's JSON arguments incrementally, as their fragments stream in.

LlamaIndex's ``FunctionAgent`` asks for the tool calls of the cumulative response on every
streamed chunk. Parsing the whole argument string each time (``parse_partial_json``, a Python
loop over every character) makes a stream of N fragments cost O(N^2): 10,000 fragments took
~27 s (issue 16). ``PartialJSONObject`` reads each fragment once and keeps the parse state
(open containers, the string or scalar being read), so a whole stream costs O(N).

``value()`` is what the arguments say so far: every complete member, plus the string being
read (its prefix so far). A key whose value has not arrived, or is a number or literal that may
still grow (``12`` of ``123``), maps to ``None`` (as in core's ``parse_partial_json``); such a
list item, a key still being read and an escape cut in half are left out until they complete.
Containers that are closed never change again, so successive values share them instead of
copying them: only the still-open containers (the path to the read position) are copied per
``value()``.
Anything that is not a JSON object, or is malformed, gives ``{}`` (as ``parse_tool_arguments``).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["PartialJSONObject"]

# Parser states.
_VALUE, _KEY, _COLON, _AFTER, _STRING, _SCALAR, _DONE, _FAILED = range(8)

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING_RUN = re.compile(r'[^"\\]+')
_SCALAR_RUN = re.compile(r"[-+.0-9eEa-z]+")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")


class PartialJSONObject:
    """Feed the fragments of one JSON object in order; read ``value()`` at any time."""

    __slots__ = (
        "_cached",
        "_held",
        "_is_key",
        "_key",
        "_pieces",
        "_scalar",
        "_stack",
        "_state",
        "chars_parsed",
        "root",
    )

    def __init__(self) -> None:
        # Open containers, outermost first, each with the key its next member goes under.
        self._stack: list[tuple[dict[str, Any] | list[Any], list[str | None]]] = []
        self._state = _VALUE
        self._pieces: list[str] = []  # the string being read, decoded
        self._is_key = False  # ... is an object key
        self._scalar: list[str] = []  # the number / literal being read
        self._held = ""  # an escape cut by the fragment boundary, re-read with the next one
        self._key: str | None = None
        self._cached: dict[str, Any] | None = None
        self.root: dict[str, Any] | None = None
        self.chars_parsed = 0  # characters read, for the linearity test (each read once)

    @property
    def complete(self) -> bool:
        """The object closed (and nothing malformed came)."""
        return self._state == _DONE

    @property
    def failed(self) -> bool:
        return self._state == _FAILED

    def feed(self, fragment: str) -> None:
        if not fragment or self._state == _FAILED:
            return
        self._cached = None
        text = self._held + fragment if self._held else fragment
        self._held = ""
        self.chars_parsed += len(text)
        try:
            self._feed(text)
        except (ValueError, IndexError, KeyError):  # malformed: stays {}
            self._state = _FAILED

    def value(self) -> dict[str, Any]:
        """The arguments so far (see the module docs); computed once per fragment."""
        if self._cached is not None:
            return self._cached
        if self._state == _FAILED or self.root is None:
            result: dict[str, Any] = {}
        elif self._state == _DONE:
            result = self.root
        else:
            result = self._partial()
        self._cached = result
        return result

    # --- internals -------------------------------------------------------------------------

    def _partial(self) -> dict[str, Any]:
        child: Any = _ABSENT
        if self._state == _STRING and not self._is_key:
            if len(self._pieces) > 1:
                self._pieces[:] = ["".join(self._pieces)]
            child = self._pieces[0] if self._pieces else ""
        elif self._state in (_VALUE, _SCALAR) and isinstance(self._stack[-1][0], dict):
            child = None  # a key whose value is still to come, as parse_partial_json has it
        for container, key in reversed(self._stack):
            if isinstance(container, dict):
                copy: dict[str, Any] | list[Any] = dict(container)
                if child is not _ABSENT and key[0] is not None:
                    copy[key[0]] = child
            else:
                copy = list(container)
                if child is not _ABSENT:
                    copy.append(child)
            child = copy
        return child if isinstance(child, dict) else {}

    def _feed(self, text: str) -> None:
        i, n = 0, len(text)
        while i < n:
            state = self._state
            if state == _STRING:
                i = self._read_string(text, i, n)
                continue
            if state == _SCALAR:
                match = _SCALAR_RUN.match(text, i)
                if match:
                    self._scalar.append(match.group())
                    i = match.end()
                    if i == n:
                        return  # the number may go on in the next fragment
                self._state = _AFTER
                self._add_value(json.loads("".join(self._scalar)))
                self._scalar = []
                continue
            i = _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]
            if i == n:
                return
            char = text[i]
            i += 1
            if state == _VALUE:
                if not self._stack and char != "{" and self.root is None:
                    raise ValueError("tool arguments must be a JSON object")
                if char == "{":
                    self._open({})
                    self._state = _KEY
                elif char == "[":
                    self._open([])
                    self._state = _VALUE
                elif char == '"':
                    self._start_string(is_key=False)
                elif char == "]" and self._stack and isinstance(self._stack[-1][0], list):
                    if self._stack[-1][0]:
                        raise ValueError("a comma before ']'")
                    self._close()
                elif char in "-0123456789tfn":
                    self._state = _SCALAR
                    self._scalar = [char]
                else:
                    raise ValueError(f"unexpected {char!r}")
            elif state == _KEY:
                if char == '"':
                    self._start_string(is_key=True)
                elif char == "}" and not self._stack[-1][0]:
                    self._close()
                else:
                    raise ValueError(f"unexpected {char!r} where a key belongs")
            elif state == _COLON:
                if char != ":":
                    raise ValueError("expected ':'")
                self._state = _VALUE
            elif state == _AFTER:
                container = self._stack[-1][0]
                if char == ",":
                    self._state = _KEY if isinstance(container, dict) else _VALUE
                elif char == ("}" if isinstance(container, dict) else "]"):
                    self._close()
                else:
                    raise ValueError(f"unexpected {char!r}")
            else:  # _DONE: only whitespace may follow
                raise ValueError("text after the object")

    def _read_string(self, text: str, i: int, n: int) -> int:
        match = _STRING_RUN.match(text, i)
        if match:
            self._pieces.append(match.group())
            i = match.end()
            if i == n:
                return i
        if text[i] == '"':
            value = "".join(self._pieces)
            self._pieces = []
            if self._is_key:
                self._stack[-1][1][0] = value
                self._state = _COLON
            else:
                self._state = _AFTER
                self._add_value(value)
            return i + 1
        # A backslash: decode one escape, or hold it back until the rest arrives.
        if i + 1 >= n:
            self._held = text[i:]
            return n
        kind = text[i + 1]
        if kind != "u":
            self._pieces.append(_ESCAPES[kind])  # KeyError -> malformed (see feed)
            return i + 2
        if i + 6 > n:
            self._held = text[i:]
            return n
        code = _hex4(text, i + 2)
        if 0xD800 <= code < 0xDC00:  # a high surrogate: JSON pairs it with the next escape
            if i + 12 > n and "\\u".startswith(text[i + 6 : i + 8]):
                self._held = text[i:]  # the pair may be cut: wait for the rest
                return n
            if text.startswith("\\u", i + 6):
                low = _hex4(text, i + 8)
                if 0xDC00 <= low < 0xE000:
                    self._pieces.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                    return i + 12
        self._pieces.append(chr(code))
        return i + 6

    def _start_string(self, *, is_key: bool) -> None:
        self._state = _STRING
        self._is_key = is_key
        self._pieces = []

    def _open(self, container: dict[str, Any] | list[Any]) -> None:
        # Added to its parent when it closes: a parent holds closed (final) members only, so
        # value() may share them and copy just the open path.
        if not self._stack:
            self.root = container  # type: ignore[assignment,unused-ignore]  # "{" checked first
        self._stack.append((container, [None]))

    def _close(self) -> None:
        container, _ = self._stack.pop()
        if self._stack:
            self._state = _AFTER
            self._add_value(container)
        else:
            self._state = _DONE

    def _add_value(self, value: Any) -> None:
        container, key = self._stack[-1]
        if isinstance(container, dict):
            assert key[0] is not None
            container[key[0]] = value
            key[0] = None
        else:
            container.append(value)


class _Absent:
    pass


_ABSENT = _Absent()


def _hex4(text: str, start: int) -> int:
    if not _HEX4.fullmatch(text, start, start + 4):
        raise ValueError("a bad \\u escape")
    return int(text[start : start + 4], 16)
