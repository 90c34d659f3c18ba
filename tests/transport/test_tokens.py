"""Offline o200k_base token counts (gpt54nano_gateway.tokens) against tiktoken's own encoding.

The reference is built by tiktoken's ``o200k_base`` constructor, fed the packaged rank file
through ``TIKTOKEN_CACHE_DIR``, with every network read made to fail: tiktoken checks the
file's SHA-256 against the hash it publishes, so the ids are compared with the real vocabulary.
"""

from __future__ import annotations

import base64
import hashlib
import io
import random
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as openai_public

from gpt54nano_gateway import tokens
from gpt54nano_gateway.errors import ConfigurationError
from gpt54nano_gateway.wire import ChatRequest

CORPUS = [
    "",
    "Hello, world! How's it going? I'm fine; THEY'LL see, we'd've known.",
    "The quick brown fox jumps over the lazy dog.\n",
    "日本語のテキストを数えます。お誕生日おめでとう",
    "中文分词测试：模型、令牌和上下文窗口。",
    "한국어 문장도 셉니다.",
    "مرحبا بالعالم، هذا نص عربي مع تشكيل: مُحَمَّدٌ",
    "שלום עולם",
    "Привет, мир! Ёжик в тумане.",
    "हिन्दी में एक वाक्य।",
    "emoji 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷 ❤️‍🔥",
    "combining: e\u0301 a\u0308 n\u0303 Z\u0351\u0317\u0318a\u0360l\u0362g\u0315o\u0300",
    "def f(x: int) -> int:\n\treturn x ** 2  # square\n\n\nclass A:\n    pass\n",
    "const f = async (a, b) => { await g(a?.b ?? 0); return `${a}${b}`; };",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
    '{"key": [1, 2.5, -3e10, null, true], "nested": {"a": "b"}}',
    "    \n\n\n\t\t  \r\n   trailing   ",
    " " * 100 + "x" + "\n" * 40,
    "12345678901234567890123456789012345678901234567890",
    "3.14159265358979323846264338327950288419716939937510",
    "https://example.com/path?q=1&r=%20two#frag",
    "<|endoftext|> and <|endofprompt|> as plain text",
    "a" * 5000,
    "\x00\x01\x7f\ufffd\U0010ffff",
]


def _random_strings(count: int, seed: int) -> Iterator[str]:
    """Seeded mixed-script strings: ASCII, Latin-1, CJK, Arabic, emoji, combining marks."""
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x4E00, 0x4FFF), (0x0600, 0x06FF),
              (0x1F300, 0x1F6FF), (0x0300, 0x036F), (0x09, 0x0D)]  # fmt: skip
    rng = random.Random(seed)
    for _ in range(count):
        chars = []
        for _ in range(rng.randint(1, 80)):
            low, high = rng.choice(ranges)
            chars.append(chr(rng.randint(low, high)))
        yield "".join(chars)


