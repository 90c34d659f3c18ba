"""Fault soak: many requests against the emulator with more than 30 % of attempts faulted.

Every request (sync and async, streamed and not, plain text and parallel tool calls) goes
through the transport, ``ChatGPT54Nano`` or ``GPT54Nano``. Each attempt gets a fault of a kind
drawn from every kind the emulator offers, through its ``x-emulator-fault`` request header (set
by an httpx request hook, so the test knows exactly what was injected, retries included).

What must hold:

- every request ends in success or in a typed ``GatewayError``; a retryable status error only
  after its whole retry budget (3 attempts);
- a success carries exactly the answer the emulator's deterministic model gives: 0 silent
  truncations, 0 duplicated text, exactly the two expected tool calls with distinct ids;
- a stream that fails after delivering content raises an error whose ``.partial`` holds exactly
  what was delivered, and what was delivered is a prefix of the answer;
- every retry is one recorded (not slept) back-off, and attempts = requests + retries;
- afterwards: 0 of its client connections left open once the clients are closed, and no growth
  in threads or file descriptors (the emulator's server-side sockets excluded: it runs in this
  process).

``SOAK_REQUESTS`` sets the size per mode (300 by default, for CI; the full run uses 2,000).
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from gpt54nano_emulator import Fault
from gpt54nano_emulator.server._faults import KINDS, fault_to_header
from gpt54nano_gateway import (
    APIStatusError,
    AsyncGatewayClient,
    ChatRequest,
    GatewayClient,
    GatewayConfig,
    GatewayError,
    RetryPolicy,
)

pytestmark = [pytest.mark.soak, pytest.mark.timeout(1800)]

REQUESTS = int(os.environ.get("SOAK_REQUESTS", "300"))
FAULT_RATE = 0.4
TIMEOUT = 0.2  # read / stream-idle timeout; "stall" and "slow" wait longer than this
SEED = 20261125

# One entry per kind and variant; the test checks this covers every kind the emulator has.
FAULTS: list[Fault] = [
    Fault(kind="status", status=429, code=2003),
    Fault(kind="status", status=429, code=3036),  # quota: not retried
    Fault(kind="status", status=500),
    Fault(kind="status", status=502),
    Fault(kind="status", status=503),
    Fault(kind="status", status=400, code=2001),  # not retried
    Fault(kind="envelope"),
    Fault(kind="reset"),
    Fault(kind="reset", hard=True),
    Fault(kind="stall", seconds=0.4),
    Fault(kind="cut", after=3),
    Fault(kind="cut", after=3, hard=True),
    Fault(kind="error_event", after=4),
    Fault(kind="slow", seconds=0.4),
    Fault(kind="malformed", after=5),
    Fault(kind="guardrail", target="prompt"),  # 424 / 2016: not retried
    Fault(kind="dlp", action="flag"),  # a normal answer with a cf-aig-dlp header
]

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_population",
            "description": "Population of a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
]
TOOL_PROMPT = "What is the weather and the population in Paris?"
TOOL_NAMES = ["get_population", "get_weather"]


# --- the workload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    index: int
    api: str  # "transport" | "langchain" | "llama_index"
    stream: bool
    tools: bool

    @property
    def expected(self) -> str:
        """The emulator's model answers ``Reply with "X"`` with exactly X."""
        return f"s{self.index} " + " ".join(["w"] * (3 + self.index % 30))

    @property
    def prompt(self) -> str:
        return TOOL_PROMPT if self.tools else f'Reply with "{self.expected}"'


