"""Secret hygiene: the API token never leaves through a side door.

A distinctive token (accepted by a dedicated emulator) is searched for in everything a user, a
log collector or a tracer could see: ``repr``/``str`` of every public object, DEBUG logs of
``gpt54nano_gateway``, ``httpx`` and ``httpcore``, exceptions (401, 500, a server that echoes the
token back, connection errors, timeouts, stream errors) with their ``__cause__``/``__context__``
chain, LangChain ``dumpd``/``dumps`` and tracing (``_get_ls_params``, what a callback handler
receives), LlamaIndex ``to_json``/``to_dict`` and instrumentation events, and ``pickle``.

Transport rules checked on the wire, with tiny loopback servers: redirects are not followed (the
server a 307 points to receives nothing, with the REST ``Authorization`` header or the gateway
``cf-aig-authorization`` header), and plain ``http://`` is refused except to loopback unless
explicitly allowed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import threading
import traceback
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from gpt54nano_emulator import Emulator, Fault
from gpt54nano_gateway import (
    APIStatusError,
    AsyncGatewayClient,
    ChatRequest,
    ConfigurationError,
    GatewayClient,
    GatewayConfig,
    GatewayConnectionError,
    GatewayError,
    GatewayOptions,
    ResponsesRequest,
    RetryPolicy,
)

TOKEN = "sEcReT-tok-7c1f9e2b4d6a"
WRONG = "wr0ng-tok-5e3d1c9a7b2f"  # sent to provoke a 401: it must not leak either
SECRETS = (TOKEN, WRONG)
ACCOUNT = "acct-secrets"


def assert_clean(text: str, where: str = "") -> None:
    for secret in SECRETS:
        assert secret not in text, f"token found in {where}: ...{_around(text, secret)}..."


def _around(text: str, secret: str) -> str:
    at = text.index(secret)
    return text[max(at - 80, 0) : at + 20]


def no_sleep_policy() -> RetryPolicy:
    async def async_sleep(seconds: float) -> None:
        return None

    return RetryPolicy(max_retries=1, jitter=False, sleep=lambda s: None, async_sleep=async_sleep)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(account_id=ACCOUNT, api_token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def emulator_clean(emu: Emulator) -> Emulator:
    emu.reset()
    return emu


def config_for(emu: Emulator, **overrides: Any) -> GatewayConfig:
    values: dict[str, Any] = {
        "account_id": ACCOUNT,
        "api_token": TOKEN,
        "base_url": emu.base_url,
        "max_retries": 1,
        **overrides,
    }
    return GatewayConfig(**values)


def hello() -> ChatRequest:
    return ChatRequest.model_validate({"messages": [{"role": "user", "content": "Say hello"}]})


def error_texts(exc: BaseException) -> str:
    """str/repr/args of an exception and of every exception in its cause/context chain, our
    errors' body and response headers, and the formatted traceback."""
    parts: list[str] = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    stack = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args)]
        if isinstance(current, GatewayError):
            parts += [repr(current.body), repr(dict(current.headers)), repr(current.meta)]
            parts.append(repr(current.partial))
        stack += [current.__cause__, current.__context__]  # type: ignore[list-item]
    return "\n".join(parts)


def _value(attribute: Any) -> Any:
    """A property's value, or a method's result (the adapters expose the config either way)."""
    return attribute() if callable(attribute) else attribute


# --- repr / str of every public object ----------------------------------------------------------


