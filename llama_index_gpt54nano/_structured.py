"""Pure helpers for native structured output (``response_format: json_schema``).

Why a native path next to LlamaIndex's default ``FunctionCallingProgram``: GPT-5.4 supports
OpenAI Structured Outputs, which constrains decoding to the schema, so one request yields valid
JSON as the message content, with no fake tool in the request. It also streams better: core's
streaming program sends ``tool_choice: "auto"`` (a model may then answer in prose), whereas a
``response_format`` holds for the whole answer and the partial JSON streams in ``content``.
"""

from __future__ import annotations

import copy
import re
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["parse_structured", "to_response_format", "to_strict_json_schema"]

M = TypeVar("M", bound=BaseModel)

_NAME_BAD_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def to_strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` that follows OpenAI's strict-mode rules: every object lists all its
    properties as required and forbids others; ``default`` is dropped (strict mode rejects it;
    pydantic's optional fields are already ``anyOf [..., null]``). Returns a new dict."""
    result = copy.deepcopy(schema)
    _make_strict(result)
    return result


def _make_strict(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _make_strict(item)
        return
    if not isinstance(node, dict):
        return
    node.pop("default", None)
    properties = node.get("properties")
    if node.get("type") == "object" or isinstance(properties, dict):
        node.setdefault("properties", {})
        node["required"] = list(node["properties"])
        node["additionalProperties"] = False
    for key in ("properties", "$defs", "definitions"):
        if isinstance(node.get(key), dict):
            for child in node[key].values():
                _make_strict(child)
    for key in ("items", "anyOf", "allOf", "oneOf", "prefixItems"):
        if key in node:
            _make_strict(node[key])


def to_response_format(output_cls: type[BaseModel], *, strict: bool = True) -> dict[str, Any]:
    """The wire ``response_format`` asking for an instance of ``output_cls``."""
    schema = output_cls.model_json_schema()
    name = _NAME_BAD_CHARS.sub("_", output_cls.__name__)[:64] or "output"
    spec: dict[str, Any] = {
        "name": name,
        "schema": to_strict_json_schema(schema) if strict else schema,
        "strict": strict,
    }
    if description := schema.get("description"):
        spec["description"] = description
    return {"type": "json_schema", "json_schema": spec}


def parse_structured(output_cls: type[M], content: str | None) -> M:
    """Validate the answer against ``output_cls`` (a ```json fence, if any, is removed)."""
    text = (content or "").strip()
    if match := _FENCE.match(text):
        text = match.group(1)
    return output_cls.model_validate_json(text)
