"""The per-token ``ChatGenerationChunk`` of a text delta, built without its constructors.

A streamed answer is hundreds of chunks, and most are a text delta with metadata: content (a
``str``) and ``response_metadata``, nothing else. For those, pydantic's constructors of
``AIMessageChunk`` and ``ChatGenerationChunk`` (validators, defaults, the ``set_text``
validator) cost about 9 µs per chunk, more than the rest of the adapter and most of the
transport together (issue 16). The values they produce for that shape are fixed: the field
defaults, the content, the metadata, and ``text`` read from the message. So ``text_chunk``
builds the two instances directly (``object.__new__`` and the instance slots pydantic itself
fills), with fresh mutable defaults on every call.

That relies on langchain-core's field layout, which is not a public contract. So the layout
is learned from, and then checked against, the constructors themselves, once per process on
first use (``text_chunk_builder``): template objects are built by the constructors; a fast
object for several probe inputs must equal the constructed one in every slot (``__dict__``
values with their types, ``__pydantic_fields_set__``, ``__pydantic_extra__``,
``__pydantic_private__``) and in ``model_dump()``. If anything differs, for example because a
later langchain-core adds a validator or a field with a non-trivial default, the builder is
``None`` and ``from_wire_chunk`` keeps using the constructors: slower, never different.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

__all__ = ["TextChunkBuilder", "check_layout", "text_chunk_builder"]

TextChunkBuilder = Callable[[str, dict[str, Any]], ChatGenerationChunk]

# Inputs the check builds both ways: empty, ASCII, non-ASCII and whitespace-only content;
# the metadata of a text delta and of a finishing chunk.
_PROBES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("", {"model_provider": "openai"}),
    ("Hello", {"model_provider": "openai"}),
    (" héllo € 𝄞", {"model_provider": "openai"}),
    ("\n", {"model_provider": "openai", "finish_reason": "stop", "model_name": "m"}),
)

_UNSET: Any = object()  # not checked yet (None means: checked, rejected)
_builder: TextChunkBuilder | None = _UNSET


def text_chunk_builder() -> TextChunkBuilder | None:
    """The fast builder, or ``None`` when this langchain-core's layout did not pass the check."""
    global _builder
    if _builder is _UNSET:
        _builder = check_layout(AIMessageChunk, ChatGenerationChunk)
    return _builder


def check_layout(
    message_cls: type[AIMessageChunk], generation_cls: type[ChatGenerationChunk]
) -> TextChunkBuilder | None:
    """A builder for these classes if it reproduces their constructors exactly, else ``None``."""
    try:
        builder = _make_builder(message_cls, generation_cls)
        for content, metadata in _PROBES:
            expected = generation_cls(
                message=message_cls(content=content, response_metadata=dict(metadata))
            )
            if not _same(builder(content, dict(metadata)), expected):
                return None
        first, second = builder("a", {}), builder("a", {})
        if _shares_mutable(first.message, second.message) or _shares_mutable(first, second):
            return None
    except Exception:  # any surprise in a foreign layout means: use the constructors
        return None
    return builder


def _make_builder(
    message_cls: type[AIMessageChunk], generation_cls: type[ChatGenerationChunk]
) -> TextChunkBuilder:
    template_message = message_cls(content="", response_metadata={})
    template_generation = generation_cls(message=template_message)
    message_defaults = _defaults(template_message, given=("content", "response_metadata"))
    generation_defaults = _defaults(template_generation, given=("text", "message"))
    message_set = frozenset(template_message.__pydantic_fields_set__)
    generation_set = frozenset(template_generation.__pydantic_fields_set__)
    message_extra = _slot_factory(template_message.__pydantic_extra__)
    generation_extra = _slot_factory(template_generation.__pydantic_extra__)
    if template_message.__pydantic_private__ is not None:
        raise TypeError("private attributes are not part of the known layout")
    if template_generation.__pydantic_private__ is not None:
        raise TypeError("private attributes are not part of the known layout")
    new = object.__new__
    put = object.__setattr__

    def build(content: str, response_metadata: dict[str, Any]) -> ChatGenerationChunk:
        message = new(message_cls)
        fields = message_defaults()
        fields["content"] = content
        fields["response_metadata"] = response_metadata
        put(message, "__dict__", fields)
        put(message, "__pydantic_fields_set__", set(message_set))
        put(message, "__pydantic_extra__", message_extra())
        put(message, "__pydantic_private__", None)
        generation = new(generation_cls)
        values = generation_defaults()
        values["text"] = message.text  # what `set_text` assigns for str content
        values["message"] = message
        put(generation, "__dict__", values)
        put(generation, "__pydantic_fields_set__", set(generation_set))
        put(generation, "__pydantic_extra__", generation_extra())
        put(generation, "__pydantic_private__", None)
        return generation

    return build


def _defaults(template: Any, *, given: tuple[str, ...]) -> Callable[[], dict[str, Any]]:
    """A factory of the template's ``__dict__`` minus ``given``, empty containers made fresh.

    Only immutable scalars and empty ``dict``/``list`` defaults are understood; anything else
    (a default object we cannot copy faithfully) rejects the layout."""
    fixed: dict[str, Any] = {}
    fresh_dicts: list[str] = []
    fresh_lists: list[str] = []
    for name, value in template.__dict__.items():
        if name in given:
            fixed[name] = None  # keeps the key order; set by the builder
        elif value is None or type(value) in (str, int, float, bool):
            fixed[name] = value
        elif type(value) is dict and not value:
            fresh_dicts.append(name)
            fixed[name] = None
        elif type(value) is list and not value:
            fresh_lists.append(name)
            fixed[name] = None
        else:
            raise TypeError(f"default of {name!r} is not a known kind: {type(value).__name__}")
    if any(name not in template.__dict__ for name in given):
        raise TypeError("a field the builder sets is missing from the layout")

    def make() -> dict[str, Any]:
        values = fixed.copy()
        for name in fresh_dicts:
            values[name] = {}
        for name in fresh_lists:
            values[name] = []
        return values

    return make


def _slot_factory(value: Any) -> Callable[[], Any]:
    if value is None:
        return lambda: None
    if type(value) is dict and not value:
        return dict
    raise TypeError(f"extra slot is not a known kind: {value!r}")


def _same(fast: Any, constructed: Any) -> bool:
    if type(fast) is not type(constructed):
        return False
    for slot in ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
        if getattr(fast, slot) != getattr(constructed, slot):
            return False
    if list(fast.__dict__) != list(constructed.__dict__):
        return False
    for name, value in constructed.__dict__.items():
        other = fast.__dict__[name]
        if hasattr(value, "__pydantic_fields_set__"):
            if not _same(other, value):
                return False
        elif type(other) is not type(value) or other != value:
            return False
    return bool(fast.model_dump() == constructed.model_dump())


def _shares_mutable(first: Any, second: Any) -> bool:
    return any(
        isinstance(value, dict | list) and value is second.__dict__[name]
        for name, value in first.__dict__.items()
    )
