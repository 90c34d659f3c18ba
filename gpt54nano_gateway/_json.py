"""``json.loads`` for bytes a server sent: nesting too deep to parse is just unparsable text.

``json.loads`` recurses once per ``[`` / ``{``, so a body of a thousand ``[`` raises
``RecursionError``, not ``ValueError``. Every caller already treats ``ValueError`` as "not JSON"
(keep the text, report a typed error), so that is what too-deep nesting becomes here.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["loads"]


def loads(data: str | bytes) -> Any:
    """``json.loads(data)``; raises ``ValueError`` for anything unparsable, too deep included."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply to parse") from None
