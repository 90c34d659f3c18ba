"""``Emulator``: runs the app under uvicorn in a background thread, on 127.0.0.1.

The listening socket is bound here (port 0 → a free port) before the thread starts, so the port
is known at once and no connection attempt can race the start-up. uvicorn runs with the asyncio
loop, h11 (httptools when installed), lifespan off, no access log, a 2048 backlog and no
concurrency limit: 256 concurrent streams fit.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

import uvicorn

from ..model._brain import Reply
from ._app import EmulatorState, RecordedRequest, build_app
from ._dynamic_routes import route_table
from ._faults import Fault, FaultPlan
from ._log_store import Delay, LogEntry, LogStore, detail_view

DEFAULT_ACCOUNT_ID = "acct-emulator"
DEFAULT_API_TOKEN = "emulator-token"
BACKLOG = 2048


def http_implementation() -> str:
    return "httptools" if importlib.util.find_spec("httptools") is not None else "h11"


def make_config(app: Any, *, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="asyncio",
        http=http_implementation(),
        lifespan="off",
        access_log=False,
        log_level=log_level,
        backlog=BACKLOG,
        limit_concurrency=None,
        proxy_headers=False,  # keeps uvicorn's own send() outermost (see _app.drop_connection)
        server_header=False,
        date_header=True,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=2,
    )


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 → a free port), bound before uvicorn starts."""
    # proto IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
    # socket says it is TCP; without it Nagle + delayed ACK add ~40 ms to every response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return sock


class Emulator:
    """A local Cloudflare (REST + AI Gateway) emulator for ``openai/gpt-5.4-nano``.

    ``with Emulator() as emu: ...`` starts it on a free port and stops it on exit.
    """

    def __init__(
        self,
        account_id: str = DEFAULT_ACCOUNT_ID,
        api_token: str = DEFAULT_API_TOKEN,
        gateways: Iterable[str] = ("default",),
        port: int = 0,
        host: str = "127.0.0.1",
        *,
        dynamic_routes: Mapping[str, Iterable[str]] | Iterable[str] = (),
        log_delay: float = 0.0,
        log_delay_gets: int = 0,
        tokens_per_second: float = 0.0,
    ) -> None:
        """``dynamic_routes``: names served as ``"model": "dynamic/<name>"`` (a list: on every
        gateway; a mapping: gateway → names). ``log_delay`` / ``log_delay_gets``: a new gateway
        log stays "not written yet" (404) for that many seconds of the emulator clock and/or
        that many requests for it (see :meth:`delay_logs`). ``tokens_per_second``: pace of
        streamed chunks for a person watching (0, the default, streams instantly)."""
        if tokens_per_second < 0:
            raise ValueError("tokens_per_second must be 0 or more")
        self.account_id = account_id
        self.api_token = api_token
        self.host = host
        self._requested_port = port
        gateway_ids = tuple(gateways)
        self._state = EmulatorState(
            account_id,
            api_token,
            gateway_ids,
            logs=LogStore(default_delay=Delay(log_delay, log_delay_gets)),
            dynamic_routes=route_table(dynamic_routes, gateway_ids),
            stream_pace=1.0 / tokens_per_second if tokens_per_second else 0.0,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._port: int | None = None
        self._error: BaseException | None = None

    def __repr__(self) -> str:  # never shows the token
        state = f"port={self._port}" if self._port is not None else "stopped"
        return f"Emulator(account_id={self.account_id!r}, {state})"

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Emulator:
        if self._thread is not None:
            raise RuntimeError("emulator already started")
        sock = bind_socket(self.host, self._requested_port)
        self._socket = sock
        self._port = sock.getsockname()[1]
        config = make_config(build_app(self._state), host=self.host, port=self._port)
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=self._run,
            args=(server, sock),
            name=f"gpt54nano-emulator:{self._port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if self._error is not None or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("the emulator failed to start") from self._error
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the emulator did not start in time")
            time.sleep(0.002)
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to start()/stop()
            self._error = exc

    def stop(self, timeout: float = 10.0) -> None:
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        self._port = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not running")
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The REST API root (``GatewayConfig.base_url`` for ``endpoint="rest"``)."""
        return f"{self.root_url}/client/v4"

    @property
    def gateway_base_url(self) -> str:
        """The gateway-host root (``GatewayConfig.base_url`` for ``endpoint="gateway"``)."""
        return f"{self.root_url}/v1"

    @property
    def openai_base_url(self) -> str:
        """Where an OpenAI SDK client points: ``{base_url}/accounts/{account_id}/ai/v1``."""
        return f"{self.base_url}/accounts/{self.account_id}/ai/v1"

    @property
    def gateways(self) -> tuple[str, ...]:
        return self._state.gateways

    # --- test controls --------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.log)

    def clear_requests(self) -> None:
        with self._state.lock:
            self._state.log.clear()

    def queue_reply(self, *replies: Reply) -> None:
        """Answers for the next chat requests that reach the model, first in first out."""
        with self._state.lock:
            self._state.replies.extend(replies)

    def plan_faults(
        self,
        fault: Fault,
        *,
        next_n: int | None = None,
        every: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> None:
        plan = FaultPlan(fault, next_n=next_n, every=every, probability=probability, seed=seed)
        self._state.plans.add(plan)

    def advance_time(self, seconds: float) -> None:
        """Move the cache and log clocks forward (expire cached answers, reveal delayed logs,
        without sleeping)."""
        self._state.cache.advance(seconds)
        self._state.logs.advance(seconds)

    def delay_logs(self, seconds: float = 0.0, gets: int = 0) -> None:
        """Gateway logs written from now on answer 404 for ``seconds`` (emulator clock) and/or
        their next ``gets`` requests, like a log Cloudflare has not written yet. ``reset()``
        restores the constructor's delay."""
        self._state.logs.delay(seconds, gets)

    @property
    def gateway_logs(self) -> list[dict[str, Any]]:
        """Every gateway log entry, delayed ones included, as ``GET …/logs/{id}`` shows it, with
        its ``gateway`` added."""
        return [_with_gateway(entry) for entry in self._state.logs.all()]

    def reset(self) -> None:
        """Clear queued replies, fault plans, the cache, the request log and the gateway logs.

        Requests still in flight (say, a stalled one whose client timed out) finish in the old
        generation: they take no queued reply and neither read nor fill the cache.
        """
        self._state.reset()

    @property
    def requests_in_flight(self) -> int:
        """Chat requests whose handler has not returned yet."""
        with self._state.lock:
            return self._state.in_flight

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait (bounded) until no chat request is in flight; ``False`` on timeout."""
        deadline = time.monotonic() + timeout
        while self.requests_in_flight:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True


def _with_gateway(entry: LogEntry) -> dict[str, Any]:
    return {"gateway": entry.gateway, **detail_view(entry)}
