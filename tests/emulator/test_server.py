"""Serving: the context manager, the command line, 256 concurrent streams, lazy imports."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from gpt54nano_emulator import Emulator, Reply

from .conftest import async_client, chat_body, rest_headers, rest_url, sse_chunks

VENV_BIN = Path(sys.executable).parent


def _emulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("gpt54nano-emulator")]


def test_starts_fast_and_stops_without_leaving_a_thread() -> None:
    before = len(_emulator_threads())
    started = time.perf_counter()
    with Emulator() as emu:
        elapsed = time.perf_counter() - started
        assert elapsed < 0.5
        assert len(_emulator_threads()) == before + 1
        response = httpx.post(rest_url(emu), json=chat_body(), headers=rest_headers(emu))
        assert response.status_code == 200
        port = emu.port
    assert len(_emulator_threads()) == before
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"http://127.0.0.1:{port}/", timeout=1)


def test_urls_and_defaults() -> None:
    emu = Emulator()
    assert (emu.account_id, emu.api_token) == ("acct-emulator", "emulator-token")
    assert emu.gateways == ("default",)
    with pytest.raises(RuntimeError):
        _ = emu.base_url  # not running
    with emu:
        assert emu.root_url == f"http://127.0.0.1:{emu.port}"
        assert emu.base_url == f"{emu.root_url}/client/v4"
        assert emu.gateway_base_url == f"{emu.root_url}/v1"
        assert emu.openai_base_url == f"{emu.base_url}/accounts/acct-emulator/ai/v1"
        assert "emulator-token" not in repr(emu)


def test_start_twice_is_refused_and_restart_works() -> None:
    emu = Emulator()
    emu.start()
    try:
        with pytest.raises(RuntimeError):
            emu.start()
    finally:
        emu.stop()
    emu.start()
    try:
        assert httpx.post(rest_url(emu), json=chat_body(), headers=rest_headers(emu)).is_success
    finally:
        emu.stop()
    emu.stop()  # idempotent


def test_stop_with_an_open_stream_returns() -> None:
    emu = Emulator().start()
    (thread,) = [t for t in _emulator_threads() if t.name.endswith(f":{emu.port}")]
    client = httpx.Client(timeout=10)
    headers = rest_headers(emu, **{"x-emulator-fault": "slow;seconds=5"})
    emu.queue_reply(Reply(content="a b c d"))
    with client.stream("POST", rest_url(emu), json=chat_body(stream=True), headers=headers) as r:
        next(r.iter_raw())
        started = time.perf_counter()
        emu.stop(timeout=5)
        assert time.perf_counter() - started < 5
    client.close()
    assert not thread.is_alive()


def test_holds_256_concurrent_streams(emulator: Any) -> None:
    # Every stream reads its first event and then waits until all 256 are open at once, so the
    # server holds 256 responses in flight together.
    count = 256
    url, headers = rest_url(emulator), rest_headers(emulator)
    body = chat_body("Reply with one two three", stream=True)

    async def main() -> list[str]:
        all_open = asyncio.Event()
        opened = 0
        # 16 clients of 16 connections: httpcore's pool scans every connection on each request
        # (quadratic), which makes one 256-connection client the bottleneck, not the server.
        groups = 16
        limits = httpx.Limits(max_connections=count // groups, max_keepalive_connections=0)
        clients = [async_client(timeout=30, limits=limits) for _ in range(groups)]

        async def one(index: int) -> str:
            nonlocal opened
            client = clients[index % groups]
            async with client.stream("POST", url, json=body, headers=headers) as response:
                assert response.status_code == 200
                parts = response.aiter_raw()
                first = await anext(parts)
                opened += 1
                if opened == count:
                    all_open.set()
                await asyncio.wait_for(all_open.wait(), 30)
                rest = [part async for part in parts]
                return (first + b"".join(rest)).decode()

        try:
            return await asyncio.gather(*(one(i) for i in range(count)))
        finally:
            for client in clients:
                await client.aclose()

    texts = asyncio.run(main())
    assert len(texts) == count
    for text in texts:
        chunks = sse_chunks(text)
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert len(emulator.requests) == count


def _wait_for_banner(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if match:
            return match.group(1)
    raise AssertionError("the emulator did not print its address")


@pytest.mark.parametrize(
    "command",
    [
        [str(VENV_BIN / "gpt54nano-emulator")],
        [sys.executable, "-m", "gpt54nano_emulator"],
    ],
    ids=["console-script", "python-m"],
)
def test_command_line_serves(command: list[str]) -> None:
    if not Path(command[0]).exists():
        pytest.skip("console script not installed")
    args = [
        *command,
        "--port",
        "0",
        "--account-id",
        "a9",
        "--gateway",
        "gw",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    try:
        root = _wait_for_banner(process)
        url = f"{root}/v1/a9/gw/compat/chat/completions"
        headers = {"cf-aig-authorization": "Bearer emulator-token"}
        response = httpx.post(url, json=chat_body(), headers=headers, timeout=10)
        assert response.status_code == 200
        log = httpx.get(f"{root}/__emulator/requests", timeout=10).json()
        assert [entry["path"] for entry in log] == ["/v1/a9/gw/compat/chat/completions"]
    finally:
        process.terminate()
        process.wait(10)


def test_command_line_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gpt54nano_emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "--port" in result.stdout


def test_importing_the_packages_does_not_import_starlette() -> None:
    code = (
        "import sys, json, gpt54nano_gateway, gpt54nano_emulator;"
        "import gpt54nano_emulator.model._brain;"
        "print(json.dumps([m for m in ('starlette', 'uvicorn', 'jsonschema') if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert json.loads(result.stdout) == []


def test_emulator_imports_nothing_from_the_client_side() -> None:
    # Importing the subpackage loads the parent package (and so the client) anyway, so the
    # check is on the source: no emulator module imports a non-emulator gpt54nano_gateway module.
    import ast

    import gpt54nano_emulator as package

    offenders = []
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level >= 2:
                names = ["gpt54nano_gateway." + (node.module or "")]
            for name in names:
                if name.startswith("gpt54nano_gateway") and not name.startswith(
                    "gpt54nano_emulator"
                ):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
