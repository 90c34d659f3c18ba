"""Leaf values for the schema filler: string formats and patterns, number bounds, uniqueness."""

from __future__ import annotations

import hashlib
import importlib
import math
import re
import uuid
from typing import Any

Json = dict[str, Any]

_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_DATETIME = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s\"'<>)]+")
# The stdlib's regex parser (``sre_parse`` before 3.11) gives ``pattern`` a parse tree.
_sre_parser: Any = importlib.import_module("re._parser")

FORMAT_DEFAULTS = {
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


def format_value(fmt: str, text: str, name: str) -> str:
    if fmt == "uuid":
        digest = hashlib.sha256(f"{name}\0{text}".encode()).digest()[:16]
        return str(uuid.UUID(bytes=digest, version=4))
    found = {"date": _DATE, "date-time": _DATETIME, "email": _EMAIL, "uri": _URL, "url": _URL}.get(
        fmt
    )
    match = found.search(text) if found else None
    return match.group(0) if match else FORMAT_DEFAULTS[fmt]


def fit_string(text: str, schema: Json) -> str:
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


def clamp(value: int | float, schema: Json, *, integer: bool) -> int | float:
    """``value`` moved inside the schema's bounds (and onto a ``multipleOf``)."""
    low = _number(schema.get("minimum"), -math.inf)
    high = _number(schema.get("maximum"), math.inf)
    open_low, open_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if open_low is True:  # draft 4 spelling: a flag on minimum/maximum
        open_low, low = low, -math.inf
    if open_high is True:
        open_high, high = high, math.inf
    open_low, open_high = _number(open_low, -math.inf), _number(open_high, math.inf)
    # Step inside an open bound by one, or by less when the open interval is narrow.
    nudge = 1.0
    if math.isfinite(open_low) and math.isfinite(open_high):
        nudge = min(1.0, (open_high - open_low) / 2)
    if integer:
        low = max(low, math.floor(open_low) + 1 if math.isfinite(open_low) else low)
        high = min(high, math.ceil(open_high) - 1 if math.isfinite(open_high) else high)
        low = math.ceil(low) if math.isfinite(low) else low
        high = math.floor(high) if math.isfinite(high) else high
    else:
        low = max(low, open_low + nudge) if math.isfinite(open_low) else low
        high = min(high, open_high - nudge) if math.isfinite(open_high) else high
    result = min(max(float(value), low), high) if low <= high else low
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and not isinstance(multiple, bool) and multiple > 0:
        result = _on_multiple(result, float(multiple), low, high)
    if integer or (isinstance(value, int) and float(result).is_integer()):
        return int(result)
    return result


def _number(value: Any, default: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else default


def _on_multiple(value: float, multiple: float, low: float, high: float) -> float:
    """A multiple of ``multiple`` near ``value`` in bounds, one that divides back exactly
    (validators test ``x / multiple`` for being an integer, which float rounding can break)."""
    start = math.ceil(value / multiple)
    for k in sorted(range(start - 10, start + 11), key=lambda k: (k < start, abs(k - start))):
        candidate = k * multiple
        if low <= candidate <= high and (candidate / multiple).is_integer():
            return candidate
    return start * multiple


def make_unique(values: list[Any]) -> list[Any]:
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
