"""The notebooks: each committed .ipynb equals its jupytext source (notebooks/<name>.py) and has
outputs, and every source runs top to bottom in both modes: on the embedded emulator (no
CLOUDFLARE_* variable) and with credentials pointed at a stand-alone emulator through
CLOUDFLARE_BASE_URL (the code path of real Cloudflare)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = [
    "langchain_quickstart",
    "llamaindex_agents",
    "gateway_features",
    "gateway_logs_and_cost",
    "reasoning_tools",
]
START_TIMEOUT = 20.0


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _builder()


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    return "".join(out.get("text", "") for out in outputs)


@pytest.fixture
def standalone_emulator() -> Iterator[str]:
    """A `gpt54nano-emulator --port 0` subprocess; yields its REST base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gpt54nano_emulator", "--port", "0", "--log-level", "warning"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    found: list[str] = []
    ready = threading.Event()

    def read_banner() -> None:
        assert process.stderr is not None
        for line in process.stderr:  # drained until exit, so the pipe never fills
            match = re.search(r"http://127\.0\.0\.1:\d+", line)
            if match and not found:
                found.append(match.group(0))
                ready.set()

    threading.Thread(target=read_banner, daemon=True).start()
    try:
        assert ready.wait(START_TIMEOUT), "the stand-alone emulator did not start"
        yield f"{found[0]}/client/v4"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_the_embedded_emulator(name: str) -> None:
    nb = build.execute(build.read_source(name), build.without_cloudflare(os.environ))
    text = _outputs_text(nb)
    assert "No CLOUDFLARE_* variable set: using the embedded emulator at http://127.0.0.1:" in text


@pytest.mark.timeout(180)
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_with_credentials(name: str, standalone_emulator: str) -> None:
    env = build.without_cloudflare(os.environ) | {
        "CLOUDFLARE_ACCOUNT_ID": "acct-emulator",
        "CLOUDFLARE_API_TOKEN": "emulator-token",
        "CLOUDFLARE_BASE_URL": standalone_emulator,
    }
    nb = build.execute(build.read_source(name), env)
    text = _outputs_text(nb)
    assert f"From the environment: {standalone_emulator}, account acct-emulator" in text
    assert "embedded emulator at" not in text


@pytest.mark.timeout(180)
def test_a_wrong_value_in_the_environment_fails_the_set_up_cell() -> None:
    from nbclient.exceptions import CellExecutionError

    env = build.without_cloudflare(os.environ) | {"CLOUDFLARE_API_TOKEN": "emulator-token"}
    with pytest.raises(CellExecutionError, match="CLOUDFLARE_ACCOUNT_ID"):
        build.execute(build.read_source("langchain_quickstart"), env)


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_matches_its_source(name: str) -> None:
    committed = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    source = build.read_source(name)
    assert [(c.cell_type, c.source) for c in committed.cells] == [
        (c.cell_type, c.source) for c in source.cells
    ], f"{name}.ipynb is stale: run .venv/bin/python notebooks/build.py {name}"


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_outputs(name: str) -> None:
    committed = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code_cells = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells), f"{name} was committed without running"
    assert "using the embedded emulator" in _outputs_text(committed)


def test_every_notebook_has_the_same_set_up_cell() -> None:
    set_up = {name: build.read_source(name).cells[2].source for name in NAMES}
    assert set_up["langchain_quickstart"].startswith("import os")
    assert len(set(set_up.values())) == 1, set_up


def test_the_plot_is_committed_inline() -> None:
    committed = nbformat.read(NOTEBOOKS / "gateway_features.ipynb", as_version=4)
    images = [
        out
        for cell in committed.cells
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(images) == 1
