"""The scripted model: deterministic replies, tool picking and schema filling.

Pure Python (no starlette, no I/O): it turns a Chat Completions request body into a
``Generation``. The server part (``..server``) wraps it in Cloudflare's HTTP surface.
"""

from __future__ import annotations

from ._brain import Generation, Reply, generate

__all__ = ["Generation", "Reply", "generate"]
