"""Fixtures for the LlamaIndex adapter: a ``GPT54Nano`` pointed at the session emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from llama_index_gpt54nano import GPT54Nano


@pytest.fixture
def llm(emulator: Any) -> GPT54Nano:
    """A ``GPT54Nano`` on the emulator (REST endpoint form), fresh clients per test."""
    return GPT54Nano(
        account_id=emulator.account_id, api_key=emulator.api_token, base_url=emulator.base_url
    )


@pytest.fixture
def bodies(emulator: Any) -> Callable[[], list[dict[str, Any]]]:
    """``bodies()``: the JSON bodies of the chat requests the emulator received, in order."""
    return lambda: [r.body for r in emulator.requests if r.path.endswith("/chat/completions")]


@pytest.fixture(params=[True, False], ids=["streaming", "non-streaming"])
def streaming(request: pytest.FixtureRequest) -> bool:
    """Agents run twice: streaming (their default) and not."""
    return bool(request.param)
