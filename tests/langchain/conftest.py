"""Fixtures for the LangChain adapter tests.

The langchain-tests standard suites write their async tests as bare ``async def`` (their own
projects run pytest-asyncio in auto mode). The project keeps pytest-asyncio in strict mode, so
this folder marks its coroutine tests itself, and only them.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pluggy
import pytest
from langchain_tests.conftest import base_vcr_config

from langchain_gpt54nano import ChatGPT54Nano


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, pluggy.Result[Any], None]:
    # trylast: runs inside pytest-asyncio's wrapper, so the mark is there before it looks.
    outcome = yield
    result = outcome.get_result()
    items = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(
            getattr(item, "obj", None)
        ):
            item.add_marker(pytest.mark.asyncio)


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """VCR for the standard suite's test_stream_time: a cassette recorded from the emulator.

    Matched on path and body, not the full URI: the session emulator picks a free port.
    The token is never recorded (langchain-tests filters the authorization header)."""
    config = base_vcr_config()
    config["match_on"] = ["method", "path", "body"]
    config["cassette_library_dir"] = str(Path(__file__).parent / "cassettes")
    return config


@pytest.fixture
def llm(emulator: Any) -> ChatGPT54Nano:
    """A ChatGPT54Nano pointed at the test emulator."""
    return ChatGPT54Nano(
        base_url=emulator.base_url, account_id=emulator.account_id, api_key=emulator.api_token
    )
