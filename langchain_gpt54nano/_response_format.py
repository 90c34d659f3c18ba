"""`response_format=` given as a schema (on `invoke` or `bind_tools`), as ChatOpenAI takes it.

ChatOpenAI accepts a pydantic class (or a JSON schema) as `response_format` and sends it as a
strict `json_schema` format (the `openai` SDK's `parse()`), then puts the parsed object in the
message's `additional_kwargs["parsed"]` (`None` on a refusal or a tool call); a stream ends
with one more chunk that carries only that. Here the same, by
a decorator around the model's generate / stream methods, so their bodies stay as they are:
the schema becomes the wire dict before the request is built, and a class is parsed after.

`to_wire_response_format_value`, `parsed_value` and `parse_into` are pure.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import aclosing
from typing import Any, TypeVar, cast

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import ValidationError

from gpt54nano_gateway.errors import ResponseParseError

from ._structured import to_wire_response_format

__all__ = [
    "bindable_response_format",
    "parse_into",
    "parsed_value",
    "parses_response_format",
    "to_wire_response_format_value",
]

F = TypeVar("F", bound=Callable[..., Any])
_WIRE_TYPES = frozenset({"json_schema", "json_object", "text"})


def _is_pydantic_class(value: Any) -> bool:
    return isinstance(value, type) and is_basemodel_subclass(value)


def to_wire_response_format_value(value: Any) -> Any:
    """The wire form of a `response_format` argument.

    A wire dict (`type` json_schema / json_object / text) is sent as is; a pydantic class or
    TypedDict, or a JSON schema dict, becomes a strict `json_schema` format (as the SDK's
    `parse()` sends a class); `{"name", "schema"}` (a bare `json_schema` spec) is wrapped.
    Anything else is left for `ChatRequest` to refuse.
    """
    if isinstance(value, Mapping):
        if value.get("type") in _WIRE_TYPES:
            return value
        if "name" in value and "schema" in value:
            return {"type": "json_schema", "json_schema": dict(value)}
        strict = value.get("strict")
        return to_wire_response_format(value, strict=strict if isinstance(strict, bool) else True)
    if isinstance(value, type):
        return to_wire_response_format(value, strict=True)
    return value


def bindable_response_format(value: Any) -> Any:
    """What `bind_tools(response_format=...)` binds: a pydantic class stays a class (parsed at
    call time); LangChain agents' `{"type": "json_schema", "json_schema": {"schema": ...}}`
    without a name gets one from the schema (as ChatOpenAI); other forms become wire dicts."""
    if _is_pydantic_class(value):
        return value
    if isinstance(value, Mapping) and value.get("type") == "json_schema":
        spec = value.get("json_schema")
        if isinstance(spec, Mapping) and "schema" in spec and "name" not in spec:
            strict = spec.get("strict")
            return to_wire_response_format(
                spec["schema"], strict=strict if isinstance(strict, bool) else True
            )
    return to_wire_response_format_value(value)


def parse_into(result: ChatResult, schema: type[Any]) -> ChatResult:
    """Set `additional_kwargs["parsed"]` on each generation: `schema` validated from the text,
    or `None` when the model refused or called a tool (as ChatOpenAI).

    Raises:
        ResponseParseError: the text is not a `schema` (JSON mode cannot promise one when the
            format was not strict).
    """
    for generation in result.generations:
        message = generation.message
        message.additional_kwargs["parsed"] = parsed_value(
            message.text,
            refused=bool(message.additional_kwargs.get("refusal")),
            called_tool=bool(getattr(message, "tool_calls", None)),
            schema=schema,
        )
    return result


def parsed_value(text: str, *, refused: bool, called_tool: bool, schema: type[Any]) -> Any:
    """The `parsed` value for an answer: `schema` from the text, or `None` (refusal, tool
    call, no text). Raises `ResponseParseError` when the text is not a `schema`."""
    if not text or refused or called_tool:
        return None
    try:
        return schema.model_validate_json(text)
    except ValidationError as exc:
        raise ResponseParseError(
            f"the answer is not a valid {schema.__name__}: {exc.errors()[0]['msg']}", body=text
        ) from exc


class _StreamParse:
    """Collects what `parsed_value` needs from a stream's chunks (text pieces, not messages:
    adding chunk messages one by one would copy the text at every step)."""

    __slots__ = ("called_tool", "pieces", "refused", "schema")

    def __init__(self, schema: type[Any]) -> None:
        self.schema = schema
        self.pieces: list[str] = []
        self.refused = False
        self.called_tool = False

    def feed(self, chunk: ChatGenerationChunk) -> None:
        message = chunk.message
        self.pieces.append(message.text)
        self.refused = self.refused or bool(message.additional_kwargs.get("refusal"))
        self.called_tool = self.called_tool or bool(getattr(message, "tool_call_chunks", None))

    def final_chunk(self) -> ChatGenerationChunk:
        """ChatOpenAI's last streamed chunk for a parsed format: no text, only `parsed`."""
        value = parsed_value(
            "".join(self.pieces),
            refused=self.refused,
            called_tool=self.called_tool,
            schema=self.schema,
        )
        return ChatGenerationChunk(
            message=AIMessageChunk(content="", additional_kwargs={"parsed": value})
        )


def _converted(kwargs: dict[str, Any]) -> tuple[dict[str, Any], type[Any] | None]:
    value = kwargs.get("response_format")
    if value is None:
        return kwargs, None
    schema = value if _is_pydantic_class(value) else None
    return {**kwargs, "response_format": to_wire_response_format_value(value)}, schema


def parses_response_format(func: F) -> F:
    """Decorate `_generate` / `_agenerate` (convert, then parse) or `_stream` / `_astream`
    (convert, then one last chunk that carries only `parsed`, as ChatOpenAI streams it)."""
    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def agen_wrapper(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            kwargs, schema = _converted(kwargs)
            collected = _StreamParse(schema) if schema is not None else None
            async with aclosing(func(self, *args, **kwargs)) as stream:
                async for item in stream:
                    if collected is not None:
                        collected.feed(item)
                    yield item
            if collected is not None:
                yield collected.final_chunk()

        return cast("F", agen_wrapper)
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def gen_wrapper(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            kwargs, schema = _converted(kwargs)
            if schema is None:
                yield from func(self, *args, **kwargs)
                return
            collected = _StreamParse(schema)
            for item in func(self, *args, **kwargs):
                collected.feed(item)
                yield item
            yield collected.final_chunk()

        return cast("F", gen_wrapper)
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def coro_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            kwargs, schema = _converted(kwargs)
            result = await func(self, *args, **kwargs)
            return result if schema is None else parse_into(result, schema)

        return cast("F", coro_wrapper)

    @functools.wraps(func)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs, schema = _converted(kwargs)
        result = func(self, *args, **kwargs)
        return result if schema is None else parse_into(result, schema)

    return cast("F", wrapper)
