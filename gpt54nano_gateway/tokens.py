"""Exact ``o200k_base`` token counts for gpt-5.4-nano, offline (extra ``tokens``).

gpt-5.x uses OpenAI's ``o200k_base`` encoding. The ids come from ``tiktoken`` (OpenAI's own
engine) run on the ``o200k_base.tiktoken`` rank file that llama-index-core ships inside its
wheel (``llama_index/core/_static/tiktoken_cache``), so counting never downloads anything. The
file is found through package metadata, not imported, and its SHA-256 is checked against the
hash tiktoken publishes for ``o200k_base`` before use. We build the ``Encoding`` ourselves
rather than pointing ``TIKTOKEN_CACHE_DIR`` at that folder: that variable is process-wide, and
tiktoken would write a copy of the file to its cache.

:func:`count_message_tokens` is OpenAI's per-message accounting on wire-format messages, the
same as langchain-openai's ``ChatOpenAI.get_num_tokens_from_messages`` for the gpt-4o/gpt-5
family, plus tool schemas counted as OpenAI's cookbook counts them for gpt-4o (the adapters
share it through their message converters). The encoding is loaded once per process, on first
use (~0.3 s); after that everything here is pure and thread-safe.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
import warnings
from collections.abc import Mapping, Sequence
from importlib import metadata
from math import ceil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .errors import ConfigurationError, GatewayError

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "ENCODING_NAME",
    "O200K_BASE_SHA256",
    "UncountableContentError",
    "count_message_tokens",
    "count_tokens",
    "count_tool_tokens",
    "encode",
    "get_encoding",
    "vocabulary_path",
]

ENCODING_NAME = "o200k_base"
# tiktoken_ext/openai_public.py: expected_hash of o200k_base.tiktoken.
O200K_BASE_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
_O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
# tiktoken's cache names a file by the SHA-1 of its URL; llama-index-core ships that cache.
_CACHE_NAME = hashlib.sha1(_O200K_URL.encode()).hexdigest()
_SOURCE_DISTRIBUTION = "llama-index-core"
_SOURCE_DIR = "llama_index/core/_static/tiktoken_cache"
_EXTRA_HINT = "pip install 'gpt54nano[tokens]'"

# o200k_base's split pattern and special tokens, as tiktoken_ext/openai_public.py defines them
# (tests/transport/test_tokens.py checks both against tiktoken's own constructor).
_PAT_STR = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_SPECIAL_TOKENS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}

# OpenAI's accounting for the gpt-4o/gpt-5 family (langchain-openai, OpenAI cookbook).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_PER_TOOL_CALL_ID = 3  # langchain-openai's inferred approximation
REPLY_PRIMING = 3  # every reply is primed with <|start|>assistant<|message|>
# Tool schemas (OpenAI cookbook "How to count tokens with tiktoken", gpt-4o constants).
_FUNC_INIT = 7
_PROP_INIT = 3
_PROP_KEY = 3
_ENUM_INIT = -3
_ENUM_ITEM = 3
_FUNC_END = 12
# Images (OpenAI vision pricing, as langchain-openai counts them).
_IMAGE_BASE = 85
_IMAGE_TILE = 170


class UncountableContentError(GatewayError, ValueError):
    """A message or tool that is not Chat Completions wire data (nothing to count)."""


_lock = threading.Lock()
_encoding: tiktoken.Encoding | None = None


def vocabulary_path() -> Path:
    """Where the packaged ``o200k_base.tiktoken`` rank file is (no import of its package)."""
    try:
        dist = metadata.distribution(_SOURCE_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ConfigurationError(
            f"exact token counts need the o200k_base vocabulary shipped by "
            f"{_SOURCE_DISTRIBUTION}: {_EXTRA_HINT}"
        ) from None
    path = Path(str(dist.locate_file(f"{_SOURCE_DIR}/{_CACHE_NAME}")))
    if not path.is_file():
        raise ConfigurationError(
            f"{_SOURCE_DISTRIBUTION} {dist.version} does not ship the o200k_base vocabulary "
            f"at {path}; install a supported version: {_EXTRA_HINT}"
        )
    return path


def _load_ranks(path: Path) -> dict[bytes, int]:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != O200K_BASE_SHA256:
        raise ConfigurationError(
            f"{path} is not OpenAI's o200k_base.tiktoken (SHA-256 mismatch); reinstall "
            f"{_SOURCE_DISTRIBUTION}"
        )
    # One "<base64 token> <rank>" pair per line (tiktoken's format).
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def get_encoding() -> tiktoken.Encoding:
    """tiktoken's ``o200k_base`` ``Encoding``, built once from the packaged file."""
    global _encoding
    if _encoding is not None:
        return _encoding
    try:
        import tiktoken
    except ImportError:
        raise ConfigurationError(f"exact token counts need tiktoken: {_EXTRA_HINT}") from None
    with _lock:
        if _encoding is None:
            _encoding = tiktoken.Encoding(
                name=ENCODING_NAME,
                pat_str=_PAT_STR,
                mergeable_ranks=_load_ranks(vocabulary_path()),
                special_tokens=_SPECIAL_TOKENS,
            )
    return _encoding


def encode(text: str) -> list[int]:
    """The ``o200k_base`` ids of ``text``.

    Special-token strings such as ``<|endoftext|>`` are encoded as the plain text they are,
    which is what the model sees when they appear in a message.
    """
    return get_encoding().encode_ordinary(text)