def jobs(count: int) -> list[Job]:
    apis = ("transport", "langchain", "llama_index")
    return [Job(i, apis[i % 3], stream=bool((i // 3) % 2), tools=i % 5 == 4) for i in range(count)]


@dataclass
class Outcome:
    text: str | None = None
    tool_calls: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    delivered: list[str] = field(default_factory=list)  # streamed text pieces before the end
    error: BaseException | None = None


# --- fault injection -----------------------------------------------------------------------------


class Injector:
    """Draws a fault for each attempt (seeded) and puts it in the emulator's fault header."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self.attempts = 0
        self.faults: Counter[str] = Counter()

    def _draw(self, request: httpx.Request) -> None:
        self.attempts += 1
        if self._rng.random() < FAULT_RATE:
            fault = self._rng.choice(FAULTS)
            variant = fault.kind + (
                "/hard" if fault.hard else f"/{fault.status}" if fault.kind == "status" else ""
            )
            self.faults[variant] += 1
            request.headers["x-emulator-fault"] = fault_to_header(fault)

    def hook(self, request: httpx.Request) -> None:
        self._draw(request)

    async def ahook(self, request: httpx.Request) -> None:
        self._draw(request)


class Sleeps:
    """Retry back-offs, recorded instead of slept."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.delays.append(seconds)


# --- resources: this process's sockets, by role --------------------------------------------------


def _tcp_roles(port: int) -> dict[str, str]:
    """inode → "server" (the emulator's side) or "client" for TCP sockets on ``port``."""
    roles: dict[str, str] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                rows = fh.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            local, remote, inode = cols[1], cols[2], cols[9]
            if int(local.rsplit(":", 1)[1], 16) == port:
                roles[inode] = "server"
            elif int(remote.rsplit(":", 1)[1], 16) == port:
                roles[inode] = "client"
    return roles


def _fd_inodes() -> list[str]:
    """The socket inode of each of this process's file descriptors ("" for other kinds)."""
    inodes = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # the listdir fd itself, closed by now
        inodes.append(target[len("socket:[") : -1] if target.startswith("socket:[") else "")
    return inodes


def client_connections(port: int) -> set[str]:
    """Inodes of this process's open client connections to ``port``."""
    roles = _tcp_roles(port)
    return {inode for inode in _fd_inodes() if roles.get(inode) == "client"}


def resources(port: int) -> dict[str, int]:
    """Open client connections to ``port``, this process's other file descriptors, threads."""
    roles = _tcp_roles(port)
    counts = Counter(roles.get(inode, "other") for inode in _fd_inodes())
    return {
        "client_connections": counts["client"],
        "fds": counts["other"],
        "threads": threading.active_count(),
    }


# --- one request through each API ----------------------------------------------------------------


def _tool_pairs_from_wire(message: Any) -> list[tuple[str, str]]:
    return [(call.id, call.function.name) for call in message.tool_calls or []]


def _partial_text(error: BaseException) -> str | None:
    partial = getattr(error, "partial", None)
    if partial is None or not partial.choices:
        return None
    return partial.choices[0].message.content or ""


class Apis:
    """The three ways in, sharing one pair of transport clients (and so the injected pools)."""

    def __init__(self, client: GatewayClient, aclient: AsyncGatewayClient) -> None:
        from langchain_gpt54nano import ChatGPT54Nano
        from llama_index_gpt54nano import GPT54Nano

        self.client, self.aclient = client, aclient
        self.langchain = ChatGPT54Nano(client=client, async_client=aclient)
        self.langchain_tools = self.langchain.bind_tools(TOOLS)
        self.llama_index = GPT54Nano(client=client, async_client=aclient)

    @staticmethod
    def request(job: Job) -> ChatRequest:
        body: dict[str, Any] = {"messages": [{"role": "user", "content": job.prompt}]}
        if job.tools:
            body["tools"] = TOOLS
        return ChatRequest.model_validate(body)

    def _li_messages(self, job: Job) -> list[Any]:
        from llama_index.core.base.llms.types import ChatMessage

        return [ChatMessage(role="user", content=job.prompt)]

    def _li_kwargs(self, job: Job) -> dict[str, Any]:
        return {"tools": TOOLS} if job.tools else {}

    def _li_tools(self, response: Any) -> list[tuple[str, str]]:
        calls = self.llama_index.get_tool_calls_from_response(response, error_on_no_tool_call=False)
        return [(call.tool_id, call.tool_name) for call in calls]

    # -- sync ----------------------------------------------------------------------------------

    def run(self, job: Job) -> Outcome:
        out = Outcome()
        try:
            getattr(self, f"_{job.api}")(job, out)
        except Exception as exc:
            out.error = exc
        return out

    def _transport(self, job: Job, out: Outcome) -> None:
        if not job.stream:
            message = self.client.create(self.request(job)).choices[0].message
            out.text, out.tool_calls = message.content, _tool_pairs_from_wire(message)
            return
        with self.client.stream(self.request(job)) as stream:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    out.delivered.append(chunk.choices[0].delta.content)
            message = stream.completion().choices[0].message
        out.text, out.tool_calls = message.content, _tool_pairs_from_wire(message)

    def _langchain(self, job: Job, out: Outcome) -> None:
        model = self.langchain_tools if job.tools else self.langchain
        if not job.stream:
            message = model.invoke(job.prompt)
        else:
            message = None
            for chunk in model.stream(job.prompt):
                if chunk.content:
                    out.delivered.append(str(chunk.content))
                message = chunk if message is None else message + chunk
        assert message is not None
        out.text = str(message.content)
        out.tool_calls = [(call["id"], call["name"]) for call in message.tool_calls]

    def _llama_index(self, job: Job, out: Outcome) -> None:
        llm, messages, kwargs = self.llama_index, self._li_messages(job), self._li_kwargs(job)
        if not job.stream:
            response = llm.chat(messages, **kwargs)
        else:
            response = None
            for response in llm.stream_chat(messages, **kwargs):
                if response.delta:
                    out.delivered.append(response.delta)
        assert response is not None
        out.text, out.tool_calls = response.message.content or "", self._li_tools(response)

    # -- async ---------------------------------------------------------------------------------

    async def arun(self, job: Job) -> Outcome:
        out = Outcome()
        try:
            await getattr(self, f"_a{job.api}")(job, out)
        except Exception as exc:
            out.error = exc
        return out

    async def _atransport(self, job: Job, out: Outcome) -> None:
        if not job.stream:
            message = (await self.aclient.create(self.request(job))).choices[0].message
            out.text, out.tool_calls = message.content, _tool_pairs_from_wire(message)
            return
        async with self.aclient.stream(self.request(job)) as stream:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    out.delivered.append(chunk.choices[0].delta.content)
            message = (await stream.completion()).choices[0].message
        out.text, out.tool_calls = message.content, _tool_pairs_from_wire(message)

    async def _alangchain(self, job: Job, out: Outcome) -> None:
        model = self.langchain_tools if job.tools else self.langchain
        if not job.stream:
            message = await model.ainvoke(job.prompt)
        else:
            message = None
            async for chunk in model.astream(job.prompt):
                if chunk.content:
                    out.delivered.append(str(chunk.content))
                message = chunk if message is None else message + chunk
        assert message is not None
        out.text = str(message.content)
        out.tool_calls = [(call["id"], call["name"]) for call in message.tool_calls]

    async def _allama_index(self, job: Job, out: Outcome) -> None:
        llm, messages, kwargs = self.llama_index, self._li_messages(job), self._li_kwargs(job)
        if not job.stream:
            response = await llm.achat(messages, **kwargs)
        else:
            response = None
            async for response in await llm.astream_chat(messages, **kwargs):
                if response.delta:
                    out.delivered.append(response.delta)
        assert response is not None
        out.text, out.tool_calls = response.message.content or "", self._li_tools(response)


# --- checking and reporting ----------------------------------------------------------------------


@dataclass
class Tally:
    policy: RetryPolicy
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def check(self, job: Job, out: Outcome) -> None:
        label = f"#{job.index} {job.api} {'stream' if job.stream else 'plain'}"
        delivered = "".join(out.delivered)
        if out.error is None:
            self.outcomes["ok"] += 1
            if job.tools:
                ids = [call_id for call_id, _ in out.tool_calls]
                names = sorted(name for _, name in out.tool_calls)
                if names != TOOL_NAMES or len(set(ids)) != len(ids) or not all(ids):
                    self.problems.append(f"{label}: tool calls {out.tool_calls}")
            elif out.text != job.expected:
                self.problems.append(f"{label}: silent truncation/duplication {out.text!r}")
            if job.stream and not job.tools and delivered != job.expected:
                self.problems.append(f"{label}: streamed {delivered!r}")
            return
        error = out.error
        self.outcomes[type(error).__name__] += 1
        if not isinstance(error, GatewayError):
            self.problems.append(f"{label}: untyped error {type(error).__name__}: {error}")
            return
        if (
            isinstance(error, APIStatusError)
            and self.policy.retryable(error)
            and error.attempts != self.policy.max_retries + 1
        ):
            self.problems.append(f"{label}: {error!r} after {error.attempts} attempts only")
        if not job.tools and not job.expected.startswith(delivered):
            self.problems.append(f"{label}: delivered {delivered!r} is not a prefix")
        if delivered:
            self.outcomes["failed mid-stream"] += 1
            partial = _partial_text(error)
            if partial != delivered:
                self.problems.append(
                    f"{label}: {type(error).__name__} partial {partial!r} != delivered "
                    f"{delivered!r}"
                )


def report(mode: str, count: int, injector: Injector, sleeps: Sleeps, tally: Tally) -> str:
    faulted = sum(injector.faults.values())
    lines = [
        f"soak ({mode}): {count} requests, {injector.attempts} attempts, "
        f"{len(sleeps.delays)} retries, {faulted} faults "
        f"({faulted / max(injector.attempts, 1):.0%} of attempts)",
        "  faults by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(injector.faults.items())),
        "  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.outcomes.items())),
    ]
    return "\n".join(lines)


# --- the test ------------------------------------------------------------------------------------


def test_fault_kinds_cover_the_emulator() -> None:
    assert {fault.kind for fault in FAULTS} == set(KINDS)


def test_soak(emulator: Any, run_io: Callable[..., Any], io_mode: str) -> None:
    config = GatewayConfig(
        account_id=emulator.account_id,
        api_token=emulator.api_token,
        base_url=emulator.base_url,
        connect_timeout=2.0,
        read_timeout=TIMEOUT,
        stream_idle_timeout=TIMEOUT,
        max_retries=2,
    )
    injector, sleeps = Injector(SEED), Sleeps()
    policy = RetryPolicy(
        max_retries=2, jitter=False, sleep=sleeps.sleep, async_sleep=sleeps.async_sleep
    )
    tally = Tally(policy)
    work = jobs(REQUESTS)
    before = resources(emulator.port)
    # Earlier tests may have left idle connections in the shared pool: only new ones count.
    open_before = client_connections(emulator.port)
    samples: list[dict[str, int]] = []

    def sync_soak() -> None:
        http = httpx.Client(event_hooks={"request": [injector.hook]}, follow_redirects=False)
        try:
            apis = Apis(GatewayClient(config, http_client=http, retry_policy=policy), None)  # type: ignore[arg-type]
            for job in work:
                tally.check(job, apis.run(job))
                if job.index % 100 == 99:
                    samples.append(resources(emulator.port))
        finally:
            http.close()

    async def async_soak() -> None:
        http = httpx.AsyncClient(event_hooks={"request": [injector.ahook]}, follow_redirects=False)
        try:
            aclient = AsyncGatewayClient(config, http_client=http, retry_policy=policy)
            apis = Apis(GatewayClient(config, retry_policy=policy), aclient)
            gate = asyncio.Semaphore(8)

            async def one(job: Job) -> None:
                async with gate:
                    tally.check(job, await apis.arun(job))
                if job.index % 100 == 99:
                    samples.append(resources(emulator.port))

            await asyncio.gather(*(one(job) for job in work))
        finally:
            await http.aclose()

    run_io(sync_soak, async_soak)
    after = resources(emulator.port)
    print("\n" + report(io_mode, len(work), injector, sleeps, tally))
    print(
        f"  resources before {before}, during (max) "
        f"{ {k: max(s[k] for s in samples) for k in before} if samples else {} }, after {after}"
    )

    assert not tally.problems, "\n".join(tally.problems[:20])
    assert sum(tally.outcomes[k] for k in tally.outcomes if k != "failed mid-stream") == len(work)
    assert sum(injector.faults.values()) >= 0.3 * injector.attempts  # seeded draws at 40 %
    kinds_hit = {variant.split("/")[0] for variant in injector.faults}
    assert kinds_hit == set(KINDS), f"kinds never injected: {set(KINDS) - kinds_hit}"
    # Every retry is one recorded back-off: attempts = requests + retries.
    assert injector.attempts == len(work) + len(sleeps.delays)
    assert tally.outcomes["ok"] > 0 and len(tally.outcomes) > 2  # both successes and errors
    assert client_connections(emulator.port) <= open_before, after
    assert after["fds"] <= before["fds"], (before, after)
    assert after["threads"] <= before["threads"], (before, after)