def test_repr_of_public_objects(emulator_clean: Emulator) -> None:
    from llama_index.core.base.llms.types import ChatMessage

    from langchain_gpt54nano import ChatGPT54Nano
    from llama_index_gpt54nano import GPT54Nano

    config = config_for(emulator_clean, options=GatewayOptions(cache_ttl=120, event_id="ev-1"))
    client = GatewayClient(config)
    objects: dict[str, Any] = {
        "config": config,
        "options": config.options,
        "client": client,
        "async client": AsyncGatewayClient(config),
        "retry policy": no_sleep_policy(),
        "emulator": emulator_clean,
    }
    completion = client.create(hello())
    objects |= {"completion": completion, "meta": completion.meta}
    with client.stream(hello()) as stream:
        objects["stream"] = stream
        objects["chunk"] = next(iter(stream))
        objects["stream snapshot"] = stream.snapshot()
        objects["stream final"] = stream.completion()
    chat = ChatGPT54Nano(config=config)
    objects |= {
        "ChatGPT54Nano": chat,
        "ChatGPT54Nano (fields)": ChatGPT54Nano(
            api_key=TOKEN, account_id=ACCOUNT, base_url=emulator_clean.base_url
        ),
        "bound tools": chat.bind_tools([{"type": "function", "function": {"name": "f"}}]),
        "AIMessage": chat.invoke("Say hello"),
        "AIMessageChunk": next(iter(chat.stream("Say hello"))),
        "ChatGPT54Nano.gateway_config": _value(chat.gateway_config),
    }
    llm = GPT54Nano(config=config)
    objects |= {
        "GPT54Nano": llm,
        "GPT54Nano (fields)": GPT54Nano(
            api_key=TOKEN, account_id=ACCOUNT, base_url=emulator_clean.base_url
        ),
        "ChatResponse": llm.chat([ChatMessage(role="user", content="Say hello")]),
        "GPT54Nano.metadata": llm.metadata,
        "GPT54Nano.gateway_config": _value(llm.gateway_config),
    }
    objects["emulator request log"] = emulator_clean.requests
    assert objects["emulator request log"]
    for name, obj in objects.items():
        assert_clean(repr(obj), f"repr({name})")
        assert_clean(str(obj), f"str({name})")
        assert_clean(f"{obj!s:>10}", f"format({name})")


# --- logs at DEBUG ------------------------------------------------------------------------------


def test_debug_logs(
    emulator_clean: Emulator, caplog: pytest.LogCaptureFixture, run_io: Callable[..., Any]
) -> None:
    from llama_index.core.base.llms.types import ChatMessage

    from langchain_gpt54nano import ChatGPT54Nano
    from llama_index_gpt54nano import GPT54Nano

    for name in ("gpt54nano_gateway", "httpx", "httpcore", "aiohttp", "langchain", "llama_index"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)  # the root logger too: whatever else speaks
    config = config_for(emulator_clean)
    emulator_clean.plan_faults(Fault(kind="status", status=503), next_n=1)  # one retry, logged
    chat, llm = ChatGPT54Nano(config=config), GPT54Nano(config=config)
    messages = [ChatMessage(role="user", content="Say hello")]

    def sync() -> None:
        client = GatewayClient(config, retry_policy=no_sleep_policy())
        client.create(hello())
        with client.stream(hello()) as stream:
            stream.completion()
        chat.invoke("Say hello")
        llm.chat(messages)
        with pytest.raises(GatewayError):
            GatewayClient(config_for(emulator_clean, api_token=WRONG)).create(hello())

    async def asynchronous() -> None:
        client = AsyncGatewayClient(config, retry_policy=no_sleep_policy())
        await client.create(hello())
        async with client.stream(hello()) as stream:
            await stream.completion()
        await chat.ainvoke("Say hello")
        await llm.achat(messages)
        with pytest.raises(GatewayError):
            await AsyncGatewayClient(config_for(emulator_clean, api_token=WRONG)).create(hello())

    run_io(sync, asynchronous)
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"gpt54nano_gateway", "httpx"} <= loggers  # the loggers did speak
    # httpcore carries the sync requests, and the async ones unless aiohttp's pool does.
    async_on_httpcore = AsyncGatewayClient(config)._backend == "httpx"
    assert "httpcore" in loggers or not async_on_httpcore
    for record in caplog.records:
        assert_clean(record.getMessage(), f"log record of {record.name}")
        assert_clean(repr(record.args), f"log args of {record.name}")
    assert_clean(caplog.text, "log text")


# --- exceptions -----------------------------------------------------------------------------------


def _raise_sync(config: GatewayConfig, stream: bool) -> None:
    client = GatewayClient(config, retry_policy=no_sleep_policy())
    if stream:
        with client.stream(hello()) as chunks:
            chunks.completion()
    else:
        client.create(hello())


async def _raise_async(config: GatewayConfig, stream: bool) -> None:
    client = AsyncGatewayClient(config, retry_policy=no_sleep_policy())
    if stream:
        async with client.stream(hello()) as chunks:
            await chunks.completion()
    else:
        await client.create(hello())


