"""The Responses API route of ``GPT54Nano``: when it is taken, and the thin sync/async shells.

GPT-5.4 refuses function tools with a reasoning effort other than ``"none"`` on Chat
Completions (400). On ``/v1/responses`` the same call works, and the reasoning goes further:
its summary shows (``ThinkingBlock``) and its encrypted content comes back on the next turn, so
an agent keeps its chain of thought across tool calls. Hence the default route
(``use_responses_api=None``): a call with tools and an effort other than ``"none"`` goes to the
Responses API (unless ``tools_with_reasoning="drop_effort"`` asks for Chat Completions without
the effort), every other call to Chat Completions. ``True`` sends every call there, ``False``
none (then ``tools_with_reasoning`` decides what a tools + effort call does).

Conversions are pure (``_responses``); what is here only picks the route, calls the transport
(``client.responses``) and feeds the stream assembler.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
)
from llama_index.core.bridge.pydantic import Field

from gpt54nano_gateway.options import GatewayOptions
from gpt54nano_gateway.responses_wire import ResponsesRequest
from gpt54nano_gateway.wire import ChatRequest

from ._responses import (
    SHARED_PARAMETERS,
    TRANSLATED_PARAMETERS,
    ResponsesStreamAssembler,
    from_responses_output,
    to_responses_body,
)
from ._structured_llm import StructuredOutputLLM

if TYPE_CHECKING:
    from gpt54nano_gateway.client import AsyncGatewayClient, GatewayClient

__all__ = ["ResponsesLLM", "wants_responses"]

#: Chat Completions parameters with no Responses equivalent: refused there, never dropped.
CHAT_ONLY = (
    frozenset(ChatRequest.model_fields)
    - SHARED_PARAMETERS
    - TRANSLATED_PARAMETERS
    - {"messages", "model", "stream", "stream_options"}
)
_CALL_PARAMETERS = SHARED_PARAMETERS | TRANSLATED_PARAMETERS | CHAT_ONLY | {"model"}


def wants_responses(use_responses_api: bool | None, effort: Any, tools: Any) -> bool:
    """The route of one call: ``use_responses_api`` if set, else Responses exactly when the
    call has tools and a reasoning effort other than ``"none"`` (Chat Completions refuses it)."""
    if use_responses_api is not None:
        return use_responses_api
    return bool(tools) and effort not in (None, "none")


class ResponsesLLM(StructuredOutputLLM):
    """The Responses-API half of ``GPT54Nano`` (fields and shells; see the module docs)."""

    use_responses_api: bool | None = Field(
        default=None,
        description="None: the Responses API for calls with tools and a reasoning effort "
        "(Chat Completions refuses those), Chat Completions otherwise. True: every call on the "
        "Responses API; False: never.",
    )
    reasoning_summary: Literal["auto", "concise", "detailed"] | None = Field(
        default="auto",
        description="Responses API: reasoning.summary sent with an effort other than 'none' "
        "(the summary becomes a ThinkingBlock); None = not asked for.",
    )

    # Provided by GPT54Nano (base.py).
    def _get_client(self) -> GatewayClient:
        raise NotImplementedError

    def _get_aclient(self) -> AsyncGatewayClient:
        raise NotImplementedError

    def _responses_defaults(self) -> tuple[dict[str, Any], GatewayOptions | None]:
        """The per-instance settings (``model`` and the fields, then ``additional_kwargs``) and
        the gateway options."""
        raise NotImplementedError

    # --- route -----------------------------------------------------------------------------

    def _on_responses(self, kwargs: Mapping[str, Any]) -> bool:
        use = self.use_responses_api
        if use or not kwargs.get("tools"):  # the common call decides in one step
            return bool(use)
        # "drop_effort" is a choice of Chat Completions (as in LangChain); "responses" asks for
        # this route even when use_responses_api=False.
        policy = kwargs.get("tools_with_reasoning", getattr(self, "tools_with_reasoning", None))
        if policy == "drop_effort" or (use is False and policy != "responses"):
            return False
        effort = kwargs.get("reasoning_effort")
        if effort is None:
            settings, _ = self._responses_defaults()
            effort = settings.get("reasoning_effort")
        return wants_responses(None, effort, kwargs.get("tools"))

    def _responses_request(
        self, messages: Sequence[ChatMessage], kwargs: Mapping[str, Any]
    ) -> tuple[ResponsesRequest, GatewayOptions | None]:
        """The validated request: bad input fails here, before anything is sent."""
        settings, options = self._responses_defaults()
        settings = dict(settings)
        settings.update({k: v for k, v in kwargs.items() if k in _CALL_PARAMETERS})
        model = str(settings.pop("model"))
        body = to_responses_body(
            messages,
            model=model,
            settings=settings,
            reasoning_summary=self.reasoning_summary,
            chat_only=CHAT_ONLY,
        )
        if extra_body := kwargs.get("extra_body"):
            body.update(extra_body)
        if (call_options := kwargs.get("gateway_options")) is not None:
            if isinstance(call_options, Mapping):
                call_options = GatewayOptions.model_validate(call_options)
            options = options.merged(call_options) if options is not None else call_options
        return ResponsesRequest.model_validate(body), options

    # --- shells ----------------------------------------------------------------------------

    def _responses_chat(self, messages: Sequence[ChatMessage], kwargs: Any) -> ChatResponse:
        request, options = self._responses_request(messages, kwargs)
        return from_responses_output(self._get_client().responses.create(request, options=options))

    async def _responses_achat(self, messages: Sequence[ChatMessage], kwargs: Any) -> ChatResponse:
        request, options = self._responses_request(messages, kwargs)
        response = await self._get_aclient().responses.create(request, options=options)
        return from_responses_output(response)

    def _responses_stream_chat(
        self, messages: Sequence[ChatMessage], kwargs: Any
    ) -> ChatResponseGen:
        request, options = self._responses_request(messages, kwargs)  # fails now, not on next()
        client = self._get_client()

        def gen() -> Generator[ChatResponse, None, None]:
            with client.responses.stream(request, options=options) as stream:
                assembler = ResponsesStreamAssembler(stream.meta)
                for event in stream:
                    if (response := assembler.feed(event)) is not None:
                        yield response
                if not _closed(assembler):
                    yield assembler.final(stream.response())

        return gen()

    def _responses_astream_chat(
        self, messages: Sequence[ChatMessage], kwargs: Any
    ) -> ChatResponseAsyncGen:
        request, options = self._responses_request(messages, kwargs)
        client = self._get_aclient()

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            async with client.responses.stream(request, options=options) as stream:
                assembler = ResponsesStreamAssembler(stream.meta)
                async for event in stream:
                    if (response := assembler.feed(event)) is not None:
                        yield response
                if not _closed(assembler):
                    yield assembler.final(await stream.response())

        return gen()


def _closed(assembler: ResponsesStreamAssembler) -> bool:
    """Whether the last response yielded was the terminal one (it has a ``status``)."""
    return assembler.last is not None and "status" in assembler.last.additional_kwargs
