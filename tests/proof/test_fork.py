"""Fork safety: a child never uses its parent's pooled connections or its pool lock.

The parent makes requests (so its pools hold keep-alive sockets to the emulator), keeps threads
busy with requests while it forks, and forks children that use objects built before the fork:
``GatewayClient`` / ``AsyncGatewayClient``, ``ChatGPT54Nano`` and ``GPT54Nano``. Each child asks
questions no other process asks; the emulator's scripted model echoes the question, so an answer
meant for another process shows up as a mismatch. Each child reports over a pipe and must finish
within a bound (a hang is killed and fails the test).
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from gpt54nano_gateway import AsyncGatewayClient, GatewayClient, GatewayConfig
from langchain_gpt54nano import ChatGPT54Nano
from llama_index_gpt54nano import GPT54Nano

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork"),
    pytest.mark.timeout(120),
]

CHILDREN = 6
REQUESTS_PER_CHILD = 3
CHILD_BOUND = 30.0  # seconds; a child still running then is a hang


def _echoed(question: str, answer: str) -> bool:
    return f'You said: "{question}"' in answer


def _run_child(work: Callable[[str], str], tag: str) -> dict[str, Any]:
    crossed, done = [], 0
    for i in range(REQUESTS_PER_CHILD):
        question = f"fork {tag} pid {os.getpid()} question {i}"
        answer = work(question)
        if not _echoed(question, answer):
            crossed.append(answer[:200])
        done += 1
    return {"done": done, "crossed": crossed}


def _fork(work: Callable[[str], str], tag: str) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running any pytest teardown
        code = 0
        try:
            os.close(read_end)
            report = _run_child(work, tag)
        except BaseException as exc:  # reported to the parent, which fails the test
            report = {"error": f"{type(exc).__name__}: {exc}"}
            code = 1
        try:
            os.write(write_end, json.dumps(report).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, read_end: int) -> dict[str, Any]:
    """The child's report, or ``{"hang": True}`` after CHILD_BOUND seconds (child killed)."""
    end = time.monotonic() + CHILD_BOUND
    data = b""
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"hang": True}
            ready, _, _ = select.select([read_end], [], [], left)
            if ready:
                piece = os.read(read_end, 65536)
                if not piece:
                    break
                data += piece
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    report: dict[str, Any] = json.loads(data) if data else {"error": "no report"}
    report["exit"] = os.waitstatus_to_exitcode(status)
    return report


def _workers(emulator: Any) -> dict[str, Callable[[str], str]]:
    """One callable per layer and mode, all built (and used once) before any fork."""
    config = GatewayConfig(
        base_url=emulator.base_url, account_id=emulator.account_id, api_token=emulator.api_token
    )
    client = GatewayClient(config)
    aclient = AsyncGatewayClient(config)
    chat = ChatGPT54Nano(
        base_url=emulator.base_url, account_id=emulator.account_id, api_key=emulator.api_token
    )
    llm = GPT54Nano(
        base_url=emulator.base_url, account_id=emulator.account_id, api_key=emulator.api_token
    )

    def request(question: str) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": question}]}

    def gateway_sync(q: str) -> str:
        return str(client.create(request(q)).choices[0].message.content)

    def gateway_stream(q: str) -> str:
        with client.stream(request(q)) as stream:
            return str(stream.completion().choices[0].message.content)

    def gateway_async(q: str) -> str:
        async def go() -> str:
            return str((await aclient.create(request(q))).choices[0].message.content)

        return asyncio.run(go())

    def langchain_sync(q: str) -> str:
        return str(chat.invoke(q).content)

    def langchain_async(q: str) -> str:
        return str(asyncio.run(chat.ainvoke(q)).content)

    def llama_sync(q: str) -> str:
        return llm.complete(q).text

    def llama_async(q: str) -> str:
        return asyncio.run(llm.acomplete(q)).text

    return {
        "gateway-sync": gateway_sync,
        "gateway-stream": gateway_stream,
        "gateway-async": gateway_async,
        "langchain-sync": langchain_sync,
        "langchain-async": langchain_async,
        "llama-sync": llama_sync,
        "llama-async": llama_async,
    }


@pytest.mark.parametrize(
    "layer",
    [
        "gateway-sync",
        "gateway-stream",
        "gateway-async",
        "langchain-sync",
        "langchain-async",
        "llama-sync",
        "llama-async",
    ],
)
def test_children_get_their_own_answers_with_threads_busy_at_fork(
    emulator: Any, layer: str
) -> None:
    workers = _workers(emulator)
    work = workers[layer]
    # The parent uses every layer before forking: its pools hold keep-alive sockets.
    for name, fn in workers.items():
        question = f"parent warm-up {name}"
        assert _echoed(question, fn(question))

    stop = threading.Event()
    parent_crossed: list[str] = []
    parent_done = [0]

    def busy(index: int) -> None:
        sync = workers["gateway-sync"]
        n = 0
        while not stop.is_set() and n < 500:  # bounded even if stop never comes
            question = f"parent thread {index} request {n}"
            answer = sync(question)
            if not _echoed(question, answer):
                parent_crossed.append(answer[:200])
            parent_done[0] += 1
            n += 1

    threads = [threading.Thread(target=busy, args=(i,), daemon=True) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        while parent_done[0] < 4:  # the threads are mid-request, holding pool state
            time.sleep(0.005)
        children = [_fork(work, f"{layer}-{i}") for i in range(CHILDREN)]
        reports = [_collect(pid, fd) for pid, fd in children]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    expected = {"done": REQUESTS_PER_CHILD, "crossed": [], "exit": 0}
    assert reports == [expected] * CHILDREN
    assert parent_crossed == []
    assert not any(thread.is_alive() for thread in threads)
    # The parent's pool still works after its children used (and left) theirs.
    assert _echoed("parent after", workers["gateway-sync"]("parent after"))
