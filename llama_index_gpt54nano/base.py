"""``GPT54Nano``: Cloudflare's ``openai/gpt-5.4-nano`` as a LlamaIndex ``FunctionCallingLLM``.

This class holds no HTTP code: requests go through the shared transport
(``gpt54nano_gateway.GatewayClient`` / ``AsyncGatewayClient``), which owns URLs, auth, retries,
timeouts, the GPT-5 parameter rules and SSE. Conversions are pure functions in ``_convert``,
``_tools``, ``_stream`` and ``_structured``; the methods here are thin mirrored sync/async shells.

Contracts LlamaIndex's agents rely on, and where they are met:

- streamed responses carry the full text so far in ``message.content``, the new text in
  ``delta`` and every tool call so far (``_stream.ChatResponseAssembler``);
- ``get_tool_calls_from_response(..., error_on_no_tool_call=False)`` returns ``[]`` and copes
  with half-streamed JSON arguments (``_tools``);
- ``_prepare_chat_with_tools`` declares ``tool_required`` and accepts ``tool_choice`` / ``strict``
  (core inspects the signature, and ``FunctionCallingProgram`` passes both);
- every public endpoint sits under ``llm_chat_callback`` / ``llm_completion_callback``, so the
  instrumentation events fire; completions are chat calls on the private ``_chat*`` methods so
  that a ``complete`` emits completion events only.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr, SecretStr
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.llm import ToolSelection

from gpt54nano_gateway.adapter_config import (
    CONNECTION_FIELDS,
    refuse_unknown_arguments,
    resolve_config,
)
from gpt54nano_gateway.catalog import CONTEXT_WINDOW, DEFAULT_MODEL, MAX_OUTPUT_TOKENS
from gpt54nano_gateway.config import GatewayConfig, refuse_pickle
from gpt54nano_gateway.errors import EmptyResponseError
from gpt54nano_gateway.model_rules import ToolsWithReasoning, apply_model_rules
from gpt54nano_gateway.options import GatewayOptions
from gpt54nano_gateway.wire import ChatRequest

from . import _tokens
from ._convert import from_wire_completion, to_wire_messages
from ._stream import ChatResponseAssembler
from ._structured_llm import StructuredOutputLLM
from ._tokens import O200kTokenizer
from ._tools import to_wire_tool, to_wire_tool_choice, tool_selections_from_message

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

    from gpt54nano_gateway.client import AsyncGatewayClient, GatewayClient

__all__ = ["GPT54Nano"]


def _known_arguments(cls: type[GPT54Nano]) -> set[str]:
    """The constructor's keyword arguments: the fields, their aliases, and the two clients."""
    names = {"client", "async_client"}
    for name, info in cls.model_fields.items():
        names.add(name)
        if info.alias:
            names.add(info.alias)
    return names


# Per-call keyword arguments that may reach the wire: the request's own fields. Anything else
# LlamaIndex passes around (verbose, error_on_no_tool_call...) is not a request parameter.
_REQUEST_FIELDS = frozenset(ChatRequest.model_fields) - {"messages", "stream", "stream_options"}


