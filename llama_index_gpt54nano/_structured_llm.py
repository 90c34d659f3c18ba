"""The native structured-output path (``response_format: json_schema``) for LlamaIndex.

LlamaIndex's default, for a function-calling LLM, is ``FunctionCallingProgram``: the output
class becomes a tool and the call is forced with ``tool_choice: "required"``. That works here
too (``structured_output_mode="function_calling"``), but the default is ``"json_schema"``
because GPT-5.4 supports OpenAI Structured Outputs (see ``_structured``): decoding is held to
the schema, the request carries no fake tool, and streaming keeps the constraint.

In ``"function_calling"`` mode the streamed paths build their program with
``tool_choice="required"``: core's own streaming program drops ``tool_required`` and sends
``"auto"``, so a model may answer in prose and the stream yields empty objects.

Both paths are taken only with ``pydantic_program_mode == DEFAULT``; any other program mode is
the caller's explicit choice and goes to core unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any, Literal, TypeVar, cast

from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from llama_index.core.bridge.pydantic import BaseModel, Field
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.program.function_program import FunctionCallingProgram
from llama_index.core.program.streaming_utils import process_streaming_content_incremental
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import PydanticProgramMode

from ._structured import parse_structured, to_response_format

__all__ = ["StructuredOutputLLM"]

dispatcher = get_dispatcher(__name__)

Model = TypeVar("Model", bound=BaseModel)

# Tool-program knobs that make no sense with a response_format (and would fail validation).
_TOOL_KWARGS = ("tool_choice", "tool_required", "allow_parallel_tool_calls", "tools")


class StructuredOutputLLM(FunctionCallingLLM):
    """A ``FunctionCallingLLM`` whose structured predictions may use ``response_format``."""

    structured_output_mode: Literal["json_schema", "function_calling"] = Field(
        default="json_schema",
        description=(
            "With pydantic_program_mode DEFAULT: 'json_schema' sends response_format json_schema "
            "(native Structured Outputs, strict); 'function_calling' uses LlamaIndex's "
            "FunctionCallingProgram (a forced tool call)."
        ),
    )

    def _uses_json_schema(self) -> bool:
        return (
            self.pydantic_program_mode == PydanticProgramMode.DEFAULT
            and self.structured_output_mode == "json_schema"
        )

    def _schema_call(
        self,
        output_cls: type[BaseModel],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None,
        prompt_args: dict[str, Any],
    ) -> tuple[list[ChatMessage], dict[str, Any]]:
        messages = self._extend_messages(prompt.format_messages(llm=self, **prompt_args))
        kwargs = {k: v for k, v in (llm_kwargs or {}).items() if k not in _TOOL_KWARGS}
        kwargs["response_format"] = to_response_format(output_cls)
        return messages, kwargs

    @dispatcher.span
    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        if not self._uses_json_schema():
            return cast(
                Model, super().structured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
            )
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        messages, kwargs = self._schema_call(output_cls, prompt, llm_kwargs, prompt_args)
        result: Model = _parse(output_cls, self.chat(messages, **kwargs))
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    @dispatcher.span
    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        if not self._uses_json_schema():
            core = await super().astructured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
            return cast(Model, core)
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        messages, kwargs = self._schema_call(output_cls, prompt, llm_kwargs, prompt_args)
        parsed: Model = _parse(output_cls, await self.achat(messages, **kwargs))
        dispatcher.event(LLMStructuredPredictEndEvent(output=parsed))
        return parsed

    def _forced_tool_program(
        self, output_cls: type[BaseModel], prompt: PromptTemplate
    ) -> FunctionCallingProgram[Any]:
        # Core's streaming program drops tool_required, so its request says tool_choice "auto"
        # and a model may answer in prose; an explicit tool_choice="required" survives.
        return FunctionCallingProgram.from_defaults(
            output_cls=output_cls, prompt=prompt, llm=self, tool_choice="required"
        )

    def _structured_stream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Any, None, None]:
        # Core's stream_structured_predict emits the structured-predict events around this.
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            return super()._structured_stream_call(output_cls, prompt, llm_kwargs, **prompt_args)
        if not self._uses_json_schema():
            program = self._forced_tool_program(output_cls, prompt)
            return program.stream_call(llm_kwargs=llm_kwargs, **prompt_args)
        messages, kwargs = self._schema_call(output_cls, prompt, llm_kwargs, prompt_args)
        responses = self.stream_chat(messages, **kwargs)

        def gen() -> Generator[Any, None, None]:
            current = None
            for response in responses:
                current = process_streaming_content_incremental(response, output_cls, current)
                yield current

        return gen()

    async def _structured_astream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Any, None]:
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            return await super()._structured_astream_call(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
        if not self._uses_json_schema():
            program = self._forced_tool_program(output_cls, prompt)
            return await program.astream_call(llm_kwargs=llm_kwargs, **prompt_args)
        messages, kwargs = self._schema_call(output_cls, prompt, llm_kwargs, prompt_args)
        responses = await self.astream_chat(messages, **kwargs)

        async def gen() -> AsyncGenerator[Any, None]:
            current = None
            async for response in responses:
                current = process_streaming_content_incremental(response, output_cls, current)
                yield current

        return gen()


def _parse(output_cls: type[Model], response: ChatResponse) -> Model:
    refusal = response.message.additional_kwargs.get("refusal")
    if refusal and not response.message.content:
        raise ValueError(f"the model refused to produce a {output_cls.__name__}: {refusal}")
    return parse_structured(output_cls, response.message.content)