ERROR_CASES: dict[str, tuple[Fault | None, dict[str, Any], type[GatewayError]]] = {
    "401 (wrong token)": (None, {"api_token": WRONG}, APIStatusError),
    "401 (gateway says so)": (Fault(kind="status", status=401, code=2009), {}, APIStatusError),
    "500": (Fault(kind="status", status=500), {}, APIStatusError),
    "502 html": (Fault(kind="status", status=502), {}, APIStatusError),
    "connection reset": (Fault(kind="reset", hard=True), {}, GatewayConnectionError),
    "read timeout": (
        Fault(kind="stall", seconds=0.5),
        {"read_timeout": 0.1, "stream_idle_timeout": 0.1},
        GatewayError,
    ),
    "stream error event": (Fault(kind="error_event", after=2), {}, GatewayError),
    "stream cut": (Fault(kind="cut", after=2, hard=True), {}, GatewayError),
    "gateway endpoint 401": (None, {"endpoint": "gateway", "api_token": WRONG}, APIStatusError),
}


STREAM_ONLY = {"stream error event", "stream cut"}  # these faults only act on streams


@pytest.mark.parametrize(
    ("case", "stream"),
    [
        pytest.param(case, stream, id=f"{case}-{'stream' if stream else 'plain'}")
        for case in ERROR_CASES
        for stream in (False, True)
        if stream or case not in STREAM_ONLY
    ],
)
def test_exceptions(
    case: str, stream: bool, emulator_clean: Emulator, run_io: Callable[..., Any]
) -> None:
    fault, overrides, expected = ERROR_CASES[case]
    if fault is not None:
        emulator_clean.plan_faults(fault, every=1)
    if overrides.get("endpoint") == "gateway":
        overrides = {**overrides, "base_url": emulator_clean.gateway_base_url}
    config = config_for(emulator_clean, **overrides)
    with pytest.raises(GatewayError) as info:
        run_io(lambda: _raise_sync(config, stream), lambda: _raise_async(config, stream))
    assert isinstance(info.value, expected)
    assert_clean(error_texts(info.value), f"{case} error")


def test_connection_refused(run_io: Callable[..., Any]) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = GatewayConfig(
        account_id=ACCOUNT,
        api_token=TOKEN,
        base_url=f"http://127.0.0.1:{port}/client/v4",
        max_retries=1,
    )
    with pytest.raises(GatewayConnectionError) as info:
        run_io(lambda: _raise_sync(config, False), lambda: _raise_async(config, False))
    assert_clean(error_texts(info.value), "connection error")


def test_config_errors_do_not_echo_the_token() -> None:
    bad = [
        {"account_id": "a/b", "api_token": TOKEN},
        {"account_id": "a", "api_token": TOKEN + "\n"},
        {"account_id": "a", "api_token": TOKEN, "base_url": "http://example.com/client/v4"},
        {"account_id": "a", "api_token": TOKEN, "max_retries": TOKEN},
    ]
    for values in bad:
        with pytest.raises(ConfigurationError) as info:
            GatewayConfig(**values)
        assert_clean(error_texts(info.value), f"config error for {sorted(values)}")


# --- a server that echoes the token back ----------------------------------------------------------