class GPT54Nano(StructuredOutputLLM):
    """Cloudflare's ``openai/gpt-5.4-nano`` (Workers AI REST or AI Gateway), for LlamaIndex.

    Credentials come from the fields, or from a ready ``config``, or from the environment
    (``CLOUDFLARE_ACCOUNT_ID`` / ``CLOUDFLARE_API_TOKEN``, read by ``GatewayConfig.from_env``).
    Pass ``client=`` / ``async_client=`` to share transport clients with another adapter.

    Example::

        llm = GPT54Nano(account_id="...", api_key="...")
        print(llm.complete("Say hi").text)
    """

    model: str = Field(default=DEFAULT_MODEL, description="Model id, as Cloudflare names it.")
    api_key: SecretStr | None = Field(
        default=None, exclude=True, description="Cloudflare API token (never serialised)."
    )
    account_id: str | None = Field(default=None, description="Cloudflare account id.")
    gateway_id: str | None = Field(default=None, description="AI Gateway id (optional).")
    base_url: str | None = Field(default=None, description="API root, without the account path.")
    endpoint: Literal["rest", "gateway"] = Field(
        default="rest", description="'rest' (api.cloudflare.com) or 'gateway' (compat URL)."
    )
    temperature: float | None = Field(
        default=None,
        ge=0,
        le=2,
        description="None = not sent. GPT-5.x accepts it only with reasoning_effort='none'.",
    )
    max_tokens: int | None = Field(
        default=None, gt=0, description="Output cap; sent as max_completion_tokens."
    )
    reasoning_effort: Literal["none", "low", "medium", "high", "xhigh"] | None = Field(
        default=None, description="GPT-5.4's efforts ('minimal' is refused upstream)."
    )
    tools_with_reasoning: ToolsWithReasoning = Field(
        default="error",
        description="Function tools with an effort other than 'none' (GPT-5.4 Chat Completions "
        "refuses them): 'error' (typed error before sending) or 'drop_effort' (warn, send "
        "without the effort). Also accepted per call.",
    )
    timeout: float | None = Field(
        default=None,
        gt=0,
        description="Connect, read and stream-idle timeout in seconds (transport defaults: None).",
    )
    max_retries: int = Field(default=2, ge=0, le=10, description="Client-side retries.")
    gateway_options: GatewayOptions | None = Field(
        default=None,
        description="cf-aig-* options (cache, metadata, ...); per call: gateway_options=.",
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra request body parameters, sent on every call."
    )
    strict: bool = Field(default=False, description="OpenAI strict mode for tool schemas.")
    context_window: int = Field(
        default=CONTEXT_WINDOW, gt=0, description="Cloudflare's catalog value."
    )
    num_output: int = Field(
        default=MAX_OUTPUT_TOKENS, gt=0, description="Cloudflare's catalog value."
    )
    config: GatewayConfig | None = Field(
        default=None, exclude=True, description="A ready transport config (fields override it)."
    )

    _client: GatewayClient | None = PrivateAttr(default=None)
    _aclient: AsyncGatewayClient | None = PrivateAttr(default=None)
    _resolved_config: GatewayConfig | None = PrivateAttr(default=None)

    def __init__(
        self,
        *,
        client: GatewayClient | None = None,
        async_client: AsyncGatewayClient | None = None,
        **kwargs: Any,
    ) -> None:
        # Before pydantic sees them: an unknown (misspelt) argument is refused with its close
        # matches, never sent as a body parameter (extra parameters go in additional_kwargs).
        refuse_unknown_arguments(kwargs, _known_arguments(type(self)), owner="GPT54Nano")
        shared = client or async_client
        if shared is not None and kwargs.get("config") is None:
            kwargs["config"] = shared.config
        super().__init__(**kwargs)
        self._client = client
        self._aclient = async_client
        # At construction, as in the LangChain adapter: missing credentials fail here, naming
        # the environment variables (rules: ``gpt54nano_gateway.adapter_config``).
        explicit = {
            name: getattr(self, name) for name in CONNECTION_FIELDS if name in self.model_fields_set
        }
        resolved = resolve_config(
            config=self.config,
            explicit=explicit,
            model=self.model if "model" in self.model_fields_set else None,
            options=self.gateway_options,
        )
        self._resolved_config = resolved
        self.model = resolved.model

    @classmethod
    def class_name(cls) -> str:
        return "GPT54Nano"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window,
            num_output=self.max_tokens or self.num_output,
            is_chat_model=True,
            is_function_calling_model=True,
            model_name=self.model,
            system_role=MessageRole.SYSTEM,
        )

    @property
    def tokenizer(self) -> O200kTokenizer:
        """This model's tokenizer (o200k_base, offline; extra `tokens`): pass it as
        `Settings.tokenizer` or a memory's `tokenizer_fn` so budgets count this model's tokens."""
        return _tokens.TOKENIZER

    def count_message_tokens(
        self, messages: Sequence[ChatMessage], tools: Sequence[BaseTool] | None = None
    ) -> int:
        """Prompt tokens of `messages` and `tools`, as OpenAI counts them (offline)."""
        return _tokens.count_messages(messages, tools)

    def __getstate__(self) -> NoReturn:
        refuse_pickle(type(self).__name__)

    # --- transport -----------------------------------------------------------------------

    @property
    def gateway_config(self) -> GatewayConfig:
        """The transport config: ``config`` (or the environment) with the explicit fields on top."""
        assert self._resolved_config is not None  # set by __init__
        return self._resolved_config

    def _get_client(self) -> GatewayClient:
        # Read through __pydantic_private__: pydantic's private-attribute __getattr__ costs
        # ~5 µs per access, a measurable share of the per-request budget (benchmarks/).
        private = self.__pydantic_private__ or {}
        client = private.get("_client")
        if client is None:
            from gpt54nano_gateway.client import GatewayClient

            client = self._client = GatewayClient(self.gateway_config)
        return client

    def _get_aclient(self) -> AsyncGatewayClient:
        private = self.__pydantic_private__ or {}
        aclient = private.get("_aclient")
        if aclient is None:
            from gpt54nano_gateway.client import AsyncGatewayClient

            aclient = self._aclient = AsyncGatewayClient(self.gateway_config)
        return aclient

    def _build_request(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
    ) -> tuple[ChatRequest, GatewayOptions | None]:
        """The validated request and per-call gateway options: bad input fails here, before
        anything is sent. The transport applies the GPT-5 rules (temperature, max_tokens)."""
        body: dict[str, Any] = {"messages": to_wire_messages(messages), "model": self.model}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.reasoning_effort is not None:
            body["reasoning_effort"] = self.reasoning_effort
        body.update(self.additional_kwargs)
        for key, value in kwargs.items():
            if key in _REQUEST_FIELDS and value is not None:
                body[key] = value
        if extra_body := kwargs.get("extra_body"):
            body.update(extra_body)
        options = self.gateway_options
        if (call_options := kwargs.get("gateway_options")) is not None:
            if isinstance(call_options, Mapping):
                call_options = GatewayOptions.model_validate(call_options)
            options = options.merged(call_options) if options is not None else call_options
        request = ChatRequest.model_validate(body)
        policy = kwargs.get("tools_with_reasoning", self.tools_with_reasoning)
        if policy != "error":
            # The client applies the rules once more with the default policy: idempotent.
            request = apply_model_rules(request, tools_with_reasoning=policy)
        return request, options

    # --- chat ------------------------------------------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return self._chat(messages, **kwargs)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return await self._achat(messages, **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        return self._stream_chat(messages, **kwargs)

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        # A coroutine returning an async generator (not an async generator function): the
        # callback decorator dispatches on iscoroutinefunction.
        return self._astream_chat(messages, **kwargs)

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        request, options = self._build_request(messages, kwargs)
        completion = self._get_client().create(request, options=options)
        if not completion.choices:
            raise EmptyResponseError.of(completion, streamed=False)
        return from_wire_completion(completion)

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        request, options = self._build_request(messages, kwargs)
        completion = await self._get_aclient().create(request, options=options)
        if not completion.choices:
            raise EmptyResponseError.of(completion, streamed=False)
        return from_wire_completion(completion)

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        request, options = self._build_request(messages, kwargs)  # fails now, not on next()
        client = self._get_client()

        def gen() -> Generator[ChatResponse, None, None]:
            with client.stream(request, options=options) as stream:
                assembler = ChatResponseAssembler(stream.meta)
                for chunk in stream:
                    if (response := assembler.feed(chunk, stream.accumulator)) is not None:
                        yield response
                if not (snapshot := stream.snapshot()).choices:
                    raise EmptyResponseError.of(snapshot, streamed=True)
                if assembler.last is None:
                    yield assembler.final(stream.accumulator)

        return gen()

    def _astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        request, options = self._build_request(messages, kwargs)
        client = self._get_aclient()

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            async with client.stream(request, options=options) as stream:
                assembler = ChatResponseAssembler(stream.meta)
                async for chunk in stream:
                    if (response := assembler.feed(chunk, stream.accumulator)) is not None:
                        yield response
                if not (snapshot := stream.snapshot()).choices:
                    raise EmptyResponseError.of(snapshot, streamed=True)
                if assembler.last is None:
                    yield assembler.final(stream.accumulator)

        return gen()

    # --- complete (a one-message chat) -----------------------------------------------------

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return chat_to_completion_decorator(self._chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        return await achat_to_completion_decorator(self._achat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        return stream_chat_to_completion_decorator(self._stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        async def astream_chat(messages: Sequence[ChatMessage], **kw: Any) -> ChatResponseAsyncGen:
            return self._astream_chat(messages, **kw)

        return await astream_chat_to_completion_decorator(astream_chat)(prompt, **kwargs)

    # --- tools -----------------------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The ``chat`` keyword arguments for a call with ``tools``.

        ``tool_required`` is an explicit parameter on purpose: core inspects this signature and
        silently drops ``tool_required`` (structured output then sends ``"auto"``) without it.
        """
        use_strict = self.strict if strict is None else strict
        wire_tools = [to_wire_tool(tool, strict=use_strict) for tool in tools]
        messages = list(chat_history or [])
        if user_msg is not None:
            if isinstance(user_msg, str):
                user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
            messages.append(user_msg)
        prepared: dict[str, Any] = {"messages": messages, **kwargs}
        if wire_tools:
            names = [spec["function"]["name"] for spec in wire_tools]
            prepared["tools"] = wire_tools
            prepared["tool_choice"] = to_wire_tool_choice(
                tool_choice, tool_required=tool_required, tool_names=names
            )
            prepared["parallel_tool_calls"] = allow_parallel_tool_calls
        return prepared

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep one tool call when parallel calls were not allowed (as the OpenAI class does)."""
        if not allow_parallel_tool_calls:
            message = response.message
            calls = [block for block in message.blocks if isinstance(block, ToolCallBlock)]
            if len(calls) > 1:
                message.blocks = [
                    block
                    for block in message.blocks
                    if not isinstance(block, ToolCallBlock) or block is calls[0]
                ]
                legacy = message.additional_kwargs.get("tool_calls")
                if isinstance(legacy, list):
                    message.additional_kwargs["tool_calls"] = legacy[:1]
        return response

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        **kwargs: Any,
    ) -> list[ToolSelection]:
        """The tool calls in ``response`` (``[]`` when there are none and
        ``error_on_no_tool_call`` is False, as agents ask on every streamed chunk)."""
        selections = tool_selections_from_message(response.message)
        if not selections and error_on_no_tool_call:
            raise ValueError("Expected at least one tool call, but got 0 tool calls.")
        return selections
