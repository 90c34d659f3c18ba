"""What OpenAI's ``/v1/responses`` refuses, with its 400 bodies (``{"error": {...}}``).

Pure: ``check_request(body)`` returns ``None`` or the ``Rejection`` to send. Messages follow
OpenAI's published/observed forms: ``Unknown parameter: 'x'.`` (``unknown_parameter``),
``Missing required parameter: 'x'.``, ``Invalid type for 'x': expected …, but got … instead.``,
``Invalid value: 'x'. Supported values are: 'a', 'b', and 'c'.``, ``integer_below_min_value`` for
``max_output_tokens`` < 16, the ``json_object`` "must contain the word 'json'" rule and the
function-call pairing rules (``No tool output found for function call <id>.``, ``No tool call
found for function call output with call_id <id>.``, a reasoning item "provided without its
required following item"). The top-level parameter list is openai-python's
``ResponseCreateParams``. Rules not confirmed from public material stay lenient (hosted tool
types, ``tool_choice`` naming a tool not offered, strict-schema checks of ``text.format``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model._responses import input_items, item_type
from . import _wire_out
from ._validate import Rejection

KNOWN_PARAMS = frozenset(
    {
        "background",
        "context_management",
        "conversation",
        "include",
        "input",
        "instructions",
        "max_output_tokens",
        "max_tool_calls",
        "metadata",
        "model",
        "parallel_tool_calls",
        "previous_response_id",
        "prompt",
        "prompt_cache_key",
        "prompt_cache_retention",
        "reasoning",
        "safety_identifier",
        "service_tier",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "text",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "truncation",
        "user",
    }
)
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
MODEL_EFFORTS = ("none", "low", "medium", "high", "xhigh")  # gpt-5.4: no "minimal"
SUMMARIES = ("auto", "concise", "detailed")
VERBOSITIES = ("low", "medium", "high")
FORMATS = ("text", "json_schema", "json_object")
INCLUDABLE = (
    "file_search_call.results",
    "web_search_call.results",
    "web_search_call.action.sources",
    "message.input_image.image_url",
    "computer_call_output.output.image_url",
    "code_interpreter_call.outputs",
    "reasoning.encrypted_content",
    "message.output_text.logprobs",
)
ROLES = ("assistant", "system", "developer", "user")
INPUT_PARTS = ("input_text", "input_image", "input_file")
OUTPUT_PARTS = ("output_text", "refusal")
# openai-python ResponseInputItemParam types; the scripted model reads the first five.
ITEM_TYPES = (
    "message",
    "function_call",
    "function_call_output",
    "reasoning",
    "item_reference",
    "file_search_call",
    "computer_call",
    "computer_call_output",
    "web_search_call",
    "image_generation_call",
    "code_interpreter_call",
    "local_shell_call",
    "local_shell_call_output",
    "shell_call",
    "shell_call_output",
    "apply_patch_call",
    "apply_patch_call_output",
    "mcp_list_tools",
    "mcp_approval_request",
    "mcp_approval_response",
    "mcp_call",
    "custom_tool_call",
    "custom_tool_call_output",
    "compaction",
)
MIN_OUTPUT_TOKENS = 16
METADATA_MAX = 16


def error(message: str, param: str | None, code: str | None, status: int = 400) -> Rejection:
    body = _wire_out.openai_error(message, type_="invalid_request_error", param=param, code=code)
    return Rejection(status, body)


def _listing(values: Sequence[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def invalid_value(value: Any, param: str, allowed: Sequence[str]) -> Rejection:
    return error(
        f"Invalid value: '{value}'. Supported values are: {_listing(allowed)}.",
        param,
        "invalid_value",
    )


def missing(param: str) -> Rejection:
    return error(f"Missing required parameter: '{param}'.", param, "missing_required_parameter")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def invalid_type(param: str, expected: str, value: Any) -> Rejection:
    return error(
        f"Invalid type for '{param}': expected {expected}, but got {_json_type(value)} instead.",
        param,
        "invalid_type",
    )


def _check_types(body: dict[str, Any]) -> Rejection | None:
    scalar: dict[str, tuple[type | tuple[type, ...], str]] = {
        "instructions": (str, "a string"),
        "previous_response_id": (str, "a string"),
        "prompt_cache_key": (str, "a string"),
        "safety_identifier": (str, "a string"),
        "user": (str, "a string"),
        "store": (bool, "a boolean"),
        "stream": (bool, "a boolean"),
        "parallel_tool_calls": (bool, "a boolean"),
        "background": (bool, "a boolean"),
        "metadata": (dict, "an object"),
        "reasoning": (dict, "an object"),
        "text": (dict, "an object"),
        "tools": (list, "an array"),
        "include": (list, "an array"),
    }
    for name, (kind, expected) in scalar.items():
        value = body.get(name)
        if value is not None and not isinstance(value, kind):
            return invalid_type(name, expected, value)
    for name in ("max_output_tokens", "max_tool_calls", "top_logprobs"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return invalid_type(name, "an integer", value)
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return invalid_type(name, "a number", value)
    return None


def _check_ranges(body: dict[str, Any]) -> Rejection | None:
    limit = body.get("max_output_tokens")
    if isinstance(limit, int) and limit < MIN_OUTPUT_TOKENS:
        return error(
            "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= "
            f"{MIN_OUTPUT_TOKENS}, but got {limit} instead.",
            "max_output_tokens",
            "integer_below_min_value",
        )
    temperature = body.get("temperature")
    if isinstance(temperature, int | float) and not 0 <= temperature <= 2:
        return error(
            "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got "
            f"{temperature} instead."
            if temperature > 2
            else "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but "
            f"got {temperature} instead.",
            "temperature",
            "decimal_above_max_value" if temperature > 2 else "decimal_below_min_value",
        )
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        if len(metadata) > METADATA_MAX:
            return error(
                f"Invalid 'metadata': too many properties. Expected an object with at most "
                f"{METADATA_MAX} properties, but got {len(metadata)} instead.",
                "metadata",
                "object_above_max_properties",
            )
        for key, value in metadata.items():
            if not isinstance(value, str):
                return invalid_type(f"metadata.{key}", "a string", value)
    return None


def _check_options(body: dict[str, Any]) -> Rejection | None:
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict):
        effort = reasoning.get("effort")
        if effort is not None and effort not in EFFORTS:
            return invalid_value(effort, "reasoning.effort", EFFORTS)
        if effort is not None and effort not in MODEL_EFFORTS:
            return error(
                f"Unsupported value: 'reasoning.effort' does not support '{effort}' with this "
                f"model. Supported values are: {_listing(MODEL_EFFORTS)}.",
                "reasoning.effort",
                "unsupported_value",
            )
        for key in ("summary", "generate_summary"):
            value = reasoning.get(key)
            if value is not None and value not in SUMMARIES:
                return invalid_value(value, f"reasoning.{key}", SUMMARIES)
    text = body.get("text")
    if isinstance(text, dict):
        verbosity = text.get("verbosity")
        if verbosity is not None and verbosity not in VERBOSITIES:
            return invalid_value(verbosity, "text.verbosity", VERBOSITIES)
        fmt = text.get("format")
        if fmt is not None:
            if not isinstance(fmt, dict):
                return invalid_type("text.format", "an object", fmt)
            kind = fmt.get("type")
            if kind is None:
                return missing("text.format.type")
            if kind not in FORMATS:
                return invalid_value(kind, "text.format.type", FORMATS)
            if kind == "json_schema":
                if not isinstance(fmt.get("name"), str):
                    return missing("text.format.name")
                if not isinstance(fmt.get("schema"), dict):
                    return missing("text.format.schema")
    for index, value in enumerate(body.get("include") or []):
        if value not in INCLUDABLE:
            return invalid_value(value, f"include[{index}]", INCLUDABLE)
    return None


def _check_tools(body: dict[str, Any]) -> Rejection | None:
    for index, tool in enumerate(body.get("tools") or []):
        where = f"tools[{index}]"
        if not isinstance(tool, dict):
            return invalid_type(where, "an object", tool)
        if tool.get("type") is None:
            return missing(f"{where}.type")
        if tool.get("type") != "function":
            continue
        # A Chat Completions tool ({"type": "function", "function": {...}}) fails here first.
        if not isinstance(tool.get("name"), str):
            return missing(f"{where}.name")
        for key in tool:
            if key not in ("type", "name", "parameters", "strict", "description", "defer_loading"):
                return error(
                    f"Unknown parameter: '{where}.{key}'.", f"{where}.{key}", "unknown_parameter"
                )
        parameters = tool.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            return invalid_type(f"{where}.parameters", "an object", parameters)
    choice = body.get("tool_choice")
    if isinstance(choice, str) and choice not in ("none", "auto", "required"):
        return invalid_value(choice, "tool_choice", ("none", "auto", "required"))
    if (
        isinstance(choice, dict)
        and choice.get("type") == "function"
        and not isinstance(choice.get("name"), str)
    ):
        return missing("tool_choice.name")
    return None


def _check_message(item: dict[str, Any], where: str) -> Rejection | None:
    role = item.get("role")
    if role is None:
        return missing(f"{where}.role")
    if role not in ROLES:
        return invalid_value(role, f"{where}.role", ROLES)
    content = item.get("content")
    if content is None:
        return missing(f"{where}.content")
    if isinstance(content, str):
        return None
    if not isinstance(content, list):
        return invalid_type(f"{where}.content", "one of a string or array", content)
    allowed = OUTPUT_PARTS if role == "assistant" else INPUT_PARTS
    for index, part in enumerate(content):
        at = f"{where}.content[{index}]"
        if not isinstance(part, dict):
            return invalid_type(at, "an object", part)
        if part.get("type") not in allowed:
            return invalid_value(part.get("type"), at, allowed)
        if part["type"] in ("input_text", "output_text") and not isinstance(part.get("text"), str):
            return missing(f"{at}.text")
    return None


def _check_item(item: dict[str, Any], where: str) -> Rejection | None:
    kind = item_type(item)
    if kind == "":
        return missing(f"{where}.type")
    if kind not in ITEM_TYPES:
        return invalid_value(kind, f"{where}.type", ITEM_TYPES)
    if kind == "message":
        return _check_message(item, where)
    required: tuple[str, ...] = ()
    if kind == "function_call":
        required = ("call_id", "name", "arguments")
    elif kind == "function_call_output":
        required = ("call_id", "output")
    elif kind == "reasoning":
        required = ("id", "summary")
    for key in required:
        if item.get(key) is None:
            return missing(f"{where}.{key}")
    if kind == "function_call":
        for key in required:
            if not isinstance(item[key], str):
                return invalid_type(f"{where}.{key}", "a string", item[key])
    if kind == "reasoning" and not isinstance(item["summary"], list):
        return invalid_type(f"{where}.summary", "an array", item["summary"])
    statuses = ("in_progress", "completed", "incomplete")
    if kind == "function_call" and item.get("status", "completed") not in statuses:
        return invalid_value(item["status"], f"{where}.status", statuses)
    return None


def _check_pairing(items: list[dict[str, Any]]) -> Rejection | None:
    calls = [item for item in items if item_type(item) == "function_call"]
    outputs = [item for item in items if item_type(item) == "function_call_output"]
    call_ids = {item.get("call_id") for item in calls}
    output_ids = {item.get("call_id") for item in outputs}
    for item in outputs:
        if item.get("call_id") not in call_ids:
            return error(
                f"No tool call found for function call output with call_id {item.get('call_id')}.",
                "input",
                None,
            )
    for item in calls:
        if item.get("call_id") not in output_ids:
            return error(
                f"No tool output found for function call {item.get('call_id')}.", "input", None
            )
    for index, item in enumerate(items):
        if item_type(item) != "reasoning":
            continue
        following = items[index + 1] if index + 1 < len(items) else None
        kind = item_type(following) if following is not None else None
        ok = kind == "function_call" or (
            kind == "message" and following is not None and following.get("role") == "assistant"
        )
        if not ok:
            return error(
                f"Item '{item.get('id')}' of type 'reasoning' was provided without its required "
                "following item.",
                "input",
                None,
            )
    return None


def check_input(body: dict[str, Any], history: list[dict[str, Any]]) -> Rejection | None:
    """The items (after the chained history): shape, then call/output/reasoning pairing."""
    raw = body.get("input")
    if raw is not None and not isinstance(raw, str | list):
        return invalid_type("input", "one of a string or array of input items", raw)
    if isinstance(raw, list):
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                return invalid_type(f"input[{index}]", "an object", item)
            rejection = _check_item(item, f"input[{index}]")
            if rejection is not None:
                return rejection
    items = [*history, *input_items(body)]
    rejection = _check_pairing(items)
    if rejection is not None:
        return rejection
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_object":
        texts = [str(body.get("instructions") or "")]
        texts += [str(item.get("content")) for item in items if item_type(item) == "message"]
        if "json" not in " ".join(texts).lower():
            return error(
                "Response input messages must contain the word 'json' in some form to use "
                "'text.format' of type 'json_object'.",
                "input",
                None,
            )
    return None


def check_request(body: dict[str, Any]) -> Rejection | None:
    """Top-level checks that need no state (unknown parameters first, as OpenAI does)."""
    for name in body:
        if name not in KNOWN_PARAMS:
            return error(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
    for check in (_check_types, _check_ranges, _check_options, _check_tools):
        rejection = check(body)
        if rejection is not None:
            return rejection
    return None