@pytest.fixture(scope="module")
def reference() -> Iterator[tiktoken.Encoding]:
    """tiktoken's own o200k_base, built offline from the packaged file."""
    mp = pytest.MonkeyPatch()
    calls: list[tuple[str, str | None]] = []
    real_load = openai_public.load_tiktoken_bpe

    def spy(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
        calls.append((blobpath, expected_hash))
        return real_load(blobpath, expected_hash)

    def no_network(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to fetch {blobpath}")

    mp.setenv("TIKTOKEN_CACHE_DIR", str(tokens.vocabulary_path().parent))
    mp.setattr(openai_public, "load_tiktoken_bpe", spy)
    mp.setattr(tiktoken.load, "read_file", no_network)
    try:
        encoding = tiktoken.Encoding(**openai_public.o200k_base())
    finally:
        mp.undo()
    # tiktoken's published hash for the file it loaded is the one our module checks.
    assert calls == [
        (
            "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
            tokens.O200K_BASE_SHA256,
        )
    ]
    yield encoding


def test_packaged_file_is_tiktokens_o200k_base() -> None:
    data = tokens.vocabulary_path().read_bytes()
    assert hashlib.sha256(data).hexdigest() == tokens.O200K_BASE_SHA256


def test_encoding_is_assembled_like_tiktokens(reference: tiktoken.Encoding) -> None:
    ours = tokens.get_encoding()
    assert ours.name == reference.name == "o200k_base"
    assert ours._pat_str == reference._pat_str
    assert ours._special_tokens == reference._special_tokens
    assert ours._mergeable_ranks == reference._mergeable_ranks
    assert ours.n_vocab == reference.n_vocab


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_ids_equal_tiktoken(reference: tiktoken.Encoding, text: str) -> None:
    ids = tokens.encode(text)
    assert ids == reference.encode(text, disallowed_special=())
    assert tokens.count_tokens(text) == len(ids)
    assert reference.decode(ids) == text


def test_ids_equal_tiktoken_on_random_mixed_scripts(reference: tiktoken.Encoding) -> None:
    for text in _random_strings(300, seed=14):
        assert tokens.encode(text) == reference.encode_ordinary(text), text


def test_published_o200k_ids() -> None:
    # OpenAI cookbook "How to count tokens with tiktoken", section 4 (o200k_base).
    expected = [8930, 9697, 243, 128225, 8930, 17693, 4344, 48669]
    assert tokens.encode("お誕生日おめでとう") == expected


def test_special_token_strings_are_plain_text(reference: tiktoken.Encoding) -> None:
    ids = tokens.encode("<|endoftext|>")
    assert 199999 not in ids
    assert reference.decode(ids) == "<|endoftext|>"


# --- chat accounting ---------------------------------------------------------------------

# The OpenAI cookbook's examples, with the prompt_tokens the API reported for gpt-4o.
JARGON = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate "
        "jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities "
        "for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client "
        "deliverable.",
    },
]
WEATHER_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": "The city and state, e.g. San Francisco, CA",
                    },
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature to return",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
]
WEATHER = [
    {
        "role": "system",
        "content": "You are a helpful assistant that can answer to questions about the weather.",
    },
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


def test_messages_match_the_api_count() -> None:
    assert tokens.count_message_tokens(JARGON) == 124


def test_tools_match_the_api_count() -> None:
    assert tokens.count_message_tokens(WEATHER, tools=WEATHER_TOOLS) == 101
    assert tokens.count_tool_tokens(WEATHER_TOOLS) == 101 - tokens.count_message_tokens(WEATHER)


def test_wire_models_count_like_dicts() -> None:
    request = ChatRequest.model_validate({"messages": JARGON, "tools": WEATHER_TOOLS})
    assert request.tools is not None
    assert tokens.count_message_tokens(request.messages, tools=request.tools) == (
        tokens.count_message_tokens(JARGON, tools=WEATHER_TOOLS)
    )


def test_name_and_tool_call_id_overheads() -> None:
    plain = tokens.count_message_tokens([{"role": "user", "content": "hi"}])
    assert plain == 3 + tokens.count_tokens("user") + tokens.count_tokens("hi") + 3
    named = tokens.count_message_tokens([{"role": "user", "content": "hi", "name": "bob"}])
    assert named == plain + tokens.count_tokens("bob") + 1
    tool = tokens.count_message_tokens(
        [{"role": "tool", "content": "hi", "tool_call_id": "call_123456789"}]
    )
    assert tool == 3 + tokens.count_tokens("tool") + tokens.count_tokens("hi") + 3 + 3


def test_tool_calls_count_name_and_arguments() -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_current_weather", "arguments": '{"location": "Paris"}'},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    expected = (
        3
        + tokens.count_tokens("assistant")
        + tokens.count_tokens('{"location": "Paris"}')
        + tokens.count_tokens("get_current_weather")
        + 3
    )
    assert tokens.count_message_tokens([message]) == expected


