"""``gpt54nano chat`` and ``gpt54nano demo``: run as a user runs them, without credentials
(embedded emulator), plus the error path and the import hygiene the CLI promises."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gpt54nano.cli import main
from gpt54nano.demo import Transcript, run_chat
from gpt54nano_emulator import Reply
from gpt54nano_gateway import config as config_module

_LOG_ID = r"log id [0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-"  # lowercase UUIDv7, as Cloudflare sends


def _command() -> list[str]:
    script = Path(sys.executable).parent / "gpt54nano"
    if script.exists():
        return [str(script)]
    found = shutil.which("gpt54nano")
    return [found] if found else [sys.executable, "-m", "gpt54nano.cli"]


def _clean_env() -> dict[str, str]:
    """The caller's environment without any Cloudflare credential, so the emulator answers."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CLOUDFLARE_", "CF_ACCOUNT", "CF_AI_"))
    }
    env["NO_COLOR"] = "1"
    return env


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_command(), *args],
        env=_clean_env() | (env or {}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_chat_streams_an_answer_from_the_embedded_emulator() -> None:
    result = _run("chat", "What is an AI gateway?")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "using the embedded emulator" in out
    assert "streamed token by token" in out
    assert re.search(_LOG_ID, out), out
    assert re.search(r"tokens \d+ in / \d+ out", out), out
    assert result.stderr == ""


def test_emulator_flag_wins_over_credentials() -> None:
    # These credentials would send the call to api.cloudflare.com; --emulator keeps it local.
    fake = {"CLOUDFLARE_ACCOUNT_ID": "acct-not-used", "CLOUDFLARE_API_TOKEN": "token-not-used"}
    result = _run("chat", "hi", "--emulator", env=fake)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--emulator given: using the embedded emulator")


def test_demo_shows_every_part() -> None:
    result = _run("demo")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.count("using the embedded emulator") == 1
    # LangChain: the streamed chain, the tool round trip, the structured object.
    assert "model> An AI gateway sits between your application and model providers." in out
    assert '[tool call] get_weather({"city": "Lisbon"})' in out
    assert '[tool result] {"city": "Lisbon", "temperature_c": 21, "sky": "sunny"}' in out
    assert "CityFacts(city='Lisbon', country='Portugal'" in out
    # LlamaIndex: the agent's events, both tools.
    assert '[tool call] get_weather({"city": "Paris"})' in out
    assert "[tool result] celsius_to_fahrenheit -> 57.2" in out
    assert "[agent done] final answer: It is 14 °C in Paris" in out
    # Per-call facts: usage and log ids on every call, the cache answering MISS then HIT.
    calls = re.findall(r"call: tokens (\d+) in / (\d+) out \| " + _LOG_ID, out)
    assert len(calls) >= 8, out
    assert out.index("cache MISS") < out.index("cache HIT")
    assert out.rstrip().endswith("demo finished")


def test_a_gateway_error_exits_1_with_one_typed_line(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Credentials set, so the CLI goes to "Cloudflare", which is the test's emulator here.
    monkeypatch.setattr(config_module, "_REST_ROOT", emulator.base_url)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", emulator.account_id)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "not-the-right-token")
    monkeypatch.setenv("NO_COLOR", "1")

    assert main(["chat", "hello"]) == 1

    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: AuthenticationError: ")
    assert "HTTP 401" in err[0]
    assert "not-the-right-token" not in err[0]


@pytest.mark.parametrize(
    "argv", [["frobnicate"], ["chat"], ["chat", "  "], ["demo", "--only", "x"]]
)
def test_usage_error_exits_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_importing_the_transport_and_cli_loads_no_framework() -> None:
    code = (
        "import sys, gpt54nano_gateway, gpt54nano.cli\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('langchain', 'llama_index')))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_demo_without_the_framework_extras_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gpt54nano_gateway

    # As if `pip install gpt54nano` had been run without the [langchain] extra.
    monkeypatch.setitem(sys.modules, "langchain_gpt54nano", None)
    monkeypatch.delitem(sys.modules, "gpt54nano.demo_langchain", raising=False)
    monkeypatch.delattr(gpt54nano_gateway, "_demo_langchain", raising=False)

    assert main(["demo", "--emulator"]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""  # nothing started before the check
    err = captured.err.splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ConfigurationError: the demo needs LangChain and LlamaIndex")
    assert "pip install 'gpt54nano[all]'" in err[0]


class _FlushRecorder(io.StringIO):
    """Remembers what had been written at each flush: what a terminal would show by then."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def test_chat_writes_each_token_as_it_arrives(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config_module, "_REST_ROOT", emulator.base_url)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", emulator.account_id)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", emulator.api_token)
    emulator.queue_reply(Reply(content="alpha beta gamma delta"))
    out = _FlushRecorder()

    run_chat("hi", Transcript(out, color=False))

    assert "alpha beta gamma delta\n" in out.getvalue()
    # Screens flushed while the answer was incomplete: the text grew piece by piece.
    partial = [s for s in out.flushed if "alpha" in s and "alpha beta gamma delta" not in s]
    assert len(partial) >= 2, out.flushed