class _Server:
    """A loopback HTTP server in a thread that records requests and answers with ``answer``."""

    def __init__(
        self, answer: Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]
    ):
        seen: list[tuple[str, dict[str, str]]] = []
        self.seen = seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, headers, body = answer(self)
                self.send_response(status)
                for key, value in {**headers, "content-length": str(len(body))}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def test_a_server_echoing_the_token(run_io: Callable[..., Any]) -> None:
    def echo(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        said = handler.headers.get("authorization", "")
        body = {"error": {"message": f"bad credentials: {said}", "type": "invalid_request_error"}}
        return 400, {"content-type": "application/json"}, json.dumps(body).encode()

    with _Server(echo) as server:
        config = GatewayConfig(
            account_id=ACCOUNT, api_token=TOKEN, base_url=f"http://127.0.0.1:{server.port}/v4"
        )
        with pytest.raises(APIStatusError) as info:
            run_io(lambda: _raise_sync(config, False), lambda: _raise_async(config, False))
    assert server.seen, "the echo server was not reached"
    assert_clean(error_texts(info.value), "error from an echoing server")


def test_a_chat_stream_whose_headers_echo_the_token(run_io: Callable[..., Any]) -> None:
    # A 200 stream whose log-id header echoes the token: the stream's meta must not carry it.
    chunk = {"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {
        "role": "assistant", "content": "hi"}, "finish_reason": "stop"}]}  # fmt: skip
    sse = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()

    def echo(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        said = handler.headers.get("authorization", "").removeprefix("Bearer ")
        return 200, {"content-type": "text/event-stream", "cf-aig-log-id": said}, sse

    def sync(config: GatewayConfig) -> Any:
        with GatewayClient(config).stream(hello()) as stream:
            return stream.meta, stream.completion()

    async def asynchronous(config: GatewayConfig) -> Any:
        async with AsyncGatewayClient(config).stream(hello()) as stream:
            return stream.meta, await stream.completion()

    with _Server(echo) as server:
        config = GatewayConfig(
            account_id=ACCOUNT, api_token=TOKEN, base_url=f"http://127.0.0.1:{server.port}/v4"
        )
        meta, completion = run_io(lambda: sync(config), lambda: asynchronous(config))
    assert server.seen, "the echo server was not reached"
    assert completion.choices[0].message.content == "hi"
    assert_clean(
        " ".join([repr(meta), repr(completion.meta), meta.model_dump_json()]), "stream meta"
    )


# --- redirects are not followed; the token goes nowhere else -------------------------------------


@pytest.mark.parametrize("endpoint", ["rest", "gateway"])
@pytest.mark.parametrize("injected", [False, True], ids=["shared pool", "user's httpx client"])
def test_redirects_are_not_followed(
    endpoint: str, injected: bool, run_io: Callable[..., Any]
) -> None:
    def ok(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return 200, {"content-type": "application/json"}, b"{}"

    with _Server(ok) as elsewhere:

        def redirect(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            location = f"http://localhost:{elsewhere.port}{handler.path}"
            return 307, {"location": location}, b""

        with _Server(redirect) as origin:
            root = f"http://127.0.0.1:{origin.port}"
            config = GatewayConfig(
                account_id=ACCOUNT,
                api_token=TOKEN,
                endpoint=endpoint,  # type: ignore[arg-type]
                gateway_id="gw",
                base_url=f"{root}/v1" if endpoint == "gateway" else f"{root}/client/v4",
                max_retries=0,
            )

            def sync() -> None:
                # A user's client that follows redirects must not make the transport follow one.
                http = httpx.Client(follow_redirects=True) if injected else None
                GatewayClient(config, http_client=http).create(hello())

            async def asynchronous() -> None:
                http = httpx.AsyncClient(follow_redirects=True) if injected else None
                await AsyncGatewayClient(config, http_client=http).create(hello())

            with pytest.raises(GatewayError) as info:
                run_io(sync, asynchronous)
    assert len(origin.seen) == 1
    sent = origin.seen[0][1]
    header = "cf-aig-authorization" if endpoint == "gateway" else "authorization"
    assert sent[header] == f"Bearer {TOKEN}"
    assert elsewhere.seen == [], "the redirect was followed: the token went to another origin"
    assert_clean(error_texts(info.value), "redirect error")


def test_the_redirecting_server_does_redirect() -> None:
    # Control for the test above: a plain httpx client that follows redirects does reach the
    # second server (and takes a custom credential header along).
    def ok(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return 200, {"content-type": "application/json"}, b"{}"

    with _Server(ok) as elsewhere:

        def redirect(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            return 307, {"location": f"http://localhost:{elsewhere.port}{handler.path}"}, b""

        with _Server(redirect) as origin, httpx.Client(follow_redirects=True) as http:
            http.post(f"http://127.0.0.1:{origin.port}/x", headers={"cf-aig-authorization": "k"})
    assert len(elsewhere.seen) == 1
    assert elsewhere.seen[0][1].get("cf-aig-authorization") == "k"


# --- plain http only to loopback ----------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8787/client/v4",
        "http://127.3.4.5/client/v4",
        "http://localhost:8787/client/v4",
        "http://[::1]:8787/client/v4",
    ],
)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    config = GatewayConfig(account_id=ACCOUNT, api_token=TOKEN, base_url=base_url)
    assert config.chat_completions_url.startswith(base_url)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.cloudflare.com/client/v4",
        "http://10.0.0.8/client/v4",
        "http://192.168.1.2:8787/client/v4",
        "http://[2001:db8::1]/client/v4",
        "http://localhost.evil.example/client/v4",
    ],
)
def test_plain_http_elsewhere_needs_explicit_permission(base_url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        GatewayConfig(account_id=ACCOUNT, api_token=TOKEN, base_url=base_url)
    assert "http://" in str(info.value)
    assert_clean(error_texts(info.value), "insecure http error")
    allowed = GatewayConfig(
        account_id=ACCOUNT, api_token=TOKEN, base_url=base_url, allow_insecure_http=True
    )
    assert allowed.chat_completions_url.startswith(base_url)


def test_adapters_refuse_plain_http_elsewhere() -> None:
    from llama_index.core.base.llms.types import ChatMessage

    from langchain_gpt54nano import ChatGPT54Nano
    from llama_index_gpt54nano import GPT54Nano

    remote = "http://api.example.com/client/v4"
    with pytest.raises(ConfigurationError) as info:
        ChatGPT54Nano(api_key=TOKEN, account_id=ACCOUNT, base_url=remote)
    assert_clean(error_texts(info.value), "ChatGPT54Nano insecure http error")
    with pytest.raises(ConfigurationError) as info:
        GPT54Nano(api_key=TOKEN, account_id=ACCOUNT, base_url=remote).chat(
            [ChatMessage(role="user", content="hi")]
        )
    assert_clean(error_texts(info.value), "GPT54Nano insecure http error")


# --- LangChain: serialisation and tracing -------------------------------------------------------


def test_langchain_serialisation(emulator_clean: Emulator) -> None:
    from langchain_core.load import dumpd, dumps

    from langchain_gpt54nano import ChatGPT54Nano

    for model in (
        ChatGPT54Nano(config=config_for(emulator_clean)),
        ChatGPT54Nano(api_key=TOKEN, account_id=ACCOUNT, base_url=emulator_clean.base_url),
    ):
        text = dumps(model)
        assert_clean(text, "dumps")
        assert_clean(json.dumps(dumpd(model)), "dumpd")
        assert '"type": "secret"' in text  # the token is a secret reference, not left out silently
        assert_clean(repr(model.model_dump()), "model_dump")
        assert_clean(model.model_dump_json(), "model_dump_json")
        assert_clean(repr(model._get_ls_params()), "_get_ls_params")


def test_langchain_tracing(emulator_clean: Emulator, run_io: Callable[..., Any]) -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    from langchain_gpt54nano import ChatGPT54Nano

    seen: list[str] = []

    class Recorder(BaseCallbackHandler):
        def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
            seen.append(repr(serialized))
            seen.append(repr(kwargs))  # invocation_params, metadata, tags, run ids

        def on_llm_end(self, response: Any, **kwargs: Any) -> None:
            seen.append(repr(response))

        def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
            seen.append(error_texts(error))

    model = ChatGPT54Nano(config=config_for(emulator_clean), callbacks=[Recorder()])
    failing = ChatGPT54Nano(
        config=config_for(emulator_clean, api_token=WRONG), callbacks=[Recorder()]
    )

    def sync() -> None:
        model.invoke("Say hello")
        list(model.stream("Say hello"))
        with pytest.raises(GatewayError):
            failing.invoke("Say hello")

    async def asynchronous() -> None:
        await model.ainvoke("Say hello")
        [chunk async for chunk in model.astream("Say hello")]
        with pytest.raises(GatewayError):
            await failing.ainvoke("Say hello")

    run_io(sync, asynchronous)
    assert any("invocation_params" in text for text in seen)
    for text in seen:
        assert_clean(text, "callback payload")


# --- LlamaIndex: serialisation and instrumentation ---------------------------------------------


def test_llama_index_serialisation(emulator_clean: Emulator) -> None:
    from llama_index_gpt54nano import GPT54Nano

    for llm in (
        GPT54Nano(config=config_for(emulator_clean)),
        GPT54Nano(api_key=TOKEN, account_id=ACCOUNT, base_url=emulator_clean.base_url),
    ):
        assert_clean(llm.to_json(), "to_json")
        assert_clean(repr(llm.to_dict()), "to_dict")
        assert_clean(repr(llm.to_payload()) if hasattr(llm, "to_payload") else "", "to_payload")
        assert_clean(llm.model_dump_json(), "model_dump_json")
        assert_clean(repr(llm.model_dump()), "model_dump")


def test_llama_index_instrumentation(emulator_clean: Emulator, run_io: Callable[..., Any]) -> None:
    from llama_index.core.base.llms.types import ChatMessage
    from llama_index.core.callbacks import CallbackManager
    from llama_index.core.callbacks.base_handler import BaseCallbackHandler
    from llama_index.core.instrumentation import get_dispatcher
    from llama_index.core.instrumentation.event_handlers import BaseEventHandler

    from llama_index_gpt54nano import GPT54Nano

    seen: list[str] = []

    class Events(BaseEventHandler):
        def handle(self, event: Any, **kwargs: Any) -> Any:
            seen.append(repr(event))
            try:
                seen.append(event.model_dump_json())
            except Exception as exc:  # some payloads are not JSON-serialisable
                seen.append(repr(exc))

    class Payloads(BaseCallbackHandler):
        def __init__(self) -> None:
            super().__init__(event_starts_to_ignore=[], event_ends_to_ignore=[])

        def on_event_start(self, event_type: Any, payload: Any = None, **kwargs: Any) -> str:
            seen.append(repr(payload))
            return kwargs.get("event_id", "")

        def on_event_end(self, event_type: Any, payload: Any = None, **kwargs: Any) -> None:
            seen.append(repr(payload))

        def start_trace(self, trace_id: str | None = None) -> None:
            return None

        def end_trace(self, trace_id: str | None = None, trace_map: Any = None) -> None:
            return None

    dispatcher = get_dispatcher()
    handler = Events()
    dispatcher.add_event_handler(handler)
    manager = CallbackManager([Payloads()])
    try:
        llm = GPT54Nano(config=config_for(emulator_clean), callback_manager=manager)
        failing = GPT54Nano(
            config=config_for(emulator_clean, api_token=WRONG), callback_manager=manager
        )
        messages = [ChatMessage(role="user", content="Say hello")]

        def sync() -> None:
            llm.chat(messages)
            list(llm.stream_chat(messages))
            llm.complete("Say hello")
            with pytest.raises(GatewayError):
                failing.chat(messages)

        async def asynchronous() -> None:
            await llm.achat(messages)
            [r async for r in await llm.astream_chat(messages)]
            await llm.acomplete("Say hello")
            with pytest.raises(GatewayError):
                await failing.achat(messages)

        run_io(sync, asynchronous)
    finally:
        dispatcher.event_handlers.remove(handler)
    assert any("LLMChatStartEvent" in text for text in seen)
    for text in seen:
        assert_clean(text, "LlamaIndex instrumentation payload")


# --- pickle ---------------------------------------------------------------------------------------


def _objects_to_pickle(emu: Emulator) -> dict[str, Callable[[], Any]]:
    def chat() -> Any:
        from langchain_gpt54nano import ChatGPT54Nano

        return ChatGPT54Nano(config=config_for(emu))

    def llm() -> Any:
        from llama_index_gpt54nano import GPT54Nano

        return GPT54Nano(config=config_for(emu))

    def logs() -> Any:
        from gpt54nano_gateway import GatewayLogs

        return GatewayLogs(config_for(emu))

    def cost_callback() -> Any:
        from langchain_gpt54nano import GatewayCostCallbackHandler

        return GatewayCostCallbackHandler(config_for(emu))

    def cost_events() -> Any:
        from llama_index_gpt54nano import GatewayCostEventHandler

        return GatewayCostEventHandler(config_for(emu))

    return {
        "GatewayConfig": lambda: config_for(emu),
        "GatewayClient": lambda: GatewayClient(config_for(emu)),
        "AsyncGatewayClient": lambda: AsyncGatewayClient(config_for(emu)),
        "ChatGPT54Nano": chat,
        "GPT54Nano": llm,
        "GatewayLogs": logs,
        "GatewayCostCallbackHandler": cost_callback,
        "GatewayCostEventHandler": cost_events,
    }


PICKLED = [
    "GatewayConfig",
    "GatewayClient",
    "AsyncGatewayClient",
    "ChatGPT54Nano",
    "GPT54Nano",
    "GatewayLogs",
    "GatewayCostCallbackHandler",
    "GatewayCostEventHandler",
]


@pytest.mark.parametrize("name", PICKLED)
def test_repr_of_logs_and_cost_handlers_is_clean(name: str, emulator_clean: Emulator) -> None:
    assert_clean(repr(_objects_to_pickle(emulator_clean)[name]()), f"repr of {name}")


@pytest.mark.parametrize("name", PICKLED)
def test_pickle(name: str, emulator_clean: Emulator) -> None:
    obj = _objects_to_pickle(emulator_clean)[name]()
    try:
        data = pickle.dumps(obj)
    except Exception as exc:  # not picklable: fine, if the failure says nothing secret
        assert_clean(error_texts(exc), f"pickle error of {name}")
        return
    for secret in SECRETS:
        assert secret.encode() not in data, f"the token is in pickle.dumps({name})"


def test_event_loop_is_not_left_running() -> None:
    # run_io's async mode uses asyncio.run: nothing here may leave a loop set as current.
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()


# --- the Responses API paths ----------------------------------------------------------------------

RESPONSES_FORMS = {
    # REST ``…/ai/v1/responses`` (Authorization), the gateway's ``…/openai/responses``
    # (cf-aig-authorization), and the REST config sending Responses calls to the gateway.
    "rest": {},
    "gateway": {"endpoint": "gateway", "gateway_id": "default"},
    "rest + responses_endpoint=gateway": {"responses_endpoint": "gateway", "gateway_id": "default"},
}


def responses_config(emu: Emulator, form: str, **overrides: Any) -> GatewayConfig:
    values = {**RESPONSES_FORMS[form], **overrides}
    if form != "rest":
        values.setdefault("base_url", emu.gateway_base_url if form == "gateway" else emu.base_url)
    return config_for(emu, **values)


def ask() -> ResponsesRequest:
    return ResponsesRequest(input="Say hello")


def _respond_sync(config: GatewayConfig, stream: bool) -> Any:
    client = GatewayClient(config, retry_policy=no_sleep_policy())
    if not stream:
        return client.responses.create(ask())
    with client.responses.stream(ask()) as events:
        for _ in events:
            pass
        return events.response()


async def _respond_async(config: GatewayConfig, stream: bool) -> Any:
    client = AsyncGatewayClient(config, retry_policy=no_sleep_policy())
    if not stream:
        return await client.responses.create(ask())
    async with client.responses.stream(ask()) as events:
        async for _ in events:
            pass
        return await events.response()


RESPONSES_ERRORS: dict[str, tuple[Fault | None, dict[str, Any], type[GatewayError]]] = {
    "401 (wrong token)": (None, {"api_token": WRONG}, APIStatusError),
    "500": (Fault(kind="status", status=500), {}, APIStatusError),
    "connection reset": (Fault(kind="reset", hard=True), {}, GatewayConnectionError),
    "stream error event": (Fault(kind="error_event", after=2), {}, GatewayError),
    "stream cut": (Fault(kind="cut", after=2, hard=True), {}, GatewayError),
}


@pytest.mark.parametrize("form", list(RESPONSES_FORMS))
@pytest.mark.parametrize(
    ("case", "stream"),
    [
        pytest.param(case, stream, id=f"{case}-{'stream' if stream else 'plain'}")
        for case in RESPONSES_ERRORS
        for stream in (False, True)
        if stream or case not in STREAM_ONLY
    ],
)
def test_responses_exceptions(
    form: str, case: str, stream: bool, emulator_clean: Emulator, run_io: Callable[..., Any]
) -> None:
    fault, overrides, expected = RESPONSES_ERRORS[case]
    if fault is not None:
        emulator_clean.plan_faults(fault, every=1)
    config = responses_config(emulator_clean, form, **overrides)
    with pytest.raises(expected) as info:
        run_io(lambda: _respond_sync(config, stream), lambda: _respond_async(config, stream))
    assert_clean(error_texts(info.value), f"Responses {form} {case} error")
    assert emulator_clean.requests, "the emulator was not reached"


@pytest.mark.parametrize("form", list(RESPONSES_FORMS))
def test_responses_results_and_streams(
    form: str, emulator_clean: Emulator, run_io: Callable[..., Any]
) -> None:
    config = responses_config(emulator_clean, form)
    client = GatewayClient(config)
    seen: dict[str, Any] = {"client.responses": client.responses}
    with client.responses.stream(ask()) as events:
        seen |= {"stream": events, "event": next(iter(events)), "meta": events.meta}
        seen["streamed"] = events.response()
    seen["response"] = run_io(
        lambda: _respond_sync(config, False), lambda: _respond_async(config, False)
    )
    assert emulator_clean.requests[-1].path.endswith("/responses")
    for name, obj in seen.items():
        assert_clean(repr(obj), f"repr(Responses {name})")
        assert_clean(str(obj), f"str(Responses {name})")
        if hasattr(obj, "model_dump_json"):
            assert_clean(obj.model_dump_json(), f"Responses {name}.model_dump_json()")
            assert_clean(repr(obj.model_dump()), f"Responses {name}.model_dump()")


def _echoing(status: int, stream: bool) -> Callable[[BaseHTTPRequestHandler], Any]:
    """A server that sends the credential it received back, in a header and in the body: a
    4xx error, a 200 ``status: failed`` response, or a stream whose ``response.failed`` event
    and text carry it; 201: a body that is no Responses object (nor a stream), with it."""

    def answer(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        said = handler.headers.get("cf-aig-authorization") or handler.headers["authorization"]
        headers = {"content-type": "application/json", "x-echo": said, "cf-aig-log-id": said}
        if status == 201:
            return 201, {**headers, "content-type": "text/html"}, f"<p>{said}</p>".encode()
        if status != 200:
            body = {"error": {"message": f"bad credentials: {said}", "type": "invalid_request"}}
            return status, headers, json.dumps(body).encode()
        failed = {
            "id": "resp_1",
            "object": "response",
            "status": "failed",
            "output": [
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": f"you sent {said}"}],
                }
            ],
            "error": {"code": "server_error", "message": f"failed for {said}"},
        }
        if not stream:
            return 200, headers, json.dumps(failed).encode()
        events = [
            {"type": "response.created", "response": {**failed, "status": "in_progress"}},
            {"type": "response.output_text.delta", "output_index": 0, "delta": said},
            {"type": "response.failed", "response": failed},
        ]
        text = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
        return 200, {**headers, "content-type": "text/event-stream"}, text.encode()

    return answer


@pytest.mark.parametrize("endpoint", ["rest", "gateway"])
@pytest.mark.parametrize(
    "status", [400, 200, 201], ids=["400 error", "200 failed response", "201 not a response"]
)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_server_echoing_the_token_on_the_responses_api(
    endpoint: str, status: int, stream: bool, run_io: Callable[..., Any]
) -> None:
    with _Server(_echoing(status, stream)) as server:
        root = f"http://127.0.0.1:{server.port}"
        config = GatewayConfig(
            account_id=ACCOUNT,
            api_token=TOKEN,
            endpoint=endpoint,  # type: ignore[arg-type]
            gateway_id="gw",
            base_url=f"{root}/v1" if endpoint == "gateway" else f"{root}/client/v4",
            max_retries=0,
        )
        with pytest.raises(GatewayError) as info:
            run_io(lambda: _respond_sync(config, stream), lambda: _respond_async(config, stream))
    assert server.seen, "the echo server was not reached"
    assert server.seen[0][0].endswith("/responses")
    assert_clean(error_texts(info.value), f"Responses error from an echoing {endpoint} server")


def test_llama_index_on_the_responses_api(
    emulator_clean: Emulator, run_io: Callable[..., Any]
) -> None:
    from llama_index.core.base.llms.types import ChatMessage

    from llama_index_gpt54nano import GPT54Nano

    config = config_for(emulator_clean)
    llm = GPT54Nano(config=config, use_responses_api=True)
    failing = GPT54Nano(config=config_for(emulator_clean, api_token=WRONG), use_responses_api=True)
    messages = [ChatMessage(role="user", content="Say hello")]

    def sync() -> list[Any]:
        out = [llm.chat(messages), *llm.stream_chat(messages)]
        with pytest.raises(GatewayError) as info:
            failing.chat(messages)
        return [*out, error_texts(info.value)]

    async def asynchronous() -> list[Any]:
        out = [await llm.achat(messages), *[r async for r in await llm.astream_chat(messages)]]
        with pytest.raises(GatewayError) as info:
            await failing.achat(messages)
        return [*out, error_texts(info.value)]

    seen = run_io(sync, asynchronous)
    assert emulator_clean.requests[0].path.endswith("/responses")
    for item in seen:
        assert_clean(item if isinstance(item, str) else repr(item), "GPT54Nano Responses output")
    assert_clean(llm.to_json(), "to_json (use_responses_api)")
    assert_clean(llm.model_dump_json(), "model_dump_json (use_responses_api)")
