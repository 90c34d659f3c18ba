"""The emulator model's plain-text answers.

* ``[[refuse]]`` in the last user message -> a refusal (``REFUSAL_TEXT``), no content.
* "reply with X", "respond with X", "answer with X", "say X" (optionally quoted, optionally
  "only"/"exactly"/"the word") -> exactly ``X``: frameworks' tests ask for a known word.
* After tool results -> an answer that quotes the results.
* Otherwise an echo-style sentence about the last user message (never empty).
"""

from __future__ import annotations

import re

REFUSE_MARKER = "[[refuse]]"
REFUSAL_TEXT = "I'm sorry, but I can't help with that request."
_ECHO_LIMIT = 160
_QUESTION_LINE = re.compile(r"^\s*(?:Query|Question|Query_str)\s*:[ \t]*(\S.*)$", re.MULTILINE)

_ASKED_WORD = re.compile(
    r"(?:\b(?:reply|respond|answer)\s+(?:only\s+|exactly\s+|just\s+)?with"
    # "say X" only as an instruction, not in "what did I say before?"
    r"|(?:^|[.!?:;,]\s*|\b(?:please|just|only|simply|now|and)\s+)say)\s+"
    r"(?:only\s+|exactly\s+|just\s+)?(?:the\s+(?:word|words|phrase|text|string)\s+)?"
    r"(?:\"([^\"\n]+)\"|'([^'\n]+)'|`([^`\n]+)`|([^\s.,;!?\"']+(?:[ \t][^\s.,;!?\"']+){0,3}))",
    re.IGNORECASE,
)


def wants_refusal(user_text: str) -> bool:
    return REFUSE_MARKER in user_text


def asked_reply(user_text: str) -> str | None:
    """The text the user asked to get back verbatim, if they asked for one."""
    found = _ASKED_WORD.search(user_text)
    if not found:
        return None
    quoted = found.group(1) or found.group(2) or found.group(3)
    if quoted:
        return quoted
    bare = found.group(4)
    # "say hello to the user" -> "hello"; keep up to four words but stop at function words.
    kept: list[str] = []
    for word in bare.split():
        if word.lower() in {"to", "and", "in", "if", "when", "then", "for", "about", "so"}:
            break
        kept.append(word)
    return " ".join(kept) or None


def echo_answer(user_text: str) -> str:
    # Retrieval prompts wrap the question in context ("...Query: <q>\nAnswer:"): echo the question.
    asked = _QUESTION_LINE.findall(user_text)
    said = " ".join((asked[-1] if asked else user_text).split())
    if not said:
        return "Hello! How can I help you today?"
    if len(said) > _ECHO_LIMIT:
        said = said[: _ECHO_LIMIT - 3].rstrip() + "..."
    return f'You said: "{said}". This is the emulator\'s deterministic reply.'


def tool_results_answer(results: list[str]) -> str:
    quoted = [" ".join(r.split()) for r in results if r.strip()]
    if not quoted:
        return "The tool finished without output."
    if len(quoted) == 1:
        return f"The tool returned: {quoted[0]}"
    listed = "; ".join(f"({i}) {r}" for i, r in enumerate(quoted, 1))
    return f"The tools returned: {listed}"


def plain_answer(user_text: str) -> str:
    asked = asked_reply(user_text)
    return asked if asked is not None else echo_answer(user_text)
