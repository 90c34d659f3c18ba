"""The tool results of the current turn as the first source of values.

After a tool answered, the model's next output (a structured reply, a final output-tool call, the
next call of a chain) takes its values from what the tool returned before anything the user
wrote, so that an agent which loses a tool result gets a visibly different answer. Results are
read newest step first (the latest assistant ``tool_calls`` message's answers, in their order,
then the step before). A JSON object result offers its keys ("temperature: 21" fills a
``temperature`` property), a JSON string or a plain-text result is the first quoted value, and
every number in a result comes before the numbers of the request.
"""

from __future__ import annotations

import json
from typing import Any

from . import _conversation
from ._conversation import Json
from ._hints import Hints


def turn_tool_results(messages: list[Json]) -> list[str]:
    """The tool messages' texts since the last user message, newest step first."""
    start = _conversation.last_index(messages, "user") + 1
    steps: list[list[str]] = []
    for message in messages[start:]:
        if message.get("role") in _conversation.TOOL_ROLES:
            if not steps:
                steps.append([])
            steps[-1].append(_conversation.message_text(message))
        elif message.get("role") == "assistant":
            steps.append([])
    return [text for step in reversed(steps) for text in step if text.strip()]


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _stated_lines(value: dict[str, Any]) -> list[str]:
    """``key: value`` lines that ``Hints.stated`` reads (strings quoted to keep their spaces)."""
    lines = []
    for key, item in value.items():
        if isinstance(item, str):
            lines.append(f'{key}: "{item}"' if '"' not in item else f"{key}: {item}")
        elif isinstance(item, bool) or item is None:
            lines.append(f"{key}: {json.dumps(item)}")
        elif isinstance(item, int | float):
            lines.append(f"{key}: {item}")
    return lines


def hints_with_results(request: str, results: list[str]) -> Hints:
    """Hints for ``request`` with ``results`` read first (see the module docstring)."""
    if not results:
        return Hints.from_text(request)
    lines: list[str] = []
    strings: list[str] = []
    for text in results:
        parsed = _parse(text)
        if isinstance(parsed, dict):
            lines.extend(_stated_lines(parsed))
        elif isinstance(parsed, str):
            strings.append(parsed)
            lines.append(parsed)
        else:
            if parsed is None and "\n" not in text.strip():
                strings.append(text.strip())
            lines.append(text)
    hints = Hints.from_text("\n".join([*lines, request]), fallback=request or None)
    hints.quoted[0:0] = strings
    return hints


def latest_value(results: list[str]) -> Any:
    """The newest result as a JSON value when it parses (``"42"`` → 42), else its text."""
    parsed = _parse(results[0])
    return parsed if parsed is not None else results[0].strip()
