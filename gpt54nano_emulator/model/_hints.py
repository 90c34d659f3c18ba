"""What the conversation offers to fill a JSON instance with (see ``_schema_fill``).

A value written after the property's name ("city is Paris", ``age: 30``), the numbers and the
quoted strings of the text in order of appearance, a topic ("a joke *about cats*") and the
text itself as a last resort.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w]|\.\d)")
_QUOTED = re.compile(
    r"\"([^\"\n]+)\"|(?<!\w)'([^'\n]+)'(?!\w)|“([^”\n]+)”|‘([^’\n]+)’|「([^」\n]+)」"
)
_TOPIC = re.compile(
    r"\b(?:about|regarding|on|from)\s+(?!(?:it|this|that|them|me|us|you)\b)([^.,;!?\n]+)",
    re.IGNORECASE,
)

_PROPER = re.compile(r"\b[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)*\b")
_NOT_NAMES = frozenset(
    ["i", "json", "return", "output", "use", "the", "a", "an", "please", "answer"]
)


def as_number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


@dataclass
class Hints:
    """What the conversation offers to fill values with; numbers and quotes are used up in order."""

    text: str = ""
    numbers: list[int | float] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    fallback: str = "example"
    topic: str = "example"
    overrides: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str, *, fallback: str | None = None) -> Hints:
        quoted = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text)]
        unquoted = _QUOTED.sub(" ", text)
        numbers = [as_number(m.group(0)) for m in _NUMBER.finditer(unquoted)]
        short = " ".join(text.split())[:200] or "example"
        topic = _TOPIC.search(unquoted)
        return cls(
            text=text,
            numbers=numbers,
            quoted=quoted,
            fallback=fallback or short,
            topic=" ".join(topic.group(1).split())[:80] if topic else short,
        )

    def take_number(self, integer: bool) -> int | float | None:
        for i, value in enumerate(self.numbers):
            if not integer or float(value).is_integer():
                del self.numbers[i]
                return int(value) if integer else value
        return None

    def take_quoted(self, property_names: set[str]) -> str | None:
        # A quoted property name ("return 'setup' and 'punchline' keys") names a key, not a value.
        for i, value in enumerate(self.quoted):
            if value not in property_names:
                del self.quoted[i]
                return value
        return None

    @cached_property
    def lowered(self) -> str:
        return self.text.lower()

    def stated(self, name: str) -> str | None:
        """The value written right after the property's name: "city is Paris", ``age: 30``."""
        if not name:
            return None
        words = [w for w in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name) if w]
        spelled = {name, " ".join(words), "_".join(words)}
        connectors = r"(?:\s*[:=]\s*|\s+(?:is|are|was|of|should be|=)\s+)"
        if any(w.lower() == "name" for w in words):
            connectors = r"(?:\s*[:=]\s*|\s+(?:is|are|was|of|should be|named|called)\s+)"
        for spelling in sorted(spelled, key=len, reverse=True):
            if spelling.lower() not in self.lowered:
                continue  # a cheap test first: prompts can be long and the regex is not
            found = re.search(
                rf"(?i:\b{re.escape(spelling)}){connectors}(?:\"([^\"]+)\"|'([^']+)'|([^\s,;.!?]+(?:\.\d+)?))",
                self.text,
            )
            if found:
                return next(g for g in found.groups() if g is not None)
        return None

    def proper_noun(self) -> str | None:
        """The first capitalised words that do not open a sentence ("... from: Ada is 36")."""
        for found in _PROPER.finditer(self.text):
            before = self.text[: found.start()].rstrip()
            if before and before[-1] not in ".!?\n" and found.group(0).lower() not in _NOT_NAMES:
                return found.group(0)
        return None

    def mentions(self, word: str) -> bool:
        return bool(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", self.text, re.IGNORECASE))
