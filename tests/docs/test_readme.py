"""Every ```python block of README.md runs, against the emulator.

The snippets read like user code (``GatewayClient()``, ``ChatGPT54Nano()``: everything from the
environment). Here the environment holds what ``gpt54nano-emulator`` tells a user to export
(account, token and ``CLOUDFLARE_BASE_URL``), so each block runs unchanged and offline. A block
that defines ``test_*`` functions (the pytest fixture example) is split into the files its
``# name.py`` comments name and run by pytest itself, in a subprocess, and must pass.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gpt54nano_gateway import GatewayConfig

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
    """The emulator's account, token and base URL, as a user's environment would hold them."""
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", emulator.account_id)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", emulator.api_token)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", emulator.base_url)
    monkeypatch.delenv("CLOUDFLARE_AI_GATEWAY_ID", raising=False)
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


_FILE_MARK = re.compile(r"^# (\w+\.py)\n", re.M)


def split_files(code: str) -> dict[str, str]:
    """``{"conftest.py": ..., "test_my_app.py": ...}`` from a block whose parts start with a
    ``# name.py`` line, as a reader would copy them."""
    marks = list(_FILE_MARK.finditer(code))
    assert marks and marks[0].start() == 0, "a test block must start with a '# name.py' line"
    ends = [m.start() for m in marks[1:]] + [len(code)]
    return {m.group(1): code[m.end() : end] for m, end in zip(marks, ends, strict=True)}


def _run_as_pytest(code: str, tmp_path: Path) -> None:
    files = split_files(code)
    assert len(files) >= 2, files.keys()
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b[1-9]\d* passed", result.stdout), result.stdout
