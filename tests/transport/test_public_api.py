"""The public surface of gpt54nano_gateway: exported names, the error tree, import hygiene."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

import gpt54nano_gateway as gw

CONTRACT_NAMES = {
    # docs/contracts.md, "Transport"
    "GatewayConfig",
    "GatewayOptions",
    "GatewayRetries",
    "GatewayClient",
    "AsyncGatewayClient",
    "ChatStream",
    "AsyncChatStream",
    "StreamAccumulator",
    "RetryPolicy",
    "ChatRequest",
    "ChatCompletion",
    "ChatCompletionChunk",
    "Usage",
    "GatewayMeta",
    "apply_model_rules",
    "ServerSentEvent",
    "SSEDecoder",
    "SystemMessage",
    "DeveloperMessage",
    "UserMessage",
    "AssistantMessage",
    "ToolMessage",
    "ToolCall",
    "FunctionTool",
    "error_from_response",
    # the error tree
    "GatewayError",
    "ConfigurationError",
    "GatewayConnectionError",
    "GatewayTimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "NotFoundError",
    "RequestTimeoutError",
    "ConflictError",
    "PayloadTooLargeError",
    "UnprocessableEntityError",
    "RateLimitError",
    "QuotaExceededError",
    "InternalServerError",
    "StreamError",
    "StreamTruncatedError",
    "ResponseParseError",
}


def test_all_is_sorted_unique_and_importable() -> None:
    names = list(gw.__all__)
    # isort-style (ruff RUF022): CONSTANTS, then Classes, then functions, each alphabetical.
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(gw, name), name


def test_contract_names_are_exported() -> None:
    assert set(gw.__all__) >= CONTRACT_NAMES


def test_error_tree_matches_the_contract() -> None:
    tree = {
        gw.ConfigurationError: (gw.GatewayError, ValueError),
        gw.GatewayConnectionError: (gw.GatewayError,),
        gw.GatewayTimeoutError: (gw.GatewayConnectionError,),
        gw.APIStatusError: (gw.GatewayError,),
        gw.BadRequestError: (gw.APIStatusError,),
        gw.AuthenticationError: (gw.APIStatusError,),
        gw.PaymentRequiredError: (gw.APIStatusError,),
        gw.PermissionDeniedError: (gw.APIStatusError,),
        gw.NotFoundError: (gw.APIStatusError,),
        gw.RequestTimeoutError: (gw.APIStatusError,),
        gw.ConflictError: (gw.APIStatusError,),
        gw.PayloadTooLargeError: (gw.APIStatusError,),
        gw.UnprocessableEntityError: (gw.APIStatusError,),
        gw.RateLimitError: (gw.APIStatusError,),
        gw.QuotaExceededError: (gw.RateLimitError,),
        gw.InternalServerError: (gw.APIStatusError,),
        gw.StreamError: (gw.GatewayError,),
        gw.StreamTruncatedError: (gw.GatewayError,),
        gw.ResponseParseError: (gw.GatewayError,),
    }
    for cls, parents in tree.items():
        for parent in parents:
            assert issubclass(cls, parent), (cls, parent)
    assert not issubclass(gw.StreamTruncatedError, gw.GatewayConnectionError)
    assert not issubclass(gw.APIStatusError, gw.GatewayConnectionError)


def test_errors_carry_the_documented_attributes() -> None:
    error = gw.GatewayError("x")
    for attribute in ("message", "status_code", "code", "request_id", "attempts", "body", "meta"):
        assert hasattr(error, attribute)
    assert hasattr(error, "partial")


def fresh_interpreter(code: str) -> Any:
    """What ``code``, run in a fresh interpreter, prints as JSON: imports measured from cold."""
    result = subprocess.run(
        [sys.executable, "-c", f"import json\n{code}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def test_import_pulls_in_no_framework_and_no_emulator() -> None:
    # Touch every public name: the package loads its modules lazily, on first access.
    modules = fresh_interpreter(
        "import sys, gpt54nano_gateway as gw\n"
        "[getattr(gw, name) for name in gw.__all__]\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    forbidden = [
        m
        for m in modules
        if m.split(".")[0].startswith(("langchain", "llama_index"))
        or m.split(".")[0] in {"starlette", "uvicorn", "jsonschema", "anyio_pytest", "openai"}
        or m.startswith("gpt54nano_emulator")
    ]
    assert forbidden == []
    assert "httpx" in modules and "pydantic" in modules


def test_bare_import_is_lazy() -> None:
    code = "import sys, gpt54nano_gateway\nprint(json.dumps('pydantic.main' in sys.modules))"
    assert fresh_interpreter(code) is False


def test_version_and_user_agent() -> None:
    from gpt54nano_gateway._client_core import USER_AGENT

    assert gw.__version__
    assert f"gpt54nano/{gw.__version__}" == USER_AGENT


def test_all_is_complete() -> None:
    # Every lazily exported name is in __all__, and every name of __all__ resolves lazily.
    assert set(gw._HOMES) | {"__version__"} == set(gw.__all__)


def test_importing_the_public_names_builds_no_model_and_loads_no_aiohttp() -> None:
    # The import-time budget (benchmarks, "Import time"): models build their validators on first
    # use (defer_build), and aiohttp loads with the first async pool, not at import.
    # Every model of every loaded module of the package counts, the Responses ones included.
    code = (
        "import sys, pydantic, gpt54nano_gateway as gw\n"
        "[getattr(gw, name) for name in gw.__all__]\n"
        "models = {f'{m.__name__}.{n}': v for m in list(sys.modules.values())\n"
        "    if m.__name__.startswith('gpt54nano_gateway') for n, v in vars(m).items()\n"
        "    if isinstance(v, type) and issubclass(v, pydantic.BaseModel)}\n"
        "built = sorted(n for n, model in models.items() if model.__pydantic_complete__)\n"
        "print(json.dumps([len(models) > 60, built, 'aiohttp' in sys.modules]))\n"
    )
    assert fresh_interpreter(code) == [True, [], False]


def test_the_chat_path_loads_none_of_the_responses_modules() -> None:
    code = (
        "import sys\n"
        "from gpt54nano_gateway import ChatRequest, GatewayClient, GatewayConfig\n"
        "loaded = [m for m in sys.modules if m.startswith('gpt54nano_gateway.respons')]\n"
        "print(json.dumps(sorted(loaded)))\n"
    )
    assert fresh_interpreter(code) == []


@pytest.mark.parametrize(
    ("module", "hook", "model", "document"),
    [
        (
            "_client_core",
            "_validate_completion",
            "wire.ChatCompletion",
            b'{"id": "c", "choices": []}',
        ),
        (
            "_stream",
            "_validate_chunk",
            "wire.ChatCompletionChunk",
            '{"id": "c", "choices": [{"index": 0, "delta": {"content": "hi"}}]}',
        ),
        (
            "responses_client",
            "_validate_response",
            "responses_wire.Response",
            b'{"id": "r", "object": "response", "status": "completed", "output": []}',
        ),
        (
            "_responses_stream",
            "_validate_event",
            "responses_wire.ResponseStreamEvent",
            '{"type": "response.output_text.delta", "sequence_number": 1, "item_id": "m",'
            ' "output_index": 0, "content_index": 0, "delta": "hi"}',
        ),
    ],
)
def test_the_hot_path_validators_build_on_first_use(
    module: str, hook: str, model: str, document: str | bytes
) -> None:
    # The first document goes through the module's stand-in, which builds the model and rebinds
    # the module's name to the validator itself; a second document goes straight to it.
    home, name = model.split(".")
    code = (
        (
            f"from gpt54nano_gateway import {module} as m\n"
            f"from gpt54nano_gateway.{home} import {name} as Model\n"
            "stand_in = m.HOOK\n"
            "before = [stand_in.__name__, Model.__pydantic_complete__]\n"
            "first = m.HOOK(DOCUMENT)\n"
            "rebound = m.HOOK == Model.__pydantic_validator__.validate_json\n"
            "second = m.HOOK(DOCUMENT)\n"
            "complete = Model.__pydantic_complete__\n"
            "after = [type(first) is Model, first == second, complete, rebound]\n"
            "print(json.dumps([before, after]))\n"
        )
        .replace("HOOK", hook)
        .replace("DOCUMENT", repr(document))
    )
    assert fresh_interpreter(code) == [[f"{hook}_on_first_use", False], [True, True, True, True]]


def test_deferred_models_validate_on_first_use() -> None:
    code = (
        "from gpt54nano_gateway import ChatCompletionChunk\n"
        "chunk = ChatCompletionChunk.model_validate_json("
        '\'{"id": "c", "choices": [{"index": 0, "delta": {"content": "hi"}}]}\')\n'
        "complete = ChatCompletionChunk.__pydantic_complete__\n"
        "print(json.dumps([chunk.choices[0].delta.content, complete]))\n"
    )
    assert fresh_interpreter(code) == ["hi", True]
