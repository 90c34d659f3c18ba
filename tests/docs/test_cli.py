"""``gpt54nano chat`` and ``gpt54nano demo``: run as a user runs them, in a subprocess.

Without any Cloudflare variable the embedded emulator answers; with any of them set the CLI uses
them (here pointed at the test's emulator through the public ``CLOUDFLARE_BASE_URL``, the same
code path as real Cloudflare) or fails with the real error in one line, exit 1: a newcomer's
mistakes are never answered from the emulator by surprise."""

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


def _emulator_env(emulator: Any, **extra: str) -> dict[str, str]:
    """What a user pastes from ``gpt54nano-emulator``'s banner (or sets for Cloudflare)."""
    return {
        "CLOUDFLARE_ACCOUNT_ID": emulator.account_id,
        "CLOUDFLARE_API_TOKEN": emulator.api_token,
        "CLOUDFLARE_BASE_URL": emulator.base_url,
    } | extra


def test_demo_runs_with_credentials_against_a_stand_alone_emulator(emulator: Any) -> None:
    # The second of the demo's two modes: credentials and CLOUDFLARE_BASE_URL, the code path of
    # real Cloudflare. No scripted replies here, so the test checks the structure, not the words.
    result = _run("demo", env=_emulator_env(emulator))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.startswith(f"Cloudflare: account {emulator.account_id}, model openai/gpt-5.4-nano")
    assert "embedded emulator" not in out
    for section in ("LCEL chain", "tool calling", "structured output", "FunctionAgent", "cache"):
        assert (
            f"== LangChain: {section}" in out
            or f"== LlamaIndex: {section}" in out
            or (f"== Gateway {section}" in out)
        ), section
    assert "[tool call] get_weather(" in out
    assert "[agent done] final answer:" in out
    calls = re.findall(r"call: tokens (\d+) in / (\d+) out \| " + _LOG_ID, out)
    assert len(calls) >= 6, out
    assert out.index("cache MISS") < out.index("cache HIT")
    assert out.rstrip().endswith("demo finished")
    paths = {request.path for request in emulator.requests}
    assert paths == {f"/client/v4/accounts/{emulator.account_id}/ai/v1/chat/completions"}


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "embedded emulator" not in result.stdout
    err = result.stderr.splitlines()
    assert len(err) == 1, err  # one line, no traceback
    return err[0]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            {
                "CLOUDFLARE_ACCOUNT_ID": "acct",
                "CLOUDFLARE_API_TOKEN": "tok",
                "CLOUDFLARE_BASE_URL": "127.0.0.1:8787/client/v4",
            },
            "error: ConfigurationError: invalid gateway configuration: "
            "base_url: Value error, base_url must be an absolute http(s) URL",
            id="base-url-without-scheme",
        ),
        pytest.param(
            {"CLOUDFLARE_ACCOUNT_ID": "acct", "CLOUDFLARE_API_TOKEN": "tok\n"},
            "error: ConfigurationError: invalid gateway configuration: "
            "api_token: Value error, api_token contains characters that cannot be sent in a header",
            id="token-with-newline",
        ),
        pytest.param(
            {"CLOUDFLARE_BASE_URL": "http://127.0.0.1:8787/client/v4"},
            "error: ConfigurationError: missing Cloudflare credentials: set "
            "CLOUDFLARE_ACCOUNT_ID or CF_ACCOUNT_ID and CLOUDFLARE_API_TOKEN or CF_AI_API_TOKEN "
            "(or pass account_id / api_token explicitly)",
            id="only-base-url",
        ),
        pytest.param(
            {"CLOUDFLARE_API_TOKEN": "tok"},
            "error: ConfigurationError: missing Cloudflare credentials: set "
            "CLOUDFLARE_ACCOUNT_ID or CF_ACCOUNT_ID (or pass account_id / api_token explicitly)",
            id="only-token",
        ),
        pytest.param(
            {
                "CLOUDFLARE_API_TOKEN": "tok",
                "CLOUDFLARE_ACCOUNT_ID": "other",
                "CLOUDFLARE_AI_GATEWAY_ID": "gw2",
                "CLOUDFLARE_BASE_URL": "http://127.0.0.1:8787/v1/acct/gw1/compat",
            },
            "error: ConfigurationError: base_url names gateway_id 'gw1' but gateway_id='gw2' was "
            "given: drop one, or pass the API root (http://127.0.0.1:8787/v1) as base_url",
            id="pasted-url-conflicts",
        ),
    ],
)
def test_a_wrong_setting_fails_in_one_line_instead_of_using_the_emulator(
    env: dict[str, str], expected: str
) -> None:
    assert _one_error_line(_run("chat", "hi", env=env)) == expected


