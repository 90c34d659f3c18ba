"""Where the vendored wire corpus lives: ``tests/data/wire-corpus`` (see its README for sources
and licences). One place locates it; a missing file fails the run, it never skips."""

from __future__ import annotations

from pathlib import Path

WIRE_CORPUS = Path(__file__).resolve().parents[1] / "data" / "wire-corpus"


def corpus_file(*parts: str) -> Path:
    """The path of a corpus file; raises (so collection fails) when it is not there."""
    path = WIRE_CORPUS.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"wire corpus file missing: {path} (vendored under tests/data)")
    return path
