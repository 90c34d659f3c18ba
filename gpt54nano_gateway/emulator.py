"""Deprecated alias of :mod:`gpt54nano_emulator` (kept for one release).

The emulator is its own package now, so the transport never imports it; import
``gpt54nano_emulator`` instead.
"""

from __future__ import annotations

import warnings
from typing import Any

warnings.warn(
    "gpt54nano_gateway.emulator is deprecated; import gpt54nano_emulator instead",
    DeprecationWarning,
    stacklevel=2,
)

_NAMES = ("Emulator", "Fault", "Generation", "RecordedRequest", "Reply")


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import gpt54nano_emulator

    return getattr(gpt54nano_emulator, name)


if __name__ == "__main__":  # python -m gpt54nano_gateway.emulator, as before the move
    from gpt54nano_emulator.__main__ import main

    raise SystemExit(main())
