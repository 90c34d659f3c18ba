"""The emulator model's tokenizer: a deterministic word-piece split used for streaming and usage.

One token is a run of at most six word characters or a single punctuation mark, with the
whitespace before it attached (roughly OpenAI's "1 token is about 4 characters" for English).
``"".join(tokenize(text)) == text`` always holds, so streamed pieces rebuild the text exactly.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\s*(?:\w{1,6}|[^\w\s])|\s+")


def tokenize(text: str) -> list[str]:
    """Split ``text`` into pieces whose concatenation is ``text``."""
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    """How many tokens ``text`` costs."""
    return len(_TOKEN.findall(text))
