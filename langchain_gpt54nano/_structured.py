"""`with_structured_output` for ChatGPT54Nano: json_schema (default), function_calling, json_mode.

Pure runnable plumbing: the model only needs `bind` / `bind_tools`. A refusal (or a content
filter stop) raises `StructuredOutputRefusalError` before the parser sees the message;
with `include_raw=True` it lands in `parsing_error` like any parsing failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal

from langchain_core.exceptions import ModelRefusalError
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.runnables import (
    Runnable,
    RunnableGenerator,
    RunnableLambda,
    RunnableMap,
    RunnablePassthrough,
)
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

__all__ = ["StructuredOutputMethod", "StructuredOutputRefusalError", "build_structured_output"]

StructuredOutputMethod = Literal["json_schema", "function_calling", "json_mode"]


class StructuredOutputRefusalError(ModelRefusalError):
    """The model refused to produce the structured output (or a content filter stopped it)."""


def build_structured_output(
    model: BaseChatModel,
    schema: Any,
    *,
    method: StructuredOutputMethod = "json_schema",
    include_raw: bool = False,
    strict: bool | None = None,
    tools: Sequence[Any] | None = None,
) -> Runnable[LanguageModelInput, Any]:
    """The runnable `model.with_structured_output(schema, ...)` returns.

    `schema` may also be a wire `response_format` dict (`{"type": "json_schema", ...}`), sent
    as is. `tools` (json_schema only) are bound too, strict: the model may call one instead of
    answering, and `parsed` is then `None` (as in ChatOpenAI).
    """
    if method == "json_mode" and strict is not None:
        raise ValueError("strict is not supported with method='json_mode'")
    if schema is None and method != "json_mode":
        raise ValueError(f"schema is required with method={method!r}")
    if tools and method != "json_schema":
        raise ValueError(f"tools= needs method='json_schema', not {method!r}")
    if _is_wire_format(schema) and method != "json_schema":
        raise ValueError(f"a response_format dict needs method='json_schema', not {method!r}")
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    ls_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}

    if method == "function_calling":
        tool = convert_to_openai_tool(schema, strict=strict)
        name = tool["function"]["name"]
        llm = model.bind_tools(
            [tool],
            tool_choice=name,
            parallel_tool_calls=False,
            strict=strict,
            ls_structured_output_format=ls_format,
        )
        parser: Runnable[Any, Any] = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)
            if is_pydantic
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
    elif method == "json_schema":
        if _is_wire_format(schema):
            response_format = _checked_wire_format(schema, strict)
            strict = response_format["json_schema"].get("strict")
        else:
            # Strict by default: the schema is then enforced by the model, not only hoped for.
            strict = True if strict is None else strict
            response_format = to_wire_response_format(schema, strict=strict)
        if tools:
            llm = model.bind_tools(
                tools,
                strict=True if strict is None else strict,
                response_format=response_format,
                ls_structured_output_format=ls_format,
            )
        else:
            llm = model.bind(response_format=response_format, ls_structured_output_format=ls_format)
        parser = _json_parser(schema, is_pydantic)
        if tools:
            parser = _none_on_tool_call(parser)
    elif method == "json_mode":
        llm = model.bind(
            response_format={"type": "json_object"}, ls_structured_output_format=ls_format
        )
        parser = _json_parser(schema, is_pydantic)
    else:
        raise ValueError(
            f"unknown method {method!r}: use 'json_schema', 'function_calling' or 'json_mode'"
        )

    checked = RunnableGenerator(_check_refusal, _acheck_refusal) | parser
    if not include_raw:
        return llm | checked
    with_parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | checked, parsing_error=lambda _: None
    )
    without = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | with_parsed.with_fallbacks(
        [without], exception_key="parsing_error"
    )


def to_wire_response_format(schema: Any, *, strict: bool) -> dict[str, Any]:
    """A `json_schema` response_format for a pydantic class, TypedDict or JSON schema dict."""
    function = convert_to_openai_tool(schema, strict=strict)["function"]
    spec: dict[str, Any] = {
        "name": function["name"],
        "schema": function.get("parameters", {"type": "object", "properties": {}}),
        "strict": strict,
    }
    if function.get("description"):
        spec["description"] = function["description"]
    return {"type": "json_schema", "json_schema": spec}


def _is_wire_format(schema: Any) -> bool:
    return (
        isinstance(schema, Mapping)
        and schema.get("type") == "json_schema"
        and isinstance(schema.get("json_schema"), Mapping)
    )


def _checked_wire_format(schema: Mapping[str, Any], strict: bool | None) -> dict[str, Any]:
    """A wire response_format as given; `strict=` may only repeat what it says (as ChatOpenAI)."""
    spec = dict(schema["json_schema"])
    if "name" not in spec or "schema" not in spec:
        raise ValueError("a json_schema response_format needs json_schema.name and .schema")
    if strict is not None and "strict" in spec and spec["strict"] is not strict:
        raise ValueError(
            f"the response_format already says strict={spec['strict']}, but strict={strict} "
            "was passed too; give it in one place"
        )
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def _none_on_tool_call(parser: Runnable[Any, Any]) -> Runnable[Any, Any]:
    """`parser`, but `None` for a message that calls a tool instead of answering."""

    def parse(message: BaseMessage) -> Any:
        return None if getattr(message, "tool_calls", None) else parser.invoke(message)

    async def aparse(message: BaseMessage) -> Any:
        return None if getattr(message, "tool_calls", None) else await parser.ainvoke(message)

    return RunnableLambda(parse, afunc=aparse)


def _json_parser(schema: Any, is_pydantic: bool) -> Runnable[Any, Any]:
    if is_pydantic:
        return PydanticOutputParser(pydantic_object=schema)
    return JsonOutputParser()


def _refusal_error(messages: list[BaseMessage]) -> StructuredOutputRefusalError | None:
    """The error for a refused answer (streamed refusals arrive in pieces: joined here)."""
    refusal = "".join(str(m.additional_kwargs.get("refusal") or "") for m in messages)
    last = messages[-1]
    if refusal:
        return StructuredOutputRefusalError(refusal, raw_message=last)
    if any(m.response_metadata.get("finish_reason") == "content_filter" for m in messages):
        return StructuredOutputRefusalError(
            "the response was stopped by a content filter", raw_message=last
        )
    return None


def _check_refusal(messages: Iterator[BaseMessage]) -> Iterator[BaseMessage]:
    held: list[BaseMessage] = []
    for message in messages:
        if held or message.additional_kwargs.get("refusal"):
            held.append(message)  # keep the rest of the refusal for the error message
            continue
        if (error := _refusal_error([message])) is not None:
            raise error
        yield message
    if held and (error := _refusal_error(held)) is not None:
        raise error


async def _acheck_refusal(messages: AsyncIterator[BaseMessage]) -> AsyncIterator[BaseMessage]:
    held: list[BaseMessage] = []
    async for message in messages:
        if held or message.additional_kwargs.get("refusal"):
            held.append(message)
            continue
        if (error := _refusal_error([message])) is not None:
            raise error
        yield message
    if held and (error := _refusal_error(held)) is not None:
        raise error
