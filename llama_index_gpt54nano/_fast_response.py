"""The ``ChatResponse`` of a streamed text chunk, built without pydantic's constructors.

A streamed answer yields one ``ChatResponse(message=ChatMessage(blocks=[TextBlock]))`` per
chunk. Through the constructors that is three validations (and ``ChatMessage``'s
``legacy_additional_kwargs_image`` validator twice, as ``ChatResponse`` re-runs it on its
``message``), most of the adapter's own cost per chunk. For this one shape nothing needs
validating: the text and delta are ``str`` (the wire model validated them), ``raw`` and the
``additional_kwargs`` dicts are ``Any``, the role is the enum member. So the three instances are
made with ``object.__new__`` and given exactly what the constructors would set: the field values
in field order, fresh containers where the constructor copies or defaults one (blocks list,
``additional_kwargs`` dicts, each ``__pydantic_fields_set__``), and ``None`` for
``__pydantic_extra__`` / ``__pydantic_private__``.

The guard: that layout is llama-index-core's and pydantic's, not ours, and may change (a new
field, a new default, a validator that rewrites a value). So the first use runs ``self_check``,
which builds sample responses both ways and compares them field by field, types included
(``MessageRole.ASSISTANT`` is not ``"assistant"``), with their fields-set, extra, private and
``model_dump()``. If anything differs, ``fast_path`` turns ``False`` and every response of the
process is built by the constructors. Only the shape the check covers takes this path: text only
(no thinking, no tool calls), ``raw`` and ``delta`` given; the assembler builds every other shape
with the constructors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, TextBlock
from pydantic import BaseModel

__all__ = ["fast_path_enabled", "self_check", "text_chat_response"]

# None: the self-check has not run yet; then its verdict, for the rest of the process.
fast_path: bool | None = None

_new = object.__new__
_ASSISTANT = MessageRole.ASSISTANT


def _slot_setter(name: str) -> Callable[[Any, Any], None]:
    """The setter of one of BaseModel's slots, called directly as pydantic's own construction
    sets them (its ``__setattr__`` would validate, and refuses these names)."""
    setter: Callable[[Any, Any], None] = BaseModel.__dict__[name].__set__
    return setter


_set_dict = _slot_setter("__dict__")
_set_fields = _slot_setter("__pydantic_fields_set__")
_set_extra = _slot_setter("__pydantic_extra__")
_set_private = _slot_setter("__pydantic_private__")


def _built(text: str, delta: str, raw: Any, additional_kwargs: dict[str, Any]) -> ChatResponse:
    block = _new(TextBlock)
    _set_dict(block, {"block_type": "text", "text": text})
    _set_fields(block, {"text"})
    _set_extra(block, None)
    _set_private(block, None)
    message = _new(ChatMessage)
    _set_dict(message, {"role": _ASSISTANT, "additional_kwargs": {}, "blocks": [block]})
    _set_fields(message, {"role", "blocks"})
    _set_extra(message, None)
    _set_private(message, None)
    response = _new(ChatResponse)
    _set_dict(
        response,
        {
            "message": message,
            "raw": raw,
            "delta": delta,
            "logprobs": None,
            "additional_kwargs": additional_kwargs,
        },
    )
    _set_fields(response, {"message", "raw", "delta", "additional_kwargs"})
    _set_extra(response, None)
    _set_private(response, None)
    return response


def _constructed(
    text: str, delta: str, raw: Any, additional_kwargs: dict[str, Any]
) -> ChatResponse:
    return ChatResponse(
        message=ChatMessage(role=MessageRole.ASSISTANT, blocks=[TextBlock(text=text)]),
        delta=delta,
        raw=raw,
        additional_kwargs=additional_kwargs,
    )


def text_chat_response(
    text: str, delta: str, raw: Any, additional_kwargs: dict[str, Any]
) -> ChatResponse:
    """``ChatResponse(message=ChatMessage(role=ASSISTANT, blocks=[TextBlock(text=text)]),
    delta=delta, raw=raw, additional_kwargs=additional_kwargs)``; ``additional_kwargs`` must be
    a dict of the caller's own (the constructor would copy it, the fast path keeps it)."""
    if fast_path or (fast_path is None and fast_path_enabled()):
        return _built(text, delta, raw, additional_kwargs)
    return _constructed(text, delta, raw, additional_kwargs)


def fast_path_enabled() -> bool:
    """Whether responses are built without the constructors (the self-check, run once)."""
    global fast_path
    if fast_path is None:
        fast_path = self_check()
    return fast_path


# The additional_kwargs the assembler passes on text chunks: none, the gateway meta (first
# response), the finish reason, usage (closing responses). Values are never validated (``dict``
# is ``dict[Any, Any]``), so these shapes stand for any.
_SAMPLES: tuple[tuple[str, str, Any, dict[str, Any]], ...] = (
    ("", "", None, {}),
    ("Hello", "Hello", {"id": "chatcmpl-1"}, {}),
    ("Hello, world", ", world", object(), {"log_id": "log-1", "cache_status": "MISS"}),
    ("Hello, world", "", {"id": "chatcmpl-1"}, {"finish_reason": "stop"}),
    ("x", "", None, {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}),
)


def self_check() -> bool:
    """Whether ``_built`` makes exactly what the constructors make, on every sample shape."""
    try:
        for text, delta, raw, extra in _SAMPLES:
            built = _built(text, delta, raw, dict(extra))
            if not _same_model(built, _constructed(text, delta, raw, dict(extra))):
                return False
            if not _fresh(built, _built(text, delta, raw, dict(extra))):
                return False
    except Exception:  # a layout so different that building or dumping fails: no fast path
        return False
    return True


def _same_model(left: Any, right: Any) -> bool:
    """Two pydantic instances hold the same thing, as the constructors would have set it."""
    if type(left) is not type(right):
        return False
    if not isinstance(left, BaseModel):
        return _same_value(left, right)
    return (
        left.__pydantic_fields_set__ == right.__pydantic_fields_set__
        and left.__pydantic_extra__ == right.__pydantic_extra__
        and left.__pydantic_private__ == right.__pydantic_private__
        and list(left.__dict__) == list(right.__dict__)  # field order: repr and dumps follow it
        and all(_same_value(left.__dict__[k], right.__dict__[k]) for k in left.__dict__)
        and left.model_dump() == right.model_dump()
    )


def _same_value(left: Any, right: Any) -> bool:
    """Equal, of the same types all the way down (an enum member is not its string)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, BaseModel):
        return _same_model(left, right)
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same_value(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(map(_same_value, left, right))
    return bool(left is right or left == right)


def _fresh(first: ChatResponse, second: ChatResponse) -> bool:
    """No mutable state shared between two built responses (the constructors share none)."""
    return all(
        left is not right for left, right in zip(_mutables(first), _mutables(second), strict=True)
    )


def _mutables(response: ChatResponse) -> tuple[object, ...]:
    message = response.message
    block = message.blocks[0]
    return (
        message,
        message.blocks,
        block,
        message.additional_kwargs,
        response.additional_kwargs,
        response.__pydantic_fields_set__,
        message.__pydantic_fields_set__,
        block.__pydantic_fields_set__,
    )
