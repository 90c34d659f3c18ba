"""Which tools the emulator model calls, and with which arguments.

Matching rule (shared by function tools, ReAct tools and CodeAct functions): split the tool's
name (``get_weather``, ``getWeather`` -> get, weather) and description into words, drop stop
words, and look for them in the user's request. A word of the tool's *name* in the request is a
strong match (all strongly matching tools are called, in parallel when allowed); without one,
the tool whose *description* shares the most words is a weak match (only that one is called).

LlamaIndex's AgentWorkflow ``handoff`` tool is matched on the agents it lists instead: it is
called when the request mentions another agent's name or speciality, with ``to_agent`` set to
that agent.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ._conversation import ToolSpec
from ._schema_fill import Hints, fill_instance

_STOP_TEXT = """
a an the and or but if then else of to in on at by for with from into onto about as is are was
were be been being do does did done have has had i me my we our you your he she it its they them
their this that these those what which who whom whose when where why how can could would should
will shall may might must not no yes please use using used call calls calling tool tools function
functions get gets set sets run make value values input inputs output result results return
returns give tell let all any some there here just also only now very so than too out up down
over under again more most other such own same don hello hi hey thanks thank one two three
first second given provided useful information based data thing things something
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

_SPLIT = re.compile(r"[^\W\d_]+", re.UNICODE)
# Arithmetic is the classic agent demo: "What is 2 + 3?" should find a tool named add.
_SYNONYM_TEXT = """
add: adds added adding addition plus sum total
multiply: multiplies multiplied multiplying multiplication times product
subtract: subtracts subtracted subtracting subtraction minus difference
divide: divides divided dividing division quotient
"""
_SYNONYMS = {
    word: line.split(":")[0]
    for line in _SYNONYM_TEXT.strip().splitlines()
    for word in line.replace(":", " ").split()
}
_OPERATORS = [
    (re.compile(r"\d\s*\+\s*-?\d"), "add"),
    (re.compile(r"\d\s*[*×]\s*-?\d|\d\s+x\s+\d"), "multiply"),
    (re.compile(r"\d\s+-\s+\d"), "subtract"),
    (re.compile(r"\d\s*[/÷]\s*-?\d"), "divide"),
]


@lru_cache(maxsize=512)
def words(text: str) -> frozenset[str]:
    """Lower-case content words, with camelCase split, arithmetic synonyms ("plus", "2 + 3"
    -> add) and a light plural/verb stem."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|_", " ", text)
    out: set[str] = set()
    for word in _SPLIT.findall(spaced):
        word = word.lower()
        if word in STOP_WORDS or len(word) < 2:
            continue
        out.add(_SYNONYMS.get(word) or _stem(word))
    out.update(name for pattern, name in _OPERATORS if pattern.search(text))
    return frozenset(out)


def _stem(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("ing") and len(word) >= 6:
        return word[:-3]
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _description_words(description: str) -> frozenset[str]:
    # Docstring sections like "Args:" list parameter names, which say little about the task.
    head = re.split(r"\n\s*(?:Args|Arguments|Parameters|Returns|Raises)\s*:", description)[0]
    return words(head)


def name_hits(tool: ToolSpec, request: str) -> int:
    return len(words(tool.name) & words(request))


def description_hits(tool: ToolSpec, request: str) -> int:
    return len(_description_words(tool.description) & words(request))


def handoff_agents(tool: ToolSpec) -> dict[str, str]:
    """The ``{agent name: description}`` listed in a LlamaIndex handoff tool's description."""
    # The default prompt says "Currently available agents:"; custom ones still embed the dict.
    found = re.search(r"(\{.*\})", tool.description, re.DOTALL)
    if not found:
        return {}
    try:
        agents = ast.literal_eval(found.group(1))
    except (ValueError, SyntaxError):
        return {}
    return {str(k): str(v) for k, v in agents.items()} if isinstance(agents, dict) else {}


def is_handoff(tool: ToolSpec) -> bool:
    return tool.name == "handoff" and bool(handoff_agents(tool))


def handoff_target(tool: ToolSpec, request: str) -> str | None:
    """The listed agent the request asks for: its name first, then its speciality."""
    asked = words(request)
    best: tuple[int, int, str] | None = None
    for agent, description in handoff_agents(tool).items():
        by_name = len((words(agent) - {"agent"}) & asked)
        by_description = len(_description_words(description) & asked)
        if by_name or by_description:
            key = (by_name, by_description, agent)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def pick_tools(
    tools: list[ToolSpec],
    request: str,
    *,
    exclude: frozenset[str] | set[str] = frozenset(),
    weak: bool = True,
) -> list[ToolSpec]:
    """The tools the request plausibly asks for, strongest matches first; may be empty.

    ``exclude`` drops tools already called; ``weak=False`` ignores description-only matches.
    """
    tools = [t for t in tools if t.name not in exclude]
    plain = [t for t in tools if not is_handoff(t)]
    strong = [t for t in plain if name_hits(t, request) or _names_literally(t.name, request)]
    if strong:
        return strong
    for tool in tools:
        if is_handoff(tool) and handoff_target(tool, request):
            return [tool]
    if not weak:
        return []
    scored = [(description_hits(t, request), -i, t) for i, t in enumerate(plain)]
    scored = [s for s in scored if s[0] > 0]
    return [max(scored, key=lambda s: (s[0], s[1]))[2]] if scored else []


def by_first_mention(tools: list[ToolSpec], request: str) -> list[ToolSpec]:
    """``tools`` in the order the request first mentions them (unmentioned ones last)."""
    lowered = request.lower()

    def position(tool: ToolSpec) -> int:
        spots = [lowered.find(w) for w in words(tool.name) | {tool.name.lower()}]
        found = [p for p in spots if p >= 0]
        return min(found) if found else len(lowered)

    return sorted(tools, key=position)


def _names_literally(name: str, request: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", request, re.IGNORECASE) is not None


@dataclass(frozen=True)
class Call:
    """A tool call the model decided on; ``arguments`` is the JSON text sent on the wire."""

    name: str
    arguments: str


def call_for(tool: ToolSpec, request: str, context: str = "", hints: Hints | None = None) -> Call:
    """Arguments for ``tool`` that validate against its parameters, filled from ``request``
    (then from ``context``, e.g. tool results to summarise in a final structured call).

    Parallel calls share one ``hints`` so that each takes the next numbers and quotes.
    """
    if hints is None:
        hints = Hints.from_text(f"{request}\n{context}" if context else request)
    overrides = hints.overrides
    if is_handoff(tool):
        agent = handoff_target(tool, request) or next(iter(handoff_agents(tool)))
        hints.overrides = {
            "to_agent": agent,
            "reason": f"{agent} is better suited to handle this request.",
        }
    try:
        args = fill_instance(tool.parameters or {"type": "object", "properties": {}}, hints)
    finally:
        hints.overrides = overrides  # shared hints: the next call must not inherit them
    if not isinstance(args, dict):
        args = {}
    return Call(tool.name, json.dumps(args, ensure_ascii=False))


def call_id(fingerprint: str, index: int) -> str:
    """``call_`` + 24 deterministic characters from the conversation and the call's position."""
    digest = hashlib.sha256(f"{fingerprint}\0{index}".encode()).hexdigest()
    return "call_" + digest[:24]


def arguments_text(arguments: Any) -> str:
    """A queued reply's arguments as wire text: dicts are dumped with unicode kept as is."""
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