def count_tokens(text: str) -> int:
    """The number of ``o200k_base`` tokens in ``text``."""
    return len(encode(text))


# --- chat accounting (pure once the encoding is loaded) -----------------------------------


def count_message_tokens(
    messages: Sequence[BaseModel | Mapping[str, Any]],
    tools: Sequence[BaseModel | Mapping[str, Any]] | None = None,
) -> int:
    """Prompt tokens of a Chat Completions conversation, as OpenAI counts them.

    ``messages`` are wire messages (the transport's message models, as in ``ChatRequest``, or
    the equivalent dicts); ``tools`` wire function tools. Exact for text; OpenAI does not
    document the rest, so these follow langchain-openai / the OpenAI cookbook: tool calls count
    their name and arguments, ``tool_call_id`` 3 tokens, a ``detail: "low"`` image 85, a
    base64 image its tiles (needs Pillow); an image URL is not fetched and counts the 85 every
    image costs; audio and file parts count nothing (with a warning).
    """
    total = 0
    for message in messages:
        total += _message_tokens(_as_dict(message, "message"))
    total += REPLY_PRIMING
    if tools:
        total += count_tool_tokens(tools)
    return total


def count_tool_tokens(tools: Sequence[BaseModel | Mapping[str, Any]]) -> int:
    """Tokens the tool schemas add to a prompt (OpenAI cookbook's accounting for gpt-4o).

    Exact for flat schemas (a name, a description, top-level properties with a type, a
    description and an optional enum); nested object schemas count their top level only.
    """
    if not tools:
        return 0
    total = 0
    for tool in tools:
        function = _as_dict(tool, "tool").get("function")
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            raise UncountableContentError(
                f"a tool must be a wire function tool {{'type': 'function', 'function': "
                f"{{'name': ...}}}}; got {tool!r:.200}"
            )
        total += _FUNC_INIT
        description = _strip_period(function.get("description") or "")
        total += count_tokens(f"{function['name']}:{description}")
        properties = (function.get("parameters") or {}).get("properties") or {}
        if properties:
            total += _PROP_INIT
            for name, schema in properties.items():
                total += _PROP_KEY + _property_tokens(str(name), schema)
    return total + _FUNC_END


def _property_tokens(name: str, schema: Any) -> int:
    if not isinstance(schema, Mapping):
        return count_tokens(f"{name}::")
    total = 0
    if "enum" in schema:
        total += _ENUM_INIT
        for item in schema["enum"] or []:
            total += _ENUM_ITEM + count_tokens(str(item))
    kind = schema.get("type", "")
    kind = ",".join(map(str, kind)) if isinstance(kind, list) else str(kind)
    description = _strip_period(str(schema.get("description") or ""))
    return total + count_tokens(f"{name}:{kind}:{description}")


def _strip_period(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def _as_dict(item: BaseModel | Mapping[str, Any], what: str) -> Mapping[str, Any]:
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json", exclude_none=True, by_alias=True)
    if isinstance(item, Mapping):
        return item
    raise UncountableContentError(
        f"a {what} must be a wire model or a dict; got {type(item).__name__}"
    )


def _message_tokens(message: Mapping[str, Any]) -> int:
    total = TOKENS_PER_MESSAGE
    for key, value in message.items():
        if key == "tool_call_id":
            total += TOKENS_PER_TOOL_CALL_ID
            continue
        if isinstance(value, list):
            # content parts or tool calls
            total += sum(_part_tokens(part) for part in value)
        elif not value:
            continue
        else:
            total += count_tokens(str(value))
        if key == "name":
            total += TOKENS_PER_NAME
    return total


def _part_tokens(part: Any) -> int:
    if isinstance(part, str):
        return count_tokens(part)
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind == "text":
        return count_tokens(str(part.get("text", "")))
    if kind == "image_url":
        return _image_tokens(part.get("image_url") or {})
    if kind == "function":
        function = part.get("function") or {}
        return count_tokens(str(function.get("arguments", ""))) + count_tokens(
            str(function.get("name", ""))
        )
    if kind in ("file", "input_audio"):
        warnings.warn(
            f"token counts for {kind} parts are not supported; counted as 0",
            stacklevel=4,
        )
        return 0
    raise UncountableContentError(f"unrecognised content part {part!r:.200}")


def _image_tokens(image_url: Mapping[str, Any] | str) -> int:
    if isinstance(image_url, str):
        image_url = {"url": image_url}
    if image_url.get("detail") == "low":
        return _IMAGE_BASE
    size = _data_url_image_size(str(image_url.get("url", "")))
    if size is None:
        # Not fetched (no I/O here): the base cost is the least any image costs.
        return _IMAGE_BASE
    width, height = _fit(*size)
    return _IMAGE_TILE * ceil(width / 512) * ceil(height / 512) + _IMAGE_BASE


def _data_url_image_size(url: str) -> tuple[int, int] | None:
    if not url.startswith("data:image") or "," not in url:
        return None
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
            width, height = image.size
    except Exception:  # a corrupt image is the server's to reject; count the base cost
        return None
    return int(width), int(height)


def _fit(width: int, height: int) -> tuple[int, int]:
    """OpenAI's high-detail scaling: within 2048x2048, then the short side at most 768."""
    if width > 2048 or height > 2048:
        if width > height:
            height, width = height * 2048 // width, 2048
        else:
            width, height = width * 2048 // height, 2048
    if width > 768 and height > 768:
        if width > height:
            width, height = width * 768 // height, 768
        else:
            height, width = height * 768 // width, 768
    return width, height