def test_credentials_and_base_url_reach_a_stand_alone_emulator(emulator: Any) -> None:
    result = _run("chat", "hi", "--system", "Answer briefly.", env=_emulator_env(emulator))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Cloudflare: account {emulator.account_id}, model ")
    assert "embedded emulator" not in result.stdout
    assert re.search(_LOG_ID, result.stdout), result.stdout
    [request] = emulator.requests
    assert request.path == f"/client/v4/accounts/{emulator.account_id}/ai/v1/chat/completions"
    assert request.body is not None
    assert request.body["messages"] == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "hi"},
    ]


@pytest.mark.parametrize(
    ("suffix", "path"),
    [
        ("/accounts/{acct}/ai/v1", "/client/v4/accounts/{acct}/ai/v1/chat/completions"),
        (
            "/accounts/{acct}/ai/v1/chat/completions",
            "/client/v4/accounts/{acct}/ai/v1/chat/completions",
        ),
        ("@/{acct}/default/compat", "/v1/{acct}/default/compat/chat/completions"),
        (
            "@/{acct}/default/compat/chat/completions",
            "/v1/{acct}/default/compat/chat/completions",
        ),
    ],
    ids=["sdk-url", "sdk-url-full", "gateway-url", "gateway-url-full"],
)
def test_a_pasted_endpoint_url_is_understood(emulator: Any, suffix: str, path: str) -> None:
    # "@" stands for the gateway root (http://127.0.0.1:PORT/v1), else the REST root.
    root = emulator.gateway_base_url if suffix.startswith("@") else emulator.base_url
    url = root + suffix.lstrip("@").format(acct=emulator.account_id)
    # The account comes from the URL: no CLOUDFLARE_ACCOUNT_ID at all.
    env = {"CLOUDFLARE_API_TOKEN": emulator.api_token, "CLOUDFLARE_BASE_URL": url}
    result = _run("chat", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert [r.path for r in emulator.requests] == [path.format(acct=emulator.account_id)]


_TOKENS_HINT = "create one at https://dash.cloudflare.com/profile/api-tokens)"


def test_a_wrong_token_says_which_permission_and_where_tokens_are_made(emulator: Any) -> None:
    env = _emulator_env(emulator, CLOUDFLARE_API_TOKEN="not-the-right-token")
    line = _one_error_line(_run("chat", "hello", env=env))
    assert re.fullmatch(
        re.escape(
            "error: AuthenticationError: Authentication error (the API token is missing, wrong or "
            "expired: it needs 'Workers AI Read' and 'AI Gateway Read' + 'AI Gateway Edit' on "
            f"this account; {_TOKENS_HINT} (HTTP 401, code 10000, "
        )
        + _LOG_ID
        + r"[0-9a-f-]+\)",
        line,
    ), line
    assert "not-the-right-token" not in line


def test_a_wrong_token_on_the_gateway_host_names_the_run_permission(emulator: Any) -> None:
    url = f"{emulator.gateway_base_url}/{emulator.account_id}/default/compat"
    env = _emulator_env(emulator, CLOUDFLARE_API_TOKEN="nope", CLOUDFLARE_BASE_URL=url)
    line = _one_error_line(_run("chat", "hello", env=env))
    assert line.startswith("error: AuthenticationError: Unauthorized (the API token is missing")
    assert f"it needs 'AI Gateway Run' on this account; {_TOKENS_HINT} (HTTP 401, code 2009" in line


@pytest.mark.parametrize("model", ["gpt-5.4-nano", "openai/gpt-5.4-nanoo"])
def test_a_wrong_model_id_suggests_the_right_one(emulator: Any, model: str) -> None:
    line = _one_error_line(_run("chat", "hi", "--model", model, env=_emulator_env(emulator)))
    assert line.startswith(f"error: NotFoundError: Model not found: {model} ")
    assert "(did you mean `openai/gpt-5.4-nano`?) (HTTP 404, code 7003" in line


def test_an_unknown_gateway_is_named_with_how_to_create_it(emulator: Any) -> None:
    env = _emulator_env(emulator, CLOUDFLARE_AI_GATEWAY_ID="my-gw")
    line = _one_error_line(_run("chat", "hi", env=env))
    assert line.startswith("error: BadRequestError: Please configure AI Gateway in the ")
    assert (
        "(gateway 'my-gw' does not exist on this account: create it in the dashboard (AI > AI "
        "Gateway > Create Gateway, the id is its name) or set gateway_id / "
        "CLOUDFLARE_AI_GATEWAY_ID to an existing one) (HTTP 400, code 2001"
    ) in line


def test_a_gateway_error_exits_1_in_process(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in _emulator_env(emulator, CLOUDFLARE_API_TOKEN="wrong").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_COLOR", "1")

    assert main(["chat", "hello"]) == 1

    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: AuthenticationError: ")


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["chat"],
        ["chat", "  "],
        ["demo", "--only", "x"],
        ["chat", "hi", "--tokens-per-second", "-1"],
    ],
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
    for name, value in _emulator_env(emulator).items():
        monkeypatch.setenv(name, value)
    emulator.queue_reply(Reply(content="alpha beta gamma delta"))
    out = _FlushRecorder()

    run_chat("hi", Transcript(out, color=False))

    assert "alpha beta gamma delta\n" in out.getvalue()
    # Screens flushed while the answer was incomplete: the text grew piece by piece.
    partial = [s for s in out.flushed if "alpha" in s and "alpha beta gamma delta" not in s]
    assert len(partial) >= 2, out.flushed


def test_the_emulator_command_prints_exports_and_logs_each_request() -> None:
    script = Path(sys.executable).parent / "gpt54nano-emulator"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "gpt54nano_emulator"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--tokens-per-second", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )
    assert process.stderr is not None
    try:
        banner = [process.stderr.readline() for _ in range(8)]
        root = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner[0])
        assert root, banner
        exports = [line.strip() for line in banner if line.strip().startswith("export ")]
        assert exports == [
            "export CLOUDFLARE_ACCOUNT_ID=acct-emulator",
            "export CLOUDFLARE_API_TOKEN=emulator-token",
            f"export CLOUDFLARE_BASE_URL={root.group(1)}/client/v4",
        ]
        env = dict(line.removeprefix("export ").split("=", 1) for line in exports)
        result = _run("chat", "hi", env=env)  # the exports, pasted: the CLI uses that emulator
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Cloudflare: account acct-emulator")
        logged = ""
        for _ in range(20):  # past uvicorn's start-up lines; bounded
            logged = process.stderr.readline()
            if " POST " in logged:
                break
        assert re.search(
            r" POST /client/v4/accounts/acct-emulator/ai/v1/chat/completions -> 200 \(\d+ ms\)$",
            logged,
        ), logged
    finally:
        process.terminate()
        process.wait(10)


def test_a_paced_emulator_streams_the_whole_answer() -> None:
    from gpt54nano_emulator import Emulator

    with pytest.raises(ValueError, match="tokens_per_second must be 0 or more"):
        Emulator(tokens_per_second=-1)
    out = io.StringIO()
    with Emulator(tokens_per_second=2000) as emu:
        emu.queue_reply(Reply(content="one two three four five"))
        env = {
            "CLOUDFLARE_ACCOUNT_ID": emu.account_id,
            "CLOUDFLARE_API_TOKEN": emu.api_token,
            "CLOUDFLARE_BASE_URL": emu.base_url,
        }
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            run_chat("hi", Transcript(out, color=False))
        assert len(emu.requests) == 1
    assert "one two three four five\n" in out.getvalue()
