"""Build a JSON instance that validates against a JSON schema, filled from the conversation.

The emulator model uses this for tool-call arguments and for ``response_format`` replies.
Supported: ``$ref`` into ``$defs``/``definitions`` (recursion bounded), ``allOf`` (merged),
``anyOf`` (the first branch), ``oneOf`` (the first branch whose instance fits only one branch,
checked with jsonschema), ``const``, ``enum`` (a value the text mentions, else the first),
nullable types (the non-null type), objects (every property, ``required`` ones first so that
numbers from the text land on them; an optional property with a ``default`` keeps it),
``additionalProperties``/``minProperties``, arrays (``minItems``/``maxItems``/``prefixItems``/
``uniqueItems``), strings (formats, lengths, ``pattern`` via its parse tree), integers vs numbers
with their bounds and ``multipleOf``. Not supported: ``if``/``then``/``else``, ``not``,
``dependentRequired``, ``contains``, ``patternProperties``.

Values come from :class:`Hints` (``_hints``): a value written after the property's name ("city
is Paris", ``age: 30``), a place after "in/at/for" for place-like names, the text's quoted
strings and numbers in order of appearance, a proper noun for name-like properties, else a
label plus the request's topic ("Setup: cats").
"""

import copy
import re
from typing import Any

from ._hints import Hints, as_number
from ._schema_values import (
    FORMAT_DEFAULTS,
    clamp,
    fit_string,
    format_value,
    make_unique,
)

__all__ = ["Hints", "fill_instance"]

Json = dict[str, Any]

_PLACE = re.compile(r"\b(?:in|at|for|from|to|near)\s+([A-Z][\w.'-]*(?:(?:\s+|,\s*)[A-Z][\w.'-]*)*)")
_PLACE_NAMES = ("location", "city", "place", "country", "address", "region", "town", "where")
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
_NAME_LIKE = re.compile(r"(?i)name|author|artist|person|who|owner|customer")
_MAX_DEPTH = 8  # past this depth only required properties and minItems are generated
_GIVE_UP_DEPTH = 40


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
                if key == "oneOf" and len(branches) > 1:
                    return self.one_of(schema, rest, branches, name, depth)
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

    def one_of(self, schema: Json, rest: Json, branches: list[Any], name: str, depth: int) -> Any:
        """The first branch's instance that matches exactly one branch (``oneOf`` fails when
        an instance fits two, e.g. an integer under ``number`` and ``integer``)."""
        saved = copy.deepcopy((self.hints.numbers, self.hints.quoted))
        first: Any = None
        for i, branch in enumerate(branches):
            self.hints.numbers, self.hints.quoted = copy.deepcopy(saved)
            candidate = self.value(
                {**rest, **(branch if isinstance(branch, dict) else {})}, name, depth
            )
            if i == 0:
                first = candidate
            if _valid(self.root, schema, candidate):
                return candidate
            # 3 is both a number and an integer; 3.5 is only a number.
            as_fraction = _fraction_of(branch, candidate)
            if as_fraction is not None and _valid(self.root, schema, as_fraction):
                return as_fraction
        self.hints.numbers, self.hints.quoted = saved
        return first

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
            out = make_unique(out)
        return out

    def string(self, schema: Json, name: str) -> str:
        fmt = schema.get("format")
        if isinstance(fmt, str) and (fmt in FORMAT_DEFAULTS or fmt == "uuid"):
            return format_value(str(fmt), self.hints.text, name)
        text = self.hints.stated(name)
        if text is None and any(word in name.lower() for word in _PLACE_NAMES):
            place = _PLACE.search(self.hints.text)
            text = place.group(1).rstrip(".,") if place else None
        if text is None:
            text = self.hints.take_quoted(self.property_names)
        if text is None and _NAME_LIKE.search(name):
            text = self.hints.proper_noun()
        if text is None:
            default = schema.get("default")
            text = default if isinstance(default, str) else self.free_text(name)
        return fit_string(text, schema)

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
            value = as_number(stated)
            if integer and not float(value).is_integer():
                value = None
        if value is None:
            value = self.hints.take_number(integer)
        if value is None:
            default = schema.get("default")
            ok = isinstance(default, int | float) and not isinstance(default, bool)
            value = default if ok and isinstance(default, int | float) else 0
        return clamp(value, schema, integer=integer)


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


def _fraction_of(branch: Any, candidate: Any) -> float | None:
    is_number = isinstance(branch, dict) and branch.get("type") == "number"
    is_int = isinstance(candidate, int) and not isinstance(candidate, bool)
    return candidate + 0.5 if is_number and is_int else None


def _valid(root: Json, schema: Json, instance: Any) -> bool:
    """Whether ``instance`` validates against ``schema`` (refs resolved in ``root``); without
    jsonschema (the emulator extra installs it) every candidate is accepted."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema ships with the emulator extra
        return True
    defs: Json = {k: root[k] for k in ("$defs", "definitions") if k in root}
    try:
        jsonschema.validate(instance, {**defs, **schema})
    except jsonschema.ValidationError:
        return False
    except jsonschema.SchemaError:
        return True
    return True
