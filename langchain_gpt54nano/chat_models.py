"""ChatGPT54Nano: Cloudflare's `openai/gpt-5.4-nano` as a LangChain chat model.

All HTTP, retries, gateway headers and model rules live in the shared transport
(`gpt54nano_gateway`); this module maps LangChain calls onto it and nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Literal, NoReturn

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import (
    LangSmithParams,
    LanguageModelInput,
    ModelProfile,
)
from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.utils import get_pydantic_field_names
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr

from gpt54nano_gateway.adapter_config import (
    CONNECTION_FIELDS,
    refuse_unknown_arguments,
    resolve_config,
)
from gpt54nano_gateway.catalog import DEFAULT_MODEL
from gpt54nano_gateway.client import AsyncGatewayClient, GatewayClient
from gpt54nano_gateway.config import GatewayConfig, refuse_pickle
from gpt54nano_gateway.errors import EmptyResponseError
from gpt54nano_gateway.model_rules import ToolsWithReasoning, apply_model_rules
from gpt54nano_gateway.options import GatewayOptions
from gpt54nano_gateway.wire import ChatCompletionChunk, ChatRequest

from . import _tokens
from ._convert import (
    from_wire_chunk,
    from_wire_completion,
    meta_to_metadata,
    to_wire_messages,
    to_wire_tool,
    to_wire_tool_choice,
)
from ._profile import get_profile
from ._structured import StructuredOutputMethod, build_structured_output

__all__ = ["ChatGPT54Nano"]

# Per-call kwargs that steer the adapter or the transport and are never part of the JSON body.
_LOCAL_KWARGS = frozenset(
    {
        "stream",
        "stream_usage",
        "gateway_options",
        "tools_with_reasoning",
        "extra_body",
        # Tracing hints that core normally pops first; never let them reach the body.
        "ls_structured_output_format",
        "structured_output_format",
    }
)
# Model fields that are request parameters, sent only when set.
_PARAM_FIELDS = (
    "temperature",
    "max_tokens",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "reasoning_effort",
)


class ChatGPT54Nano(BaseChatModel):
    """Cloudflare Workers AI / AI Gateway `openai/gpt-5.4-nano` chat model.

    Speaks the OpenAI Chat Completions wire through Cloudflare with the shared
    `gpt54nano_gateway` transport (httpx + pydantic; no `openai` SDK).

    Setup:
        Install `gpt54nano[langchain]` and set `CLOUDFLARE_ACCOUNT_ID` and
        `CLOUDFLARE_API_TOKEN` (or `CF_ACCOUNT_ID` / `CF_AI_API_TOKEN`); optionally
        `CLOUDFLARE_AI_GATEWAY_ID`.

        ```bash
        pip install "gpt54nano[langchain]"
        export CLOUDFLARE_ACCOUNT_ID="your-account-id"
        export CLOUDFLARE_API_TOKEN="your-api-token"
        ```

    Key init args — completion params:
        model: Model id, `openai/gpt-5.4-nano` by default (a per-call `model=` wins).
        temperature: Not sent when `None`. GPT-5.x only accepts the default unless
            `reasoning_effort="none"`; the transport drops it otherwise, with one warning.
        max_tokens: Output token cap, sent as `max_completion_tokens`.
        reasoning_effort: `none`, `low`, `medium`, `high` or `xhigh` (GPT-5.4 refuses
            `minimal`; the transport raises before sending).
        tools_with_reasoning: What to do with function tools and a `reasoning_effort`
            other than `none`, which GPT-5.4 Chat Completions refuses: `"error"` (default,
            a `ToolsWithReasoningError` before sending) or `"drop_effort"` (send without
            the effort, one warning). Also accepted per call.
        stop, top_p, frequency_penalty, presence_penalty, seed: As in the OpenAI API.
        stream_usage: Report token usage on streams (default `True`).
        model_kwargs: Extra body parameters passed through unchanged.
        extra_body: Extra body parameters merged into the JSON body (as in `ChatOpenAI`;
            also per call, where they win).

    Key init args — client params:
        api_key: Cloudflare API token (default: from the environment).
        account_id: Cloudflare account id (default: from the environment).
        gateway_id: AI Gateway id; `endpoint` picks the URL form (`"rest"` or `"gateway"`).
        base_url: API root without the account path (for example an emulator's).
        timeout: Connect / read / stream-idle timeout in seconds.
        max_retries: Client-side retries on 429, 5xx and connection errors.
        gateway_options: `GatewayOptions` (cache, metadata, gateway retries...).
        config: A ready `GatewayConfig` (shared with the LlamaIndex adapter); the fields
            above, when given, override it.
        client / async_client: Ready `GatewayClient` / `AsyncGatewayClient` to reuse.

    Instantiate:
        ```python
        from langchain_gpt54nano import ChatGPT54Nano

        model = ChatGPT54Nano(
            model="openai/gpt-5.4-nano",
            max_tokens=1024,
            timeout=30,
            max_retries=2,
            # api_key="...", account_id="...", gateway_id="...",
        )
        ```

    Invoke:
        ```python
        messages = [
            ("system", "You are a helpful translator. Translate the user sentence to French."),
            ("human", "I love programming."),
        ]
        model.invoke(messages)
        ```

        ```python
        AIMessage(content="J'adore la programmation.", response_metadata={
            "model_name": "openai/gpt-5.4-nano", "finish_reason": "stop", ...})
        ```

    Stream:
        ```python
        for chunk in model.stream(messages):
            print(chunk.text, end="")
        ```

        ```python
        stream = model.stream(messages)
        full = next(stream)
        for chunk in stream:
            full += chunk
        full.usage_metadata
        ```

    Async:
        ```python
        await model.ainvoke(messages)

        async for chunk in model.astream(messages):
            print(chunk.text, end="")

        await model.abatch([messages], config={"max_concurrency": 4})
        ```

    Tool calling:
        ```python
        from pydantic import BaseModel, Field


        class GetWeather(BaseModel):
            '''Get the current weather in a given location'''

            location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


        class GetPopulation(BaseModel):
            '''Get the current population in a given location'''

            location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


        model_with_tools = model.bind_tools([GetWeather, GetPopulation])
        ai_msg = model_with_tools.invoke("Which city is hotter today: LA or NY?")
        ai_msg.tool_calls
        ```

        ```python
        [{"name": "GetWeather", "args": {"location": "Los Angeles, CA"}, "id": "call_1",
          "type": "tool_call"}, ...]
        ```

        `tool_choice` takes `"auto"`, `"none"`, `"any"` / `"required"` / `True`, a tool name
        or a dict; `strict=True` sends strict schemas; `parallel_tool_calls` is passed on.

    Structured output:
        ```python
        class Joke(BaseModel):
            '''Joke to tell user.'''

            setup: str = Field(description="The setup of the joke")
            punchline: str = Field(description="The punchline to the joke")


        structured_model = model.with_structured_output(Joke)  # json_schema, strict
        structured_model.invoke("Tell me a joke about cats")
        ```

        ```python
        Joke(setup="Why was the cat sitting on the computer?",
             punchline="To keep an eye on the mouse!")
        ```

        `method="function_calling"` or `"json_mode"` are also available; `include_raw=True`
        returns `{"raw", "parsed", "parsing_error"}`. A refusal raises
        `StructuredOutputRefusalError` (a `langchain_core.exceptions.ModelRefusalError`).

    JSON mode:
        ```python
        json_model = model.bind(response_format={"type": "json_object"})
        json_model.invoke("Return a JSON object with a random number under the key 'n'.")
        ```

    Image input:
        ```python
        message = {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe the weather in this image."},
                {"type": "image", "base64": image_data, "mime_type": "image/jpeg"},
            ],
        }
        model.invoke([message])
        ```

        URLs (`{"type": "image", "url": ...}`), PDFs (`{"type": "file", "base64": ...,
        "mime_type": "application/pdf", "filename": ...}`) and OpenAI-style `image_url` /
        `file` / `input_audio` parts are accepted too. An unsupported block raises
        `UnsupportedContentError` (a `ValueError`) before anything is sent.

    Token usage:
        ```python
        ai_msg = model.invoke(messages)
        ai_msg.usage_metadata
        ```

        ```python
        {"input_tokens": 28, "output_tokens": 5, "total_tokens": 33,
         "input_token_details": {"cache_read": 0}, "output_token_details": {"reasoning": 0}}
        ```

        On streams, usage arrives once, on the last chunk (`stream_usage=True`, the default).

    Response metadata:
        ```python
        ai_msg = model.invoke(messages)
        ai_msg.response_metadata
        ```

        ```python
        {"model_name": "openai/gpt-5.4-nano", "upstream_model": "gpt-5.4-nano-2026-03-17",
         "model_provider": "openai",
         "finish_reason": "stop", "id": "chatcmpl-...", "system_fingerprint": None,
         "service_tier": "default", "gateway_log_id": "01J...", "gateway_cache_status": "MISS",
         "gateway_step": "0", "gateway_ray_id": "8f..."}
        ```

    Errors:
        Transport errors reach you unchanged, as `gpt54nano_gateway` errors
        (`AuthenticationError`, `RateLimitError`, `GatewayTimeoutError`, ...).
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, extra="forbid")

    model_name: str = Field(default=DEFAULT_MODEL, alias="model")
    """Model id (Cloudflare's catalog name)."""
    api_key: SecretStr | None = Field(default=None, alias="api_token")
    """Cloudflare API token; when unset, `GatewayConfig.from_env` reads it."""
    account_id: str | None = None
    """Cloudflare account id; when unset, read from the environment."""
    gateway_id: str | None = None
    """AI Gateway id (optional on the REST endpoint, required for the gateway form)."""
    base_url: str | None = None
    """API root without the account path; defaults to Cloudflare's."""
    endpoint: Literal["rest", "gateway"] | None = None
    """URL form: `"rest"` (api.cloudflare.com, the default) or `"gateway"`."""
    temperature: float | None = None
    """Sampling temperature; not sent when `None`."""
    max_tokens: int | None = Field(default=None, alias="max_completion_tokens")
    """Maximum output tokens (sent as `max_completion_tokens`)."""
    top_p: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    stop: list[str] | str | None = Field(default=None, alias="stop_sequences")
    """Stop sequences (up to 4)."""
    seed: int | None = None
    reasoning_effort: Literal["none", "low", "medium", "high", "xhigh"] | None = None
    """GPT-5.4's efforts (`minimal` is refused upstream); not sent when `None`."""
    tools_with_reasoning: ToolsWithReasoning = "error"
    """Function tools with an effort other than `none`: `"error"` or `"drop_effort"`."""
    timeout: float | None = Field(default=None, alias="request_timeout")
    """Connect, read and stream-idle timeout in seconds (transport defaults when `None`)."""
    max_retries: int | None = None
    """Client-side retries (transport default when `None`)."""
    streaming: bool = False
    """Stream internally on `invoke` (callbacks then see every token)."""
    stream_usage: bool = True
    """Ask for usage on streams (`stream_options.include_usage`)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request body parameters, passed through unchanged."""
    extra_body: dict[str, Any] | None = None
    """Merged into the JSON body on every call (a per-call `extra_body=` wins), as ChatOpenAI
    does; never sent as an `"extra_body"` key."""
    gateway_options: GatewayOptions | None = Field(default=None, exclude=True)
    """AI Gateway options (cf-aig-* headers) for every call; `gateway_options=` per call wins."""
    config: GatewayConfig | None = Field(default=None, exclude=True)
    """A ready transport configuration; explicitly given fields above override it."""
    client: GatewayClient | None = Field(default=None, exclude=True)
    """A ready sync transport client, used as is (created lazily from `config` when unset)."""
    async_client: AsyncGatewayClient | None = Field(default=None, exclude=True)
    """A ready async transport client (created lazily from `config` when unset)."""

    _gateway_config: GatewayConfig = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        # Before pydantic sees them: an unknown (misspelt) argument is refused with its close
        # matches, never sent as a body parameter (extra parameters go in model_kwargs).
        refuse_unknown_arguments(
            kwargs, get_pydantic_field_names(type(self)), owner="ChatGPT54Nano"
        )
        super().__init__(**kwargs)
        # Not a validator: a missing credential must surface as the transport's
        # ConfigurationError, not wrapped in a pydantic ValidationError.
        self._resolve_config()

    def _resolve_config(self) -> None:
        """Build the one GatewayConfig this model uses (rules: ``gpt54nano_gateway.adapter_config``,
        shared with the LlamaIndex adapter)."""
        base = self.config or (self.client.config if self.client is not None else None)
        explicit = {
            name: getattr(self, name) for name in CONNECTION_FIELDS if name in self.model_fields_set
        }
        model = self.model_name if "model_name" in self.model_fields_set else None
        config = resolve_config(
            config=base, explicit=explicit, model=model, options=self.gateway_options
        )
        self._gateway_config = config
        # Reflect the resolved connection on the public fields, so repr, serialisation and
        # `_get_ls_params` describe what is actually used (the token stays a SecretStr).
        object.__setattr__(self, "model_name", config.model)
        object.__setattr__(self, "api_key", config.api_token)
        object.__setattr__(self, "account_id", config.account_id)
        object.__setattr__(self, "gateway_id", config.gateway_id)

    def __getstate__(self) -> NoReturn:
        refuse_pickle(type(self).__name__)

    # --- identity -----------------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "chat-gpt54nano-cloudflare"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_gpt54nano", "chat_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "CLOUDFLARE_API_TOKEN"}

    @property
    def lc_attributes(self) -> dict[str, Any]:
        # gateway_options is excluded as a pydantic object; serialise its plain-dict form.
        if self.gateway_options is None:
            return {}
        return {"gateway_options": self.gateway_options.model_dump(exclude_none=True)}

    @property
    def gateway_config(self) -> GatewayConfig:
        """The resolved transport configuration this model sends with."""
        return self._gateway_config

    def _resolve_model_profile(self) -> ModelProfile | None:
        return get_profile(self.model_name)

    @property
    def _default_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model_name}
        for field in _PARAM_FIELDS:
            if (value := getattr(self, field)) is not None:
                params[field] = value
        if self.stop:
            params["stop"] = self.stop
        return {**params, **self.model_kwargs}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, **self._default_params}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        # "cloudflare": the provider that serves and bills the call (Workers AI / AI Gateway);
        # the upstream vendor is already visible in ls_model_name ("openai/gpt-5.4-nano").
        # Read from kwargs and fields directly: core calls this on every request, and
        # `_get_invocation_params` would dump the whole model once more.
        ls_params = LangSmithParams(
            ls_provider="cloudflare",
            ls_model_name=kwargs.get("model") or self.model_name,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            ls_params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            ls_params["ls_max_tokens"] = max_tokens
        ls_stop = stop or kwargs.get("stop") or self.stop
        if ls_stop:
            ls_params["ls_stop"] = [ls_stop] if isinstance(ls_stop, str) else list(ls_stop)
        return ls_params

    # --- transport clients (lazy, cached, reused) -----------------------------------------

    def _sync_client(self) -> GatewayClient:
        if self.client is None:
            # The transport pools connections per process, so one client per model is cheap.
            object.__setattr__(self, "client", GatewayClient(self._gateway_config))
        assert self.client is not None
        return self.client

    def _async_client(self) -> AsyncGatewayClient:
        if self.async_client is None:
            object.__setattr__(self, "async_client", AsyncGatewayClient(self._gateway_config))
        assert self.async_client is not None
        return self.async_client

    # --- request building (pure) ----------------------------------------------------------

    def _build_request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool = False,
    ) -> tuple[ChatRequest, GatewayOptions | None]:
        body = {**self._default_params}
        for key, value in kwargs.items():
            if key not in _LOCAL_KWARGS:
                body[key] = value
        for extra in (self.extra_body, kwargs.get("extra_body")):
            if extra:
                body.update(extra)
        if stop is not None:
            body["stop"] = stop
        if not body.get("stop"):
            body.pop("stop", None)  # stop=[] (LangChain's "none") is not sent
        # The transport asks for usage on every stream unless told otherwise.
        if stream and not kwargs.get("stream_usage", self.stream_usage):
            body["stream_options"] = {"include_usage": False}
        body["messages"] = to_wire_messages(messages)
        options = kwargs.get("gateway_options")
        if isinstance(options, dict):
            options = GatewayOptions(**options)
        request = ChatRequest.model_validate(body)
        policy = kwargs.get("tools_with_reasoning", self.tools_with_reasoning)
        if policy != "error":
            # The client applies the rules once more with the default policy: idempotent.
            request = apply_model_rules(request, tools_with_reasoning=policy)
        return request, options

    # --- generation -----------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return generate_from_stream(
                self._stream(messages, stop=stop, run_manager=run_manager, **kwargs)
            )
        request, options = self._build_request(messages, stop, kwargs)
        completion = self._sync_client().create(request, options=options)
        if not completion.choices:  # core needs a generation (IndexError otherwise)
            raise EmptyResponseError.of(completion, streamed=False)
        return from_wire_completion(completion, model=request.model or self.model_name)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return await agenerate_from_stream(
                self._astream(messages, stop=stop, run_manager=run_manager, **kwargs)
            )
        request, options = self._build_request(messages, stop, kwargs)
        completion = await self._async_client().create(request, options=options)
        if not completion.choices:  # core needs a generation (IndexError otherwise)
            raise EmptyResponseError.of(completion, streamed=False)
        return from_wire_completion(completion, model=request.model or self.model_name)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request, options = self._build_request(messages, stop, kwargs, stream=True)
        to_chunk = _ChunkMapper(request.model or self.model_name)
        with self._sync_client().stream(request, options=options) as stream:
            to_chunk.gateway = meta_to_metadata(stream.meta)
            for wire_chunk in stream:
                chunk = to_chunk(wire_chunk)
                if run_manager is not None:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
            if not (snapshot := stream.snapshot()).choices:  # core: "No generations found"
                raise EmptyResponseError.of(snapshot, streamed=True)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request, options = self._build_request(messages, stop, kwargs, stream=True)
        to_chunk = _ChunkMapper(request.model or self.model_name)
        async with self._async_client().stream(request, options=options) as stream:
            to_chunk.gateway = meta_to_metadata(stream.meta)
            async for wire_chunk in stream:
                chunk = to_chunk(wire_chunk)
                if run_manager is not None:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
            if not (snapshot := stream.snapshot()).choices:  # core: "No generations found"
                raise EmptyResponseError.of(snapshot, streamed=True)

    # --- token counts (extra `tokens`; logic in _tokens) -----------------------------------

    def get_token_ids(self, text: str) -> list[int]:
        """The o200k_base ids of `text`, offline (`custom_get_token_ids` wins when set)."""
        if self.custom_get_token_ids is not None:
            return self.custom_get_token_ids(text)
        return _tokens.token_ids(text)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool] | None = None,
    ) -> int:
        """Prompt tokens of `messages` and `tools` as OpenAI counts them (ChatOpenAI's
        per-message accounting, tool schemas included), so `trim_messages(token_counter=llm)`
        works offline."""
        return _tokens.count_messages(messages, tools)

    # --- tools and structured output ------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (any form LangChain accepts) for the following calls.

        Args:
            tools: pydantic classes, TypedDicts, functions, `BaseTool`s or OpenAI tool dicts.
            tool_choice: `"auto"`, `"none"`, `"any"`/`"required"`/`True` (force a call), a
                bound tool's name, or a wire `tool_choice` dict.
            strict: Send strict JSON schemas (`additionalProperties: false`, all required).
            parallel_tool_calls: Allow several tool calls in one turn (sent when set).
            **kwargs: Further parameters bound with the tools.
        """
        formatted = [to_wire_tool(tool, strict=strict) for tool in tools]
        names = [tool["function"]["name"] for tool in formatted]
        wire_choice = to_wire_tool_choice(tool_choice, names)
        if wire_choice is not None:
            kwargs["tool_choice"] = wire_choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredOutputMethod = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """A runnable that returns `schema`-shaped output.

        Args:
            schema: A pydantic class, TypedDict or JSON schema (optional for `json_mode`).
            method: `"json_schema"` (default; `response_format` with the schema, strict
                unless `strict=False`), `"function_calling"` (a forced tool call) or
                `"json_mode"` (`response_format={"type": "json_object"}`; describe the
                shape in the prompt).
            include_raw: Return `{"raw", "parsed", "parsing_error"}` instead of raising on
                a parsing failure or refusal.
            strict: Strict schema adherence (`json_schema` / `function_calling` only).

        Raises:
            StructuredOutputRefusalError: The model refused (without `include_raw`).
            OutputParserException: The output does not parse (without `include_raw`).
        """
        if kwargs:
            raise ValueError(f"unsupported arguments: {', '.join(sorted(kwargs))}")
        return build_structured_output(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )


class _ChunkMapper:
    """Maps a stream's wire chunks, putting the gateway's metadata on the finishing chunk only
    (LangChain concatenates response_metadata strings when chunks are added)."""

    __slots__ = ("gateway", "model")

    def __init__(self, model: str) -> None:
        self.model = model
        self.gateway: dict[str, Any] | None = None

    def __call__(self, wire_chunk: ChatCompletionChunk) -> ChatGenerationChunk:
        chunk = from_wire_chunk(wire_chunk, model=self.model, gateway=self.gateway)
        if any(choice.finish_reason is not None for choice in wire_chunk.choices):
            self.gateway = None
        return chunk
