"""Build a JSON instance that validates against a JSON schema, filled from the conversation.

The emulator model uses this for tool-call arguments and for ``response_format`` replies.
Supported: ``$ref`` into ``$defs``/``definitions`` (recursion bounded), ``allOf`` (merged),
``anyOf``/``oneOf`` (the first branch), ``const``, ``enum`` (a value the text mentions, else the
first), nullable types (the non-null type), objects (every property; ``required`` first, so
numbers from the text land on required fields), ``additionalProperties``/``minProperties``,
arrays (``minItems``/``maxItems``/``prefixItems``/``uniqueItems``), strings (formats, lengths,
a best effort on ``pattern``), integers vs numbers with their bounds and ``multipleOf``.

Values come from :class:`Hints`: a value written after the property's name ("city is Paris",
``age: 30``), a place after "in/at/for" for place-like names, the text's numbers and quoted
strings in order of appearance, else a fallback text.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

_NUMBER = re.compile(
    r"(?:(?<=^)|(?<=[\s(\[{=:,+*/]))-?\d+(?:\.\d+)?(?![\w.]*[A-Za-z_])|\d+(?:\.\d+)?"
)
_QUOTED = re.compile(
    r"\"([^\"\n]+)\"|(?<!\w)'([^'\n]+)'(?!\w)|“([^”\n]+)”|‘([^’\n]+)’|「([^」\n]+)」"
)
_PLACE = re.compile(r"\b(?:in|at|for|from|to|near)\s+([A-Z][\w.'-]*(?:(?:\s+|,\s*)[A-Z][\w.'-]*)*)")
_PLACE_NAMES = ("location", "city", "place", "country", "address", "region", "town", "where")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_DATETIME = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s\"'<>)]+")
_TOPIC = re.compile(
    r"\b(?:about|regarding|on|from)\s+(?!(?:it|this|that|them|me|us|you)\b)([^.,;!?\n]+)",
    re.IGNORECASE,
)
# Properties that take the request itself (a search query, a message) rather than a label.
_FREE_TEXT = frozenset(
    [
        "query",
        "q",
        "question",
        "text",
        "prompt",
        "input",
        "message",
        "content",
        "body",
        "request",
        "search",
        "task",
    ]
)
_MAX_DEPTH = 8  # past this depth only required properties and minItems are generated
_GIVE_UP_DEPTH = 40
# The stdlib's regex parser (``sre_parse`` before 3.11) gives ``pattern`` a parse tree.
_sre_parser: Any = importlib.import_module("re._parser")

_FORMAT_DEFAULTS = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T12:00:00Z",
    "time": "12:00:00Z",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "iri": "https://example.com",
    "uri-reference": "https://example.com",
    "iri-reference": "https://example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "duration": "P1D",
    "json-pointer": "/a",
    "regex": ".*",
}


def _as_number(text: str) -> int | float:
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
        numbers = [_as_number(m.group(0)) for m in _NUMBER.finditer(unquoted)]
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
            found = re.search(
                rf"(?i:\b{re.escape(spelling)}){connectors}(?:\"([^\"]+)\"|'([^']+)'|([^\s,;.!?]+(?:\.\d+)?))",
                self.text,
            )
            if found:
                return next(g for g in found.groups() if g is not None)
        return None

    def mentions(self, word: str) -> bool:
        return bool(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", self.text, re.IGNORECASE))


def fill_instance(schema: Any, hints: Hints | None = None) -> Any:
    """An instance of ``schema``; ``hints.overrides`` set top-level properties directly."""
    root = schema if isinstance(schema, dict) else {}
    return _Filler(root, hints or Hints()).value(schema, "", 0, top=True)


class _Filler:
    def __init__(self, root: Json, hints: Hints) -> None:
        self.root = root
        self.hints = hints
        self.property_names = _all_property_names(root)

    def resolve(self, schema: Json, depth: int) -> Json:
        """Inline ``$ref`` and merge ``allOf`` so the rest only sees plain keywords."""
        while "$ref" in schema and depth < 50:
            target = self.lookup(str(schema["$ref"]))
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            depth += 1
        if isinstance(schema.get("allOf"), list):
            merged: Json = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part, depth + 1) if isinstance(part, dict) else {}
                for key, val in part.items():
                    if key == "properties" and isinstance(merged.get(key), dict):
                        merged[key] = {**merged[key], **val}
                    elif key == "required" and isinstance(merged.get(key), list):
                        merged[key] = [*merged[key], *val]
                    else:
                        merged.setdefault(key, val)
            schema = merged
        return schema

    def lookup(self, ref: str) -> Json:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}

    def value(self, schema: Any, name: str, depth: int, *, top: bool = False) -> Any:
        if schema is False or depth > _GIVE_UP_DEPTH:
            return None  # no instance exists (or none finite, for an always-required cycle)
        if not isinstance(schema, dict):
            return self.string({}, name)
        schema = self.resolve(schema, 0)
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.enum_value(schema["enum"], name)
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
                branch = branches[0] if isinstance(branches[0], dict) else {}
                return self.value({**rest, **branch}, name, depth, top=top)
        kind = _type_of(schema)
        if kind == "object":
            return self.object(schema, depth, top=top)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "integer" or kind == "number":
            return self.number(schema, name, integer=kind == "integer")
        if kind == "boolean":
            default = schema.get("default")
            return default if isinstance(default, bool) else True
        if kind == "null":
            return None
        return self.string(schema, name)

    def enum_value(self, options: list[Any], name: str) -> Any:
        stated = self.hints.stated(name)
        for option in options:
            if isinstance(option, str) and stated is not None and option.lower() == stated.lower():
                return option
        for option in options:
            if isinstance(option, str) and option and self.hints.mentions(option):
                return option
        return copy.deepcopy(options[0])

    def object(self, schema: Json, depth: int, *, top: bool) -> Json:
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        deep = depth >= _MAX_DEPTH
        order = [p for p in props if p in required] + [p for p in props if p not in required]
        values: dict[str, Any] = {}
        for prop in order:
            sub = props[prop]
            if top and prop in self.hints.overrides:
                values[prop] = self.hints.overrides[prop]
            elif prop not in required and isinstance(sub, dict) and "default" in sub:
                values[prop] = copy.deepcopy(sub["default"])
            elif prop in required or not deep:
                values[prop] = self.value(sub, prop, depth + 1)
        result = {p: values[p] for p in props if p in values}
        extra = schema.get("additionalProperties", True)
        for prop in required:
            if prop not in result:
                result[prop] = self.value(extra if isinstance(extra, dict) else {}, prop, depth + 1)
        wanted = schema.get("minProperties")
        if isinstance(wanted, int) and extra is not False:
            i = 1
            while len(result) < wanted:
                key = f"key{i}"
                if key not in result:
                    result[key] = self.value(
                        extra if isinstance(extra, dict) else {}, key, depth + 1
                    )
                i += 1
        return result

    def array(self, schema: Json, name: str, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        prefix = prefix if isinstance(prefix, list) else []
        items = schema.get("items", {})
        low = schema.get("minItems", 0)
        low = low if isinstance(low, int) else 0
        high = schema.get("maxItems")
        count = max(low, len(prefix) if depth >= _MAX_DEPTH else max(len(prefix), 1))
        if isinstance(high, int):
            count = min(count, high)
        if items is False:
            count = min(count, len(prefix))
        out = [
            self.value(prefix[i] if i < len(prefix) else items, name, depth + 1)
            for i in range(count)
        ]
        if schema.get("uniqueItems"):
            out = _make_unique(out)
        return out

    def string(self, schema: Json, name: str) -> str:
        fmt = schema.get("format")
        if isinstance(fmt, str) and (fmt in _FORMAT_DEFAULTS or fmt == "uuid"):
            return _format_value(str(fmt), self.hints.text, name)
        text = self.hints.stated(name)
        if text is None and any(word in name.lower() for word in _PLACE_NAMES):
            place = _PLACE.search(self.hints.text)
            text = place.group(1).rstrip(".,") if place else None
        if text is None:
            text = self.hints.take_quoted(self.property_names)
        if text is None:
            default = schema.get("default")
            text = default if isinstance(default, str) else self.free_text(name)
        return _fit_string(text, schema)

    def free_text(self, name: str) -> str:
        """Words for a string nothing in the text pins down: the request, or a labelled topic."""
        if not name or name.lower() in _FREE_TEXT:
            return self.hints.fallback if name else self.hints.topic
        label = " ".join(w for w in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name) if w)
        return f"{label[:1].upper()}{label[1:].lower()}: {self.hints.topic}"

    def number(self, schema: Json, name: str, *, integer: bool) -> int | float:
        value: int | float | None = None
        stated = self.hints.stated(name)
        if stated is not None and re.fullmatch(r"-?\d+(?:\.\d+)?", stated):
            value = _as_number(stated)
            if integer and not float(value).is_integer():
                value = None
        if value is None:
            value = self.hints.take_number(integer)
        if value is None:
            default = schema.get("default")
            ok = isinstance(default, int | float) and not isinstance(default, bool)
            value = default if ok and isinstance(default, int | float) else 0
        return _clamp(value, schema, integer=integer)


def _type_of(schema: Json) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        kind = non_null[0] if non_null else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "string"


def _all_property_names(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            names.update(props)
        for child in node.values():
            names |= _all_property_names(child)
    elif isinstance(node, list):
        for child in node:
            names |= _all_property_names(child)
    return names


def _format_value(fmt: str, text: str, name: str) -> str:
    if fmt == "uuid":
        digest = hashlib.sha256(f"{name}\0{text}".encode()).digest()[:16]
        return str(uuid.UUID(bytes=digest, version=4))
    found = {"date": _DATE, "date-time": _DATETIME, "email": _EMAIL, "uri": _URL, "url": _URL}.get(
        fmt
    )
    match = found.search(text) if found else None
    return match.group(0) if match else _FORMAT_DEFAULTS[fmt]


def _fit_string(text: str, schema: Json) -> str:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(high, int) and len(text) > high:
        text = text[:high].rstrip() or text[:high]
    if isinstance(low, int) and len(text) < low:
        text = (text + " " + "x" * low)[: max(low, len(text))] if text else "x" * low
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not _matches(pattern, text):
        for candidate in (text.replace(" ", "_"), _shortest_match(pattern)):
            if candidate is not None and _matches(pattern, candidate):
                return candidate
    return text


def _shortest_match(pattern: str) -> str | None:
    """A short string matching ``pattern``, built from its parse tree (best effort)."""
    try:
        parsed = _sre_parser.parse(pattern)
    except Exception:  # re.error and friends: an invalid pattern has no instance
        return None
    return _from_tree(list(parsed))


def _from_tree(items: list[Any]) -> str:
    out = ""
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out += chr(arg)
        elif name == "NOT_LITERAL":
            out += "b" if arg == ord("a") else "a"
        elif name == "ANY":
            out += "a"
        elif name == "IN":
            out += _from_class(arg)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = arg
            out += _from_tree(list(sub)) * low
        elif name == "SUBPATTERN":
            out += _from_tree(list(arg[-1]))
        elif name == "BRANCH":
            out += _from_tree(list(arg[1][0]))
        elif name == "ATOMIC_GROUP":
            out += _from_tree(list(arg))
    return out


def _from_class(items: list[Any]) -> str:
    negate = any(str(op) == "NEGATE" for op, _ in items)
    allowed: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            allowed.append(chr(arg))
        elif name == "RANGE":
            allowed.append(chr(arg[0]))
        elif name == "CATEGORY":
            allowed.append({"CATEGORY_DIGIT": "0", "CATEGORY_SPACE": " "}.get(str(arg), "a"))
    if not negate:
        return allowed[0] if allowed else "a"
    return next(c for c in "aA0_x!" if c not in allowed)


def _matches(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return True


def _clamp(value: int | float, schema: Json, *, integer: bool) -> int | float:
    low, high = -math.inf, math.inf
    step = 1.0 if integer else 0.0
    if isinstance(schema.get("minimum"), int | float):
        low = float(schema["minimum"])
    if isinstance(schema.get("maximum"), int | float):
        high = float(schema["maximum"])
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if exclusive_low is True:  # draft 4 spelling: a flag on minimum
        exclusive_low = schema.get("minimum")
    if exclusive_high is True:
        exclusive_high = schema.get("maximum")
    if isinstance(exclusive_low, int | float) and not isinstance(exclusive_low, bool):
        low = max(low, math.floor(exclusive_low) + 1 if integer else exclusive_low + 1e-9)
    if isinstance(exclusive_high, int | float) and not isinstance(exclusive_high, bool):
        high = min(high, math.ceil(exclusive_high) - 1 if integer else exclusive_high - 1e-9)
    if integer:
        low, high = (
            math.ceil(low) if low > -math.inf else low,
            math.floor(high) if high < math.inf else high,
        )
    result = min(max(float(value), low), high) if low <= high else low
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and multiple > 0:
        result = math.ceil(result / multiple) * multiple
        if result > high:
            result -= multiple
    if integer or (isinstance(value, int) and float(result).is_integer() and step == 0.0):
        return int(result)
    return result


def _make_unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for i, value in enumerate(values):
        candidate = value
        if candidate in seen:
            if isinstance(value, str):
                candidate = f"{value} {i + 1}"
            elif isinstance(value, int | float) and not isinstance(value, bool):
                candidate = value + i
        seen.append(candidate)
    return seen
