"""The langchain-tests standard suites: unit (offline) and integration (against the emulator)."""

from __future__ import annotations

import importlib
import struct
import zlib
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_gpt54nano import ChatGPT54Nano

_suite_module = importlib.import_module("langchain_tests.integration_tests.chat_models")
# The module, not the function `langchain_core.load.load` that the package re-exports.
lc_load = importlib.import_module("langchain_core.load.load")


class TestChatGPT54NanoUnit(ChatModelUnitTests):
    @pytest.fixture(autouse=True)
    def _trust_this_class_for_load(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """test_serdes reloads with `allowed_objects="all"`, which only admits the classes
        listed in langchain-core's own mapping (partners shipped inside LangChain). Users load
        this class with `allowed_objects=[ChatGPT54Nano]` (see test_chat_model.py); here the
        class is added to the allowlist for the duration of the test, nothing else changes."""
        path = ("langchain_gpt54nano", "chat_models", "ChatGPT54Nano")
        monkeypatch.setitem(lc_load.ALL_SERIALIZABLE_MAPPINGS, path, path)
        monkeypatch.setattr(lc_load, "_default_class_paths_cache", {})

    @property
    def chat_model_class(self) -> type[ChatGPT54Nano]:
        return ChatGPT54Nano

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # Must build offline on its own (test_init_time / test_standard_params use only these).
        return {"model": "openai/gpt-5.4-nano", "api_key": "test", "account_id": "acct-unit"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        # The token equals the one in chat_model_params: test_serdes reloads it from the env.
        return (
            {"CLOUDFLARE_API_TOKEN": "test", "CLOUDFLARE_ACCOUNT_ID": "acct-unit"},
            {},
            {"api_key": "test", "account_id": "acct-unit"},
        )

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return True


class TestChatGPT54NanoIntegration(ChatModelIntegrationTests):
    """Runs against the session emulator over real loopback HTTP."""

    _emulator: Any = None

    @pytest.fixture(autouse=True)
    def _use_emulator(self, emulator: Any) -> None:
        # Autouse fixtures are set up before the suite's `model` fixture reads the params.
        type(self)._emulator = emulator

    @pytest.fixture(autouse=True)
    def _offline_downloads(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The multimodal tests download a PNG and a PDF with `httpx.get`; serve small local
        stand-ins instead (the network is off, and the emulator does not look at the pixels).
        Every other URL fails loudly."""
        monkeypatch.setattr(_suite_module, "httpx", _OfflineDownloads())

    @property
    def chat_model_class(self) -> type[ChatGPT54Nano]:
        return ChatGPT54Nano

    @property
    def chat_model_params(self) -> dict[str, Any]:
        emu = self._emulator
        return {
            "model": "openai/gpt-5.4-nano",
            "base_url": emu.base_url,
            "account_id": emu.account_id,
            "api_key": emu.api_token,
        }

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        # Chat Completions tool messages carry text only: the adapter sends the image in a user
        # message right after the tool results (to_wire_messages).
        return True

    @property
    def supports_pdf_tool_message(self) -> bool:
        return True

    # Not supported, so its standard test skips with that reason: audio input (GPT-5.4 nano
    # takes no audio in Chat Completions; claiming it would only move the failure to Cloudflare).

    @property
    def enable_vcr_tests(self) -> bool:
        # test_stream_time replays a cassette recorded from the emulator (see conftest.py).
        return True

    @property
    def model_override_value(self) -> str:
        # Another catalog model; response_metadata["model_name"] reports the requested slug.
        return "openai/gpt-5.4-mini"

    @property
    def supported_usage_metadata_details(self) -> dict[str, list[Any]]:
        return {
            "invoke": ["reasoning_output", "cache_read_input"],
            "stream": ["reasoning_output", "cache_read_input"],
        }

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        return self._invoke(stream, reasoning_effort="low")

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        return self._invoke(stream)

    def _invoke(self, stream: bool, **params: Any) -> AIMessage:
        llm = ChatGPT54Nano(**self.chat_model_params, **params)
        prompt = "Explain in one paragraph what an AI gateway does."
        if not stream:
            result = llm.invoke(prompt)
            assert isinstance(result, AIMessage)
            return result
        full: Any = None
        for chunk in llm.stream(prompt):
            full = chunk if full is None else full + chunk
        assert isinstance(full, AIMessage)
        return full


def _tiny_png() -> bytes:
    """A valid 1x1 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


_TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class _Downloaded:
    def __init__(self, content: bytes) -> None:
        self.content = content


class _OfflineDownloads:
    """Stands in for the `httpx` module inside langchain-tests' integration suite."""

    def get(self, url: str, **_: Any) -> _Downloaded:
        if url.endswith(".png"):
            return _Downloaded(_tiny_png())
        if url.endswith(".pdf"):
            return _Downloaded(_TINY_PDF)
        raise AssertionError(f"unexpected download in an offline test: {url}")


class TestChatGPT54NanoResponsesUnit(TestChatGPT54NanoUnit):
    """The unit suite again, with `use_responses_api=True`."""

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "use_responses_api": True}


class TestChatGPT54NanoResponsesIntegration(TestChatGPT54NanoIntegration):
    """The integration suite again, every call on the Responses wire (`/v1/responses`)."""

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "use_responses_api": True}

    @property
    def enable_vcr_tests(self) -> bool:
        # The cassette holds Chat Completions traffic; test_stream_time is covered above.
        return False
