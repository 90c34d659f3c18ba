"""LlamaIndex adapter for Cloudflare's ``openai/gpt-5.4-nano``: ``GPT54Nano``."""

from ._convert import UnsupportedContentError
from .base import GPT54Nano

__all__ = ["GPT54Nano", "UnsupportedContentError"]
