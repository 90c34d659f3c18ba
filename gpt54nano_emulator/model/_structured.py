"""JSON answers: ``response_format`` and JSON schemas quoted in the prompt.

* ``{"type": "json_schema", "json_schema": {"schema": ...}}`` -> an instance of the schema.
* ``{"type": "json_object"}`` -> an object; a JSON schema quoted in the prompt is honoured,
  else the keys are the quoted identifiers the prompt names ("a JSON with 'setup' and
  'punchline' keys"), else ``{"answer": ...}``.
* after tool calls, the current turn's tool results are the first source of values (a number
  the tool returned is the number that comes back, ``_tool_results``);
* no ``response_format`` but a prompt that quotes a JSON schema (LangChain's
  ``JsonOutputParser``/``PydanticOutputParser`` format instructions, LlamaIndex's
  ``PydanticOutputParser`` "Here's a JSON schema to follow") -> an instance of that schema.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import _conversation, _text
from ._conversation import Json
from ._schema_fill import fill_instance
from ._tool_results import hints_with_results, latest_value, turn_tool_results

_KEY_NAME = re.compile(r"[\"'`]([A-Za-z_][A-Za-z0-9_]{0,40})[\"'`]")
_KEY_LIST = re.compile(
    r"\b(?:keys|fields|properties)\s*:?\s+([A-Za-z_]\w*(?:(?:\s*,\s*|\s+and\s+)[A-Za-z_]\w*)*)"
)
_SCHEMA_WORDS = re.compile(r"json[ _-]?schema|output schema|schema to follow", re.IGNORECASE)
_SCHEMA_KEYS = ("properties", "$defs", "definitions", "anyOf", "oneOf", "allOf", "items")


def structured_reply(body: Json, messages: list[Json]) -> str | None:
    """The JSON text to answer with, or ``None`` when no JSON is asked for.

    Tool results of the current turn come first as values (``_tool_results``)."""
    hints_text = _hints_text(messages)
    results = turn_tool_results(messages)
    response_format = body.get("response_format")
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_schema" and isinstance(response_format, dict):
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        hints = hints_with_results(hints_text, results)
        return _dump(fill_instance(schema if isinstance(schema, dict) else {}, hints))
    quoted = quoted_schema(messages)
    if kind == "json_object":
        if quoted is not None:
            return _dump(fill_instance(quoted, hints_with_results(hints_text, results)))
        user_text = _conversation.last_user_text(messages)
        return _dump(_free_object(hints_text, user_text, results))
    if quoted is not None:
        return _dump(fill_instance(quoted, hints_with_results(hints_text, results)))
    return None


def quoted_schema(messages: list[Json]) -> Json | None:
    """The last JSON schema quoted in the system or user text, if it talks about a schema."""
    texts = [
        _conversation.message_text(m)
        for m in messages
        if m.get("role") in (*_conversation.SYSTEM_ROLES, "user")
    ]
    text = "\n".join(texts)
    found = None
    for mention in _SCHEMA_WORDS.finditer(text):
        tail = text[mention.end() :]
        # Templates that escape braces can leave them doubled on the wire: try both spellings.
        for variant in (tail, tail.replace("{{", "{").replace("}}", "}")):
            schemas = [c for c in _json_objects(variant) if _looks_like_schema(c)]
            if schemas:
                found = schemas[-1]
                break
    return found


def _looks_like_schema(candidate: Json) -> bool:
    return any(k in candidate for k in _SCHEMA_KEYS) or candidate.get("type") == "object"


def _json_objects(text: str, limit: int = 200) -> list[Json]:
    """The outermost JSON objects found at a ``{`` in ``text`` (at most ``limit`` tries)."""
    decoder = json.JSONDecoder()
    out: list[Json] = []
    pos, tries = text.find("{"), 0
    while pos >= 0 and tries < limit:
        tries += 1
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            pos = text.find("{", pos + 1)
            continue
        if isinstance(value, dict):
            out.append(value)
        pos = text.find("{", end)
    return out


def _free_object(hints_text: str, user_text: str, results: list[str]) -> Json:
    keys = list(dict.fromkeys(_KEY_NAME.findall(user_text)))
    listed = _KEY_LIST.search(user_text)
    if not keys and listed:  # "with keys name and age"
        keys = [k for k in re.split(r"\s*,\s*|\s+and\s+", listed.group(1)) if k]
    if not keys:
        answer = latest_value(results) if results else _text.plain_answer(user_text)
        return {"answer": answer}
    schema = {"type": "object", "properties": {k: {"type": "string"} for k in keys}}
    result = fill_instance(schema, hints_with_results(hints_text, results))
    return result if isinstance(result, dict) else {}


def _hints_text(messages: list[Json]) -> str:
    text = _conversation.last_user_text(messages)
    # A schema quoted in the request is not a source of values: keep only what precedes it.
    mention = _SCHEMA_WORDS.search(text)
    if mention:
        text = text[: text.rfind("\n", 0, mention.start()) + 1]
    return text


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
