"""Text-protocol agents: answer LlamaIndex's ReAct and CodeAct prompts in their own formats.

These agents send no ``tools`` on the wire; the tools are described in the system prompt and
the model must write the call as text. Each detector names the framework prompt it recognises.
Tools are chosen with the same matching rule as function tools (``_tools_pick``), one per step;
once the tool output is back (and no other requested tool is left) the model answers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import _conversation, _text
from ._conversation import Json, ToolSpec
from ._schema_fill import Hints, fill_instance
from ._tools_pick import pick_tools

REACT_ACTION_THOUGHT = (
    "The current language of the user is: English. "
    "I need to use a tool to help me answer the question."
)
REACT_ANSWER_THOUGHT = (
    "I can answer without using any more tools. I'll use the user's language to answer"
)
_REACT_TOOL = re.compile(
    r"> Tool Name: (?P<name>[^\n]+)\nTool Description: (?P<desc>.*?)\nTool Args: ", re.DOTALL
)
_CODEACT_RESULT = "Result of executing the code given:"
_CODEACT_DEF = re.compile(r"^def (\w+)\((.*)\)(?:\s*->\s*.*?)?:[ \t]*$", re.MULTILINE)
_PY_TYPES = {"int": "integer", "float": "number", "bool": "boolean", "str": "string"}


def framework_reply(messages: list[Json]) -> str | None:
    """The ReAct or CodeAct reply when the system prompt is one of theirs, else ``None``."""
    system = _conversation.system_text(messages)
    if is_react_prompt(system):
        return react_reply(system, messages)
    if is_codeact_prompt(system):
        return codeact_reply(system, messages)
    return None


def is_react_prompt(system: str) -> bool:
    """LlamaIndex ``ReActAgent``'s system header
    (``llama_index/core/agent/react/templates/system_header_template.md``)."""
    return all(mark in system for mark in ("Thought:", "Action:", "Action Input:", "Observation:"))


def is_codeact_prompt(system: str) -> bool:
    """LlamaIndex ``CodeActAgent``'s ``DEFAULT_CODE_ACT_PROMPT``
    (``llama_index/core/agent/workflow/codeact_agent.py``)."""
    return "<execute>" in system and "</execute>" in system


def react_tools(system: str) -> list[ToolSpec]:
    """The ``> Tool Name / Tool Description / Tool Args`` entries of a ReAct header."""
    decoder = json.JSONDecoder()
    tools: list[ToolSpec] = []
    for found in _REACT_TOOL.finditer(system):
        try:
            params, _ = decoder.raw_decode(system, found.end())
        except json.JSONDecodeError:
            params = {}
        tools.append(
            ToolSpec(
                name=found.group("name").strip(),
                description=found.group("desc").strip(),
                parameters=params if isinstance(params, dict) else {},
            )
        )
    return tools


def react_reply(system: str, messages: list[Json]) -> str:
    question, after = _question_and_steps(messages, "Observation:")
    called = {
        m.group(1) for m in re.finditer(r"^Action: *(\S+)", _assistant_text(after), re.MULTILINE)
    }
    observations = [
        _conversation.message_text(m).strip()[len("Observation:") :].strip()
        for m in after
        if m.get("role") != "assistant"
        and _conversation.message_text(m).strip().startswith("Observation:")
    ]
    tools = react_tools(system)
    for tool in pick_tools(tools, question, exclude=called, weak=not observations)[:1]:
        args = _arguments(tool.parameters, question)
        return (
            f"Thought: {REACT_ACTION_THOUGHT}\nAction: {tool.name}\n"
            f"Action Input: {json.dumps(args, ensure_ascii=False)}"
        )
    answer = (
        _text.tool_results_answer(observations) if observations else _text.plain_answer(question)
    )
    return f"Thought: {REACT_ANSWER_THOUGHT}\nAnswer: {answer}"


def codeact_functions(system: str) -> list[ToolSpec]:
    """The ``def name(signature):`` stubs listed after "you can use the following functions"."""
    start = system.find("following functions")
    listed = system[start:] if start >= 0 else ""
    tools: list[ToolSpec] = []
    for found in _CODEACT_DEF.finditer(listed):
        doc = re.match(r'\s*"""\s*(.*?)\s*"""', listed[found.end() :], re.DOTALL)
        tools.append(
            ToolSpec(
                name=found.group(1),
                description=doc.group(1) if doc else "",
                parameters=_signature_schema(found.group(2)),
            )
        )
    return tools


def codeact_reply(system: str, messages: list[Json]) -> str:
    question, after = _question_and_steps(messages, _CODEACT_RESULT)
    code_so_far = _assistant_text(after)
    outputs = [
        _conversation.message_text(m).strip()[len(_CODEACT_RESULT) :].strip()
        for m in after
        if m.get("role") == "user"
        and _conversation.message_text(m).strip().startswith(_CODEACT_RESULT)
    ]
    functions = codeact_functions(system)
    called = {f.name for f in functions if re.search(rf"\b{re.escape(f.name)}\(", code_so_far)}
    for tool in pick_tools(functions, question, exclude=called, weak=not outputs)[:1]:
        args = _arguments(tool.parameters, question)
        call = ", ".join(f"{k}={_py_literal(v)}" for k, v in args.items())
        return (
            f"I'll call {tool.name} to work this out.\n"
            f"<execute>\nresult = {tool.name}({call})\nprint(result)\n</execute>"
        )
    return _text.tool_results_answer(outputs) if outputs else _text.plain_answer(question)


def _question_and_steps(messages: list[Json], step_prefix: str) -> tuple[str, list[Json]]:
    """The user's question (the last user message that is not a tool step) and what follows."""
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        text = _conversation.message_text(message)
        if message.get("role") == "user" and not text.strip().startswith(step_prefix):
            return text, messages[i + 1 :]
    return "", messages


def _assistant_text(messages: list[Json]) -> str:
    return "\n".join(
        _conversation.message_text(m) for m in messages if m.get("role") == "assistant"
    )


def _arguments(parameters: Json, question: str) -> dict[str, Any]:
    args = fill_instance(
        parameters or {"type": "object", "properties": {}}, Hints.from_text(question)
    )
    return args if isinstance(args, dict) else {}


def _signature_schema(signature: str) -> Json:
    """A JSON schema for a Python signature's parameters (``a: int, b: str = 'x'``)."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for param in _split_params(signature):
        name, _, rest = param.partition(":")
        annotation, _, default = rest.partition("=")
        if "=" in name:
            name, _, default = name.partition("=")
        name = name.strip().lstrip("*")
        if not name or name in ("self", "ctx") or param.strip() in ("*", "/"):
            continue
        # Postponed annotations arrive quoted: b: 'int'.
        base = annotation.strip().strip("'\"").split("[")[0].split("|")[0].strip()
        kind = _PY_TYPES.get(base, "array" if base in ("list", "List") else "string")
        props[name] = (
            {"type": kind, "items": {"type": "string"}} if kind == "array" else {"type": kind}
        )
        if not default.strip():
            required.append(name)
    return {"type": "object", "properties": props, "required": required}


def _split_params(signature: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in signature:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def _py_literal(value: Any) -> str:
    return repr(value)
