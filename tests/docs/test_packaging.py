"""The build is publish-ready: ``python -m build`` makes an sdist and a wheel that ``twine check
--strict`` accepts, with licence, classifiers, URLs and version, and the wheel installed with the
``all`` extra into a fresh venv (nothing from this checkout on the path) imports all five packages
and runs both commands.

Bounded: one build, one venv, one ``pip install`` (PyPI or the local pip cache), about 30 s.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from gpt54nano import __version__

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "gpt54nano",
    "gpt54nano_gateway",
    "gpt54nano_emulator",
    "langchain_gpt54nano",
    "llama_index_gpt54nano",
)


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=ROOT)
    return out


def _wheel(dist: Path) -> Path:
    [wheel] = dist.glob("*.whl")
    return wheel


@pytest.mark.timeout(300)
def test_twine_accepts_the_sdist_and_the_wheel(dist: Path) -> None:
    files = sorted(dist.iterdir())
    assert [f.name for f in files] == [
        f"gpt54nano-{__version__}-py3-none-any.whl",
        f"gpt54nano-{__version__}.tar.gz",
    ]
    _run(sys.executable, "-m", "twine", "check", "--strict", *files, cwd=dist)


@pytest.mark.timeout(300)
def test_the_metadata_says_licence_classifiers_urls_and_version(dist: Path) -> None:
    with zipfile.ZipFile(_wheel(dist)) as wheel:
        names = wheel.namelist()
        meta = email.message_from_bytes(wheel.read(f"gpt54nano-{__version__}.dist-info/METADATA"))
    assert meta["Name"] == "gpt54nano"
    assert meta["Version"] == __version__
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"
    assert "License-File: LICENSE" in str(meta) or meta["License-File"] == "LICENSE"
    assert f"gpt54nano-{__version__}.dist-info/licenses/LICENSE" in names
    classifiers = meta.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "Typing :: Typed" in classifiers
    urls = meta.get_all("Project-URL") or []
    assert "API tokens, https://dash.cloudflare.com/profile/api-tokens" in urls
    assert {n.split("/")[0] for n in names if "dist-info" not in n} == set(PACKAGES)
    assert "gpt54nano_emulator/server/catalog_input_schema.json" in names
    assert "gpt54nano_gateway/py.typed" in names

    [sdist] = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        tops = {Path(n).parts[1] for n in tar.getnames() if len(Path(n).parts) > 1}
    assert {"LICENSE", "README.md", "pyproject.toml", *PACKAGES} <= tops
    assert not tops & {".venv", ".import_linter_cache", ".ci", ".mypy_cache"}


@pytest.mark.timeout(300)
def test_the_wheel_installs_into_a_fresh_venv_and_runs(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        f"{_wheel(dist)}[all]", cwd=tmp_path,
    )  # fmt: skip
    # Run outside the checkout, without its path: only the installed wheel can answer.
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONPATH" and not k.startswith(("CLOUDFLARE_", "CF_ACCOUNT", "CF_AI_"))
    }
    code = (
        "import importlib, pathlib\n"
        f"for name in {PACKAGES!r}:\n"
        "    module = importlib.import_module(name)\n"
        "    assert 'site-packages' in pathlib.Path(module.__file__).parts, module.__file__\n"
        "print('ok')\n"
    )
    assert _run(python, "-c", code, cwd=tmp_path, env=env) == "ok\n"
    bin_dir = venv / "bin"
    assert _run(bin_dir / "gpt54nano", "--version", cwd=tmp_path, env=env) == (
        f"gpt54nano {__version__}\n"
    )
    out = _run(
        bin_dir / "gpt54nano", "chat", "hi", "--tokens-per-second", "0", cwd=tmp_path, env=env
    )
    assert "using the embedded emulator" in out
    assert _run(bin_dir / "gpt54nano-emulator", "--help", cwd=tmp_path, env=env).startswith(
        "usage: gpt54nano-emulator"
    )
