"""Rebuilds every notebook from its jupytext source and executes it (outputs are committed).

    .venv/bin/python notebooks/build.py                     # all of them, embedded emulator
    .venv/bin/python notebooks/build.py gateway_features    # some of them
    .venv/bin/python notebooks/build.py --keep-env          # keep CLOUDFLARE_* (Cloudflare)

Each ``notebooks/<name>.py`` (jupytext percent format, linted by ruff) is the source of
``notebooks/<name>.ipynb``: edit the ``.py`` file, then run this. By default the kernel runs
without any ``CLOUDFLARE_*`` variable, so the committed outputs come from the embedded emulator.
``tests/docs/test_notebooks.py`` checks that each ``.ipynb`` still matches its source and runs
every notebook in both modes, with the functions below.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NAMES = (
    "langchain_quickstart",
    "llamaindex_agents",
    "gateway_features",
    "gateway_logs_and_cost",
    "reasoning_tools",
)
CELL_TIMEOUT = 60
# Every variable the set-up cells (and GatewayConfig.from_env) read.
CLOUDFLARE_VARIABLES = (
    "CLOUDFLARE_ACCOUNT_ID",
    "CF_ACCOUNT_ID",
    "CLOUDFLARE_API_TOKEN",
    "CF_AI_API_TOKEN",
    "CLOUDFLARE_BASE_URL",
    "CLOUDFLARE_AI_GATEWAY_ID",
)


def read_source(name: str) -> nbformat.NotebookNode:
    """The notebook written by ``notebooks/<name>.py``, without outputs, with stable cell ids."""
    nb = jupytext.read(HERE / f"{name}.py", fmt="py:percent")
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"  # stable ids: a rebuild changes only what changed
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def without_cloudflare(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` minus every CLOUDFLARE_* variable: the set-up cells use the embedded emulator."""
    return {k: v for k, v in environ.items() if k not in CLOUDFLARE_VARIABLES}


def execute(nb: nbformat.NotebookNode, env: Mapping[str, str]) -> nbformat.NotebookNode:
    """Run ``nb`` top to bottom in a kernel of this interpreter with ``env`` as its environment;
    raises ``nbclient.exceptions.CellExecutionError`` on the first failing cell."""
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",  # started with sys.executable: this venv's interpreter
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute(env=dict(env))
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(NAMES)} (default: all)")
    parser.add_argument(
        "--keep-env", action="store_true", help="keep the CLOUDFLARE_* variables (no emulator)"
    )
    args = parser.parse_args(argv)
    names = [name.removesuffix(".ipynb").removesuffix(".py") for name in args.names] or NAMES
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        parser.error(f"unknown notebooks: {', '.join(unknown)}")
    env = dict(os.environ) if args.keep_env else without_cloudflare(os.environ)
    for name in names:
        print(f"executing {name}", file=sys.stderr)
        nb = execute(read_source(name), env)
        nbformat.write(nb, HERE / f"{name}.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
