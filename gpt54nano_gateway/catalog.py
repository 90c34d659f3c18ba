"""What Cloudflare's catalog says about the model, in one place (both adapters read it here).

Source: ``tests/data/wire-corpus/cloudflare-catalog/openai-gpt-5.4-nano.json`` and
``docs/reference/cloudflare-wire.md`` §6 (``context_length`` 128000, ``max_output_tokens`` 16384).
"""

from __future__ import annotations

__all__ = ["CONTEXT_WINDOW", "DEFAULT_MODEL", "MAX_OUTPUT_TOKENS"]

DEFAULT_MODEL = "openai/gpt-5.4-nano"
CONTEXT_WINDOW = 128_000
"""Input + output tokens one request may hold."""
MAX_OUTPUT_TOKENS = 16_384
"""The most output tokens one request may ask for (``max_completion_tokens``)."""