def _png_data_url(width: int, height: int) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _user_with(part: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": "text", "text": "look"}, part]}]


def test_images() -> None:
    text_only = tokens.count_message_tokens([{"role": "user", "content": [
        {"type": "text", "text": "look"}]}])  # fmt: skip
    low = {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}}
    assert tokens.count_message_tokens(_user_with(low)) == text_only + 85
    url = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    assert tokens.count_message_tokens(_user_with(url)) == text_only + 85  # not fetched
    # 1024x2048 -> 768x1536 -> 2x3 tiles of 512.
    tall = {"type": "image_url", "image_url": {"url": _png_data_url(1024, 2048)}}
    assert tokens.count_message_tokens(_user_with(tall)) == text_only + 170 * 6 + 85
    small = {"type": "image_url", "image_url": {"url": _png_data_url(100, 100)}}
    assert tokens.count_message_tokens(_user_with(small)) == text_only + 170 + 85


def test_file_and_audio_parts_warn_and_count_nothing() -> None:
    text_only = tokens.count_message_tokens([{"role": "user", "content": [
        {"type": "text", "text": "look"}]}])  # fmt: skip
    file = {"type": "file", "file": {"file_id": "file-1"}}
    with pytest.warns(UserWarning, match="file parts are not supported"):
        assert tokens.count_message_tokens(_user_with(file)) == text_only
    audio = {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
    with pytest.warns(UserWarning, match="input_audio parts are not supported"):
        assert tokens.count_message_tokens(_user_with(audio)) == text_only


def test_bad_input_is_a_typed_error() -> None:
    with pytest.raises(tokens.UncountableContentError, match="unrecognised content part"):
        tokens.count_message_tokens(_user_with({"type": "video", "video": {}}))
    with pytest.raises(tokens.UncountableContentError, match="wire model or a dict"):
        tokens.count_message_tokens(["hello"])  # type: ignore[list-item]
    with pytest.raises(tokens.UncountableContentError, match="wire function tool"):
        tokens.count_message_tokens(WEATHER, tools=[{"type": "function"}])


def test_tool_schema_variants() -> None:
    bare = [{"type": "function", "function": {"name": "ping"}}]
    assert tokens.count_tool_tokens(bare) == 7 + tokens.count_tokens("ping:") + 12
    assert tokens.count_tool_tokens([]) == 0
    nullable = [{"type": "function", "function": {"name": "f", "description": "Do.",
                 "parameters": {"type": "object", "properties": {
                     "n": {"type": ["integer", "null"], "enum": [1, 2]}}}}}]  # fmt: skip
    assert tokens.count_tool_tokens(nullable) == (
        7 + tokens.count_tokens("f:Do") + 3 + 3 - 3 + 2 * 3
        + tokens.count_tokens("1") + tokens.count_tokens("2")
        + tokens.count_tokens("n:integer,null:") + 12
    )  # fmt: skip


# --- missing pieces ------------------------------------------------------------------------


def test_missing_vocabulary_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(tokens, "_encoding", None)
    monkeypatch.setattr(tokens.metadata, "distribution", not_installed)
    with pytest.raises(ConfigurationError, match=r"gpt54nano\[tokens\]"):
        tokens.count_tokens("hi")


def test_vocabulary_missing_from_the_wheel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_CACHE_NAME", "no-such-file")
    with pytest.raises(ConfigurationError, match="does not ship the o200k_base vocabulary"):
        tokens.vocabulary_path()


def test_missing_tiktoken_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_encoding", None)
    monkeypatch.setitem(sys.modules, "tiktoken", None)
    with pytest.raises(ConfigurationError, match=r"tiktoken: pip install 'gpt54nano\[tokens\]'"):
        tokens.encode("hi")


def test_a_tampered_file_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "o200k"
    fake.write_bytes(base64.b64encode(b"a") + b" 0\n")
    with pytest.raises(ConfigurationError, match="SHA-256 mismatch"):
        tokens._load_ranks(fake)
