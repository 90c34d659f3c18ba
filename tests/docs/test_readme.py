"""Every ```python block of README.md runs, against the emulator.

The snippets read like user code (``GatewayClient()``, ``ChatGPT54Nano()``: credentials from the
environment, Cloudflare's default URLs). Here the environment holds the emulator's account and
token, and the default API roots point at the emulator, so each block runs unchanged and offline.
A block that defines ``test_*`` functions (the pytest fixture example) is run by pytest itself,
in a subprocess, and must pass.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gpt54nano_gateway import GatewayConfig
from gpt54nano_gateway import config as config_module

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```\s*$", re.S | re.M)


def _blocks() -> list[tuple[str, int, str]]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append((match.group(1), line, match.group(2)))
    return found


PYTHON_BLOCKS = [(line, code) for lang, line, code in _blocks() if lang == "python"]


def test_every_fence_is_labelled() -> None:
    """An unlabelled block could be Python that escapes this test: say what each block is."""
    unlabelled = [line for lang, line, _ in _blocks() if lang not in ("python", "bash", "text")]
    assert unlabelled == [], f"README.md code fences without python/bash/text at lines {unlabelled}"
    assert len(PYTHON_BLOCKS) >= 8


@pytest.fixture
def readme_env(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Credentials and default API roots of the emulator, as a user's environment would hold
    Cloudflare's."""
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", emulator.account_id)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", emulator.api_token)
    monkeypatch.delenv("CLOUDFLARE_AI_GATEWAY_ID", raising=False)
    monkeypatch.setattr(config_module, "_REST_ROOT", emulator.base_url)
    monkeypatch.setattr(config_module, "_GATEWAY_ROOT", emulator.gateway_base_url)
    # If the redirection ever stops working, fail here rather than try to reach Cloudflare.
    assert GatewayConfig.from_env().chat_completions_url.startswith(emulator.base_url)
    return emulator


@pytest.mark.parametrize(
    "code", [code for _, code in PYTHON_BLOCKS], ids=[f"line{line}" for line, _ in PYTHON_BLOCKS]
)
def test_python_block_runs(code: str, readme_env: Any, tmp_path: Path) -> None:
    if re.search(r"^def test_", code, re.M):
        _run_as_pytest(code, tmp_path)
        return
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    exec(compile(code, str(README), "exec"), namespace)  # the README is ours
    makes_calls = re.search(r"\.(create|stream|invoke|chat|complete|run|stream_complete)\(", code)
    if makes_calls:
        assert readme_env.requests, "the block made no request to the emulator"


def _run_as_pytest(code: str, tmp_path: Path) -> None:
    (tmp_path / "test_readme_example.py").write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b[1-9]\d* passed", result.stdout), result.stdout
