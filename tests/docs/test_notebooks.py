"""The notebooks run top to bottom on the emulator (no Cloudflare credentials), in a kernel of
the running interpreter, and the committed files match their generator (notebooks/_build.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["langchain_quickstart.ipynb", "llamaindex_agents.ipynb", "gateway_features.ipynb"]
_CREDENTIALS = ("CLOUDFLARE_ACCOUNT_ID", "CF_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "CF_AI_API_TOKEN")


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_the_emulator(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in _CREDENTIALS:  # the kernel inherits this environment: emulator mode
        monkeypatch.delenv(var, raising=False)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    # "python3" with argv[0] == "python" is started with sys.executable by jupyter_client,
    # so the kernel runs this venv's interpreter.
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    text = "".join(out.get("text", "") for out in outputs)
    assert "using the emulator at http://127.0.0.1:" in text


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_matches_its_generator(name: str) -> None:
    committed = nbformat.read(NOTEBOOKS / name, as_version=4)
    generated = _builder().build(name)
    assert [(c.cell_type, c.source) for c in committed.cells] == [
        (c.cell_type, c.source) for c in generated.cells
    ], f"{name} is stale: run .venv/bin/python notebooks/_build.py"


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_outputs(name: str) -> None:
    committed = nbformat.read(NOTEBOOKS / name, as_version=4)
    code_cells = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells), f"{name} was committed without running"
    assert not [o for c in code_cells for o in c.outputs if o.output_type == "error"]
