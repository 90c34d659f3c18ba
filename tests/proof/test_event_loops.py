"""A user's async test suite passes under ``-W error``, on asyncio and on uvloop.

Once, the README's own fixture failed such a suite: each pytest-asyncio test runs on its own
loop, the loop ended with the transport's pooled sockets still open, and the next test failed
on ``ResourceWarning: unclosed transport``; under uvloop, closing the loop raised ``OSError:
[Errno 16]``. Here the README's conftest (taken from README.md, so the two cannot drift) and a
small suite of async tests (the transport, ChatGPT54Nano and GPT54Nano, create and stream, one
loop per test, plus loops run by ``asyncio.run`` / ``uvloop.run`` inside a sync test) are written
to a temporary folder and run by pytest in a subprocess with every warning an error.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(180)

README = Path(__file__).resolve().parents[2] / "README.md"

LOOP_HOOK = '''

import asyncio
import os


def pytest_asyncio_loop_factories(config, item):
    """One loop per test, of the kind USER_SUITE_LOOP names."""
    if os.environ["USER_SUITE_LOOP"] == "uvloop":
        import uvloop

        return {"uvloop": uvloop.new_event_loop}
    return {"asyncio": asyncio.new_event_loop}
'''

SUITE = """
import asyncio
import gc
import os

import pytest
from llama_index.core.base.llms.types import ChatMessage

from gpt54nano_emulator import Reply
from gpt54nano_gateway import AsyncGatewayClient
from langchain_gpt54nano import ChatGPT54Nano
from llama_index_gpt54nano import GPT54Nano

REQUEST = {"messages": [{"role": "user", "content": "Hi"}]}
MESSAGES = [ChatMessage(role="user", content="Hi")]


@pytest.mark.asyncio
@pytest.mark.parametrize("round", range(2))
async def test_transport_create(config, emulator, round):
    emulator.queue_reply(Reply(content="one"))
    completion = await AsyncGatewayClient(config).create(REQUEST)
    assert completion.choices[0].message.content == "one"


@pytest.mark.asyncio
async def test_transport_stream(config, emulator):
    emulator.queue_reply(Reply(content="two"))
    async with AsyncGatewayClient(config).stream(REQUEST) as stream:
        completion = await stream.completion()
    assert completion.choices[0].message.content == "two"


@pytest.mark.asyncio
async def test_two_configs_two_pools(config, emulator):
    other = config.model_copy(update={"max_connections": 7})  # another pool on the same loop
    emulator.queue_reply(Reply(content="a"), Reply(content="b"))
    first = await AsyncGatewayClient(config).create(REQUEST)
    second = await AsyncGatewayClient(other).create(REQUEST)
    assert [first.choices[0].message.content, second.choices[0].message.content] == ["a", "b"]


@pytest.mark.asyncio
async def test_langchain_ainvoke(config, emulator):
    emulator.queue_reply(Reply(content="three"))
    assert (await ChatGPT54Nano(config=config).ainvoke("Hi")).content == "three"


@pytest.mark.asyncio
async def test_langchain_astream(config, emulator):
    emulator.queue_reply(Reply(content="four"))
    chunks = [chunk async for chunk in ChatGPT54Nano(config=config).astream("Hi")]
    assert "".join(chunk.content for chunk in chunks) == "four"


@pytest.mark.asyncio
async def test_llama_index_achat(config, emulator):
    emulator.queue_reply(Reply(content="five"))
    response = await GPT54Nano(config=config).achat(MESSAGES)
    assert response.message.content == "five"


@pytest.mark.asyncio
async def test_llama_index_astream_chat(config, emulator):
    emulator.queue_reply(Reply(content="six"))
    responses = [r async for r in await GPT54Nano(config=config).astream_chat(MESSAGES)]
    assert responses[-1].message.content == "six"


def test_loops_run_by_a_runner_inside_a_sync_test(config, emulator):
    if os.environ["USER_SUITE_LOOP"] == "uvloop":
        import uvloop

        run = uvloop.run
    else:
        run = asyncio.run
    for i in range(3):
        emulator.queue_reply(Reply(content=f"run {i}"))
        completion = run(AsyncGatewayClient(config).create(REQUEST))
        assert completion.choices[0].message.content == f"run {i}"
    gc.collect()  # an unclosed socket of those loops would warn (an error here) right now


def test_sync_calls_after_the_loops(config, emulator):
    emulator.queue_reply(Reply(content="seven"))
    assert ChatGPT54Nano(config=config).invoke("Hi").content == "seven"
"""

TESTS = 10


def readme_conftest() -> str:
    """The ``# conftest.py`` part of the README's pytest example, as a reader copies it."""
    text = README.read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "# conftest.py" in b)
    return block.split("# conftest.py\n", 1)[1].split("\n# test_", 1)[0]


@pytest.mark.parametrize(
    "loop",
    [
        "asyncio",
        pytest.param(
            "uvloop",
            marks=pytest.mark.skipif(
                importlib.util.find_spec("uvloop") is None, reason="uvloop is not installed"
            ),
        ),
    ],
)
def test_user_suite_passes_with_warnings_as_errors(loop: str, tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    (tmp_path / "conftest.py").write_text(readme_conftest() + LOOP_HOOK, encoding="utf-8")
    (tmp_path / "test_user_app.py").write_text(SUITE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env={**_clean_env(), "USER_SUITE_LOOP": loop},
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert f"{TESTS} passed" in result.stdout, result.stdout[-3000:]


def _clean_env() -> dict[str, str]:
    # No PYTHONWARNINGS from outside: -W error is the whole point, and the only setting.
    return {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
