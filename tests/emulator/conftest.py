"""Helpers for the emulator's tests: raw httpx calls (sync or async through ``run_io``), an SSE
splitter written here (independent of the transport's decoder), and key-shape comparison."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

MODEL = "openai/gpt-5.4-nano"
UUID7 = r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
RAY = r"^[0-9a-f]{16}-[A-Z]{3}$"

# One TLS context for every test client: building one per httpx client costs ~30 ms.
TLS = ssl.create_default_context()


def sync_client(**kwargs: Any) -> httpx.Client:
    return httpx.Client(verify=TLS, **{"timeout": 10, **kwargs})


def async_client(**kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=TLS, **{"timeout": 10, **kwargs})


def chat_body(text: str = "Say hello to me", **extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}], **extra}


def rest_url(emu: Any, account: str | None = None) -> str:
    return f"{emu.base_url}/accounts/{account or emu.account_id}/ai/v1/chat/completions"


def compat_url(emu: Any, gateway: str = "default", account: str | None = None) -> str:
    return f"{emu.gateway_base_url}/{account or emu.account_id}/{gateway}/compat/chat/completions"


def openai_url(emu: Any, gateway: str = "default") -> str:
    return f"{emu.gateway_base_url}/{emu.account_id}/{gateway}/openai/chat/completions"


def rest_headers(emu: Any, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {emu.api_token}", **extra}


def gateway_headers(emu: Any, **extra: str) -> dict[str, str]:
    return {"cf-aig-authorization": f"Bearer {emu.api_token}", **extra}


def sse_data(text: str) -> list[str]:
    """The ``data:`` payloads of an SSE body; asserts the emulator's framing (``data: …\\n\\n``)."""
    assert text.endswith("\n\n"), text[-80:]
    events = text[:-2].split("\n\n")
    for event in events:
        assert event.startswith("data: "), event
        assert "\n" not in event, event
    return [event[len("data: ") :] for event in events]


def sse_chunks(text: str) -> list[dict[str, Any]]:
    """Parsed chunk objects (the ``[DONE]`` terminator must be last and is dropped)."""
    data = sse_data(text)
    assert data[-1] == "[DONE]"
    return [json.loads(item) for item in data[:-1]]


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value (list items merged as ``[]``), ignoring values."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, prefix + "[]")
    return paths


@dataclass
class Http:
    """``post``/``get``/``stream_text`` run once sync and once async (the ``io_mode`` twins)."""

    run_io: Callable[..., Any]

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        def sync() -> httpx.Response:
            with sync_client() as client:
                return client.request(method, url, **kwargs)

        async def async_() -> httpx.Response:
            async with async_client() as client:
                return await client.request(method, url, **kwargs)

        result: httpx.Response = self.run_io(sync, async_)
        return result

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def stream_parts(self, url: str, **kwargs: Any) -> tuple[httpx.Response, list[bytes]]:
        """POST with a streamed response; returns it with the raw body pieces as received."""

        def sync() -> tuple[httpx.Response, list[bytes]]:
            with (
                sync_client() as client,
                client.stream("POST", url, **kwargs) as response,
            ):
                return response, list(response.iter_raw())

        async def async_() -> tuple[httpx.Response, list[bytes]]:
            async with (
                async_client() as client,
                client.stream("POST", url, **kwargs) as response,
            ):
                return response, [part async for part in response.aiter_raw()]

        result: tuple[httpx.Response, list[bytes]] = self.run_io(sync, async_)
        return result

    def error(self, method: str, url: str, **kwargs: Any) -> Exception:
        """The exception a call raises (the call must fail)."""

        def sync() -> Exception:
            with sync_client() as client:
                try:
                    client.request(method, url, **kwargs)
                except Exception as exc:
                    return exc
            raise AssertionError("the request did not fail")

        async def async_() -> Exception:
            async with async_client() as client:
                try:
                    await client.request(method, url, **kwargs)
                except Exception as exc:
                    return exc
            raise AssertionError("the request did not fail")

        result: Exception = self.run_io(sync, async_)
        return result


@pytest.fixture
def http(run_io: Callable[..., Any]) -> Http:
    return Http(run_io)
