"""Assemble streamed ``ChatCompletionChunk``s into a ``ChatCompletion`` (sans-I/O, sync + async).

Rules, in the order the upstream sends things:

- ``id``/``model``/``created``/``system_fingerprint``/``service_tier`` come from the first chunk
  that carries a non-empty value; ``usage`` from the last chunk that has one (OpenAI sends it in a
  final chunk with ``choices: []`` when ``stream_options.include_usage`` is set).
- Every choice index gets its own state (``n > 1``); ``text`` is choice 0's content.
- Text, refusal and reasoning fragments are kept as lists of pieces and joined only when read,
  so assembly stays linear however many deltas arrive.
- Tool calls are keyed by their ``index`` alone. ``id``, ``type`` and ``name`` keep the first
  non-empty value seen for that index (OpenAI sends them once, on the first fragment); the
  ``arguments`` fragments are concatenated. A later fragment with the same index but a different
  id is treated as part of the same call: servers that reuse index 0 for several calls
  (some Gemini proxies) are not supported, and a new call needs a new index.
- A tool call whose id never arrived gets ``id=""``; the caller decides what to do with it.
"""

from __future__ import annotations

from typing import Any

from .wire import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    FunctionCall,
    ResponseMessage,
    ToolCall,
    Usage,
)

__all__ = ["StreamAccumulator"]

_HEADER_FIELDS = ("id", "model", "created", "system_fingerprint", "service_tier")


class _ToolCallState:
    __slots__ = ("arguments", "id", "name")

    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.arguments: list[str] = []


class _ChoiceState:
    __slots__ = (
        "content",
        "finish_reason",
        "index",
        "logprobs",
        "reasoning",
        "refusal",
        "role",
        "tool_calls",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.role = ""
        self.content: list[str] = []
        self.refusal: list[str] = []
        self.reasoning: list[str] = []
        self.tool_calls: dict[int, _ToolCallState] = {}
        self.finish_reason: str | None = None
        self.logprobs: dict[str, Any] | None = None


def _joined(pieces: list[str]) -> str | None:
    """``None`` when nothing arrived; otherwise the text, collapsed so a re-read is cheap."""
    if not pieces:
        return None
    if len(pieces) > 1:
        pieces[:] = ["".join(pieces)]
    return pieces[0]


class StreamAccumulator:
    """Feed every chunk of one stream; read ``snapshot()`` / ``text`` at any time."""

    def __init__(self) -> None:
        self._choices: dict[int, _ChoiceState] = {}
        self._header: dict[str, Any] = {}
        self._missing: tuple[str, ...] = _HEADER_FIELDS
        self.usage: Usage | None = None
        self.finished = False  # a finish_reason was seen (on any choice)
        self.chunks_seen = 0

    def feed(self, chunk: ChatCompletionChunk) -> None:
        """Fold one chunk into the state."""
        self.chunks_seen += 1
        if self._missing:  # header fields not seen yet (some never come: probe only those)
            self._probe_header(chunk)
        if chunk.gatewayMetadata is not None and "gatewayMetadata" not in self._header:
            self._header["gatewayMetadata"] = chunk.gatewayMetadata  # Cloudflare's keySource
        if chunk.usage is not None:
            self.usage = chunk.usage
        for choice in chunk.choices:
            state = self._choices.get(choice.index)
            if state is None:
                state = self._choices[choice.index] = _ChoiceState(choice.index)
            delta = choice.delta
            if delta.content is not None:  # "" counts: a text answer may be empty
                state.content.append(delta.content)
            if delta.role and not state.role:
                state.role = delta.role
            if delta.refusal:
                state.refusal.append(delta.refusal)
            if delta.reasoning_content:
                state.reasoning.append(delta.reasoning_content)
            if delta.tool_calls:
                for fragment in delta.tool_calls:
                    call = state.tool_calls.get(fragment.index)
                    if call is None:
                        call = state.tool_calls[fragment.index] = _ToolCallState()
                    if fragment.id and not call.id:
                        call.id = fragment.id
                    function = fragment.function
                    if function is not None:
                        if function.name and not call.name:
                            call.name = function.name
                        if function.arguments:
                            call.arguments.append(function.arguments)
            if choice.logprobs:
                _merge_logprobs(state, choice.logprobs)
            if choice.finish_reason:
                state.finish_reason = choice.finish_reason
                self.finished = True

    def _probe_header(self, chunk: ChatCompletionChunk) -> None:
        found = False
        for name in self._missing:
            value = getattr(chunk, name)
            if value:  # "", 0 and None mean "not sent on this chunk"
                self._header[name] = value
                found = True
        if found:
            self._missing = tuple(name for name in self._missing if name not in self._header)

    @property
    def text(self) -> str:
        """Choice 0's content so far ("" before any)."""
        state = self._choices.get(0)
        return (_joined(state.content) or "") if state is not None else ""

    def snapshot(self) -> ChatCompletion:
        """What arrived so far, as a wire ``ChatCompletion`` (all choices, by index)."""
        choices = [_to_choice(self._choices[i]) for i in sorted(self._choices)]
        return ChatCompletion(choices=choices, usage=self.usage, **self._header)


def _merge_logprobs(state: _ChoiceState, logprobs: dict[str, Any]) -> None:
    # Each chunk carries the token list of its own delta ({"content": [...], "refusal": ...}):
    # lists are concatenated, anything else keeps the latest value.
    # The lists in ``merged`` are our own copies, so extending them in place is safe (and linear).
    merged = state.logprobs if state.logprobs is not None else {}
    for key, value in logprobs.items():
        previous = merged.get(key)
        if isinstance(value, list):
            if isinstance(previous, list):
                previous.extend(value)
            else:
                merged[key] = list(value)
        elif value is not None or key not in merged:
            merged[key] = value
    state.logprobs = merged


def _to_choice(state: _ChoiceState) -> Choice:
    tool_calls = [
        ToolCall(
            id=call.id,
            type="function",
            function=FunctionCall(name=call.name, arguments=_joined(call.arguments) or ""),
        )
        for _, call in sorted(state.tool_calls.items())
    ]
    message = ResponseMessage(
        role=state.role or "assistant",
        content=_joined(state.content),
        refusal=_joined(state.refusal),
        tool_calls=tool_calls or None,
        reasoning_content=_joined(state.reasoning),
    )
    return Choice(
        index=state.index,
        message=message,
        finish_reason=state.finish_reason,
        logprobs=_copy_logprobs(state.logprobs),
    )


def _copy_logprobs(logprobs: dict[str, Any] | None) -> dict[str, Any] | None:
    # A snapshot must not change when later chunks extend our lists.
    if logprobs is None:
        return None
    return {key: list(v) if isinstance(v, list) else v for key, v in logprobs.items()}
