"""Validation of the log API's inputs (list query, ``PATCH`` body) and the list's filtering.

Cloudflare's AI Gateway API is built on chanfana (its ``NotFoundException`` is the documented
404 ``{"code": 7002, "message": "Not Found"}``, and the reference shows that body). chanfana
answers a failed validation with HTTP 400 ``{"errors": [<Zod issues>], "success": false,
"result": {}}``, each issue with ``code``, ``message`` and ``path`` (``["query", "per_page"]``,
``["body", "score"]``); the issues here copy Zod 3's shapes and messages (``invalid_type``,
``too_small``, ``too_big``, ``invalid_enum_value``, ``invalid_string``; ``invalid_union`` without
its ``unionErrors``). chanfana coerces query strings (numbers with ``Number()``, ``true``/
``false``) and ignores unknown query parameters and body keys; a body that is not JSON is read as
``{}`` (so it changes nothing).

Query parameters (API reference "List Gateway Logs"): ``page`` (>= 1, default 1),
``per_page`` (1-50, default 20), ``order_by`` (the list's six fields plus cost, tokens_in,
tokens_out, duration, feedback, which the delete endpoint documents and Cloudflare's own MCP
server sends for listing), ``order_by_direction`` / deprecated ``direction`` (default desc,
ordering by created_at), ``search`` (case-insensitive substring of id, model, provider, path,
metadata and the stored bodies), the deprecated flat filters (``start_date``/``end_date``
ISO 8601, ``min_``/``max_`` ``cost``, ``tokens_in``, ``tokens_out``, ``total_tokens``,
``duration``, ``feedback`` 0|1 (1: thumbs up, 0: thumbs down, i.e. feedback -1; mapping
unconfirmed), ``success``, ``cached``, ``model``, ``model_type``, ``provider``,
``request_content_type``, ``response_content_type``) and ``meta_info`` (adds the min/max
aggregates to ``result_info``). ``filters`` (``[{"key", "operator", "value": [...]}]``) is read
as one JSON-encoded parameter; how the real API expects it in a query string is unconfirmed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._log_store import LogEntry

Issue = dict[str, Any]

ORDER_BY = (
    "created_at",
    "provider",
    "model",
    "model_type",
    "success",
    "cached",
    "cost",
    "tokens_in",
    "tokens_out",
    "duration",
    "feedback",
)
DIRECTIONS = ("asc", "desc")
FILTER_KEYS = (
    "id",
    "created_at",
    "request_content_type",
    "response_content_type",
    "request_type",
    "success",
    "cached",
    "provider",
    "model",
    "model_type",
    "cost",
    "tokens",
    "tokens_in",
    "tokens_out",
    "duration",
    "feedback",
    "event_id",
    "metadata.key",
    "metadata.value",
    "prompts.prompt_id",
    "prompts.version_id",
    "authentication",
    "wholesale",
    "compatibilityMode",
    "dlp_action",
)
FILTER_OPERATORS = ("eq", "neq", "contains", "lt", "gt")
NUMBER_PARAMS = tuple(
    f"{bound}_{name}"
    for name in ("cost", "tokens_in", "tokens_out", "total_tokens", "duration")
    for bound in ("min", "max")
)
STRING_PARAMS = (
    "search",
    "model",
    "model_type",
    "provider",
    "request_content_type",
    "response_content_type",
)
BOOL_PARAMS = ("success", "cached", "meta_info")


# --- Zod-shaped issues --------------------------------------------------------------------------


def _received(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "nan" if isinstance(value, float) and math.isnan(value) else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def invalid_type(path: list[Any], expected: str, value: Any) -> Issue:
    received = _received(value)
    return {
        "code": "invalid_type",
        "expected": expected,
        "received": received,
        "path": path,
        "message": f"Expected {expected}, received {received}",
    }


def _too_small(path: list[Any], minimum: float) -> Issue:
    return {
        "code": "too_small",
        "minimum": minimum,
        "type": "number",
        "inclusive": True,
        "exact": False,
        "message": f"Number must be greater than or equal to {_number(minimum)}",
        "path": path,
    }


def _too_big(path: list[Any], maximum: float) -> Issue:
    return {
        "code": "too_big",
        "maximum": maximum,
        "type": "number",
        "inclusive": True,
        "exact": False,
        "message": f"Number must be less than or equal to {_number(maximum)}",
        "path": path,
    }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _enum(path: list[Any], options: tuple[str, ...], value: Any) -> Issue:
    shown = " | ".join(f"'{option}'" for option in options)
    return {
        "received": value,
        "code": "invalid_enum_value",
        "options": list(options),
        "path": path,
        "message": f"Invalid enum value. Expected {shown}, received '{value}'",
    }


def _union(path: list[Any]) -> Issue:
    return {"code": "invalid_union", "path": path, "message": "Invalid input"}


def _bounded(
    path: list[Any], value: Any, *, low: float | None, high: float | None, integer: bool = False
) -> list[Issue]:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return [invalid_type(path, "number", value)]
    if integer and not float(value).is_integer():
        return [
            {
                "code": "invalid_type",
                "expected": "integer",
                "received": "float",
                "path": path,
                "message": "Expected integer, received float",
            }
        ]
    if low is not None and value < low:
        return [_too_small(path, low)]
    if high is not None and value > high:
        return [_too_big(path, high)]
    return []


# --- PATCH body ----------------------------------------------------------------------------------


def check_patch(body: Any) -> tuple[dict[str, Any], list[Issue]]:
    """(changes to apply, issues). Schema: feedback number [-1, 1] | null, metadata record of
    string/number/boolean | null, score number [0, 100] | null (API reference; the binding's
    ``AiGatewayPatchLog`` narrows feedback to -1 | 1, the API accepts the range)."""
    if not isinstance(body, dict):
        return {}, [invalid_type(["body"], "object", body)]
    changes: dict[str, Any] = {}
    issues: list[Issue] = []
    for name, low, high in (("feedback", -1, 1), ("metadata", None, None), ("score", 0, 100)):
        if name not in body:
            continue
        value = body[name]
        if value is None:
            changes[name] = None
            continue
        path = ["body", name]
        if name == "metadata":
            if not isinstance(value, dict):
                issues.append(invalid_type(path, "object", value))
                continue
            bad = [key for key, item in value.items() if not _metadata_value(item)]
            issues.extend(_union([*path, key]) for key in bad)
            if not bad:
                changes[name] = dict(value)
            continue
        found = _bounded(path, value, low=low, high=high)
        issues.extend(found)
        if not found:
            changes[name] = float(value) if isinstance(value, float) else value
    return changes, issues


def _metadata_value(item: Any) -> bool:
    if isinstance(item, float):
        return not math.isnan(item)
    return isinstance(item, str | int | bool)


# --- list query ----------------------------------------------------------------------------------


@dataclass
class ListQuery:
    page: int = 1
    per_page: int = 20
    order_by: str = "created_at"
    descending: bool = True
    meta_info: bool = False
    predicates: list[Callable[[LogEntry], bool]] = field(default_factory=list)  # all must hold


def _coerce_number(raw: str) -> float:
    try:
        return float(raw) if raw.strip() else 0.0  # Number("") is 0
    except ValueError:
        return math.nan


def _coerce_bool(raw: str) -> bool | str:
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return raw


def _parse_time(raw: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _field(entry: LogEntry, key: str) -> Any:
    if key == "tokens":
        return entry.total_tokens
    if key == "duration":
        return entry.duration_ms
    if key == "provider":
        return "openai"
    if key in ("model_type", "request_type"):
        return "chat"
    if key == "metadata.key":
        return list((entry.metadata or {}).keys())
    if key == "metadata.value":
        return [str(v) for v in (entry.metadata or {}).values()]
    return getattr(entry, key, None)


def _compare(actual: Any, operator: str, values: list[Any]) -> bool:
    if isinstance(actual, list):  # metadata.key / metadata.value: any entry matches
        matches = [_compare(item, operator, values) for item in actual]
        return all(matches) if operator == "neq" else any(matches)
    if isinstance(actual, datetime):
        parsed = [_parse_time(v) if isinstance(v, str) else None for v in values]
        values = [p for p in parsed if p is not None]
    if operator == "eq":
        return actual in values
    if operator == "neq":
        return actual not in values
    if operator == "contains":
        return actual is not None and any(str(v).lower() in str(actual).lower() for v in values)
    if operator == "search":
        return str(values[0]) in str(actual)
    if actual is None or not values:
        return False
    bound = values[0]
    try:
        if operator == "lt":
            return bool(actual < bound)
        if operator == "gt":
            return bool(actual > bound)
        return bool(actual >= bound) if operator == "gte" else bool(actual <= bound)
    except TypeError:
        return False


Predicate = Callable[[LogEntry], bool]


def _where(key: str, operator: str, values: list[Any]) -> Predicate:
    """``entry.<key> <operator> values`` (the filters' operators, plus gte/lte for the flat
    min_/max_ parameters and "search")."""

    def test(entry: LogEntry) -> bool:
        actual = _searchable(entry) if key == "search" else _field(entry, key)
        return _compare(actual, operator, values)

    return test


def _filters(raw: str) -> tuple[list[Predicate], list[Issue]]:
    path: list[Any] = ["query", "filters"]
    try:
        parsed = json.loads(raw)
    except ValueError:
        return [], [invalid_type(path, "array", raw)]
    if not isinstance(parsed, list):
        return [], [invalid_type(path, "array", parsed)]
    predicates: list[Predicate] = []
    issues: list[Issue] = []
    for index, item in enumerate(parsed):
        here = [*path, index]
        if not isinstance(item, dict):
            issues.append(invalid_type(here, "object", item))
            continue
        key, operator, values = item.get("key"), item.get("operator"), item.get("value")
        if key not in FILTER_KEYS:
            issues.append(_union([*here, "key"]))
        if operator not in FILTER_OPERATORS:
            issues.append(_union([*here, "operator"]))
        if not isinstance(values, list):
            issues.append(invalid_type([*here, "value"], "array", values))
        if key in FILTER_KEYS and operator in FILTER_OPERATORS and isinstance(values, list):
            predicates.append(_where(str(key), str(operator), values))
    return predicates, issues


def check_list_query(params: Mapping[str, str]) -> tuple[ListQuery, list[Issue]]:
    query = ListQuery()
    issues: list[Issue] = []
    for name, low, high in (("page", 1, None), ("per_page", 1, 50)):
        if name in params:
            value = _coerce_number(params[name])
            found = _bounded(["query", name], value, low=low, high=high, integer=True)
            issues.extend(found)
            if not found:
                setattr(query, name, int(value))
    if "order_by" in params:
        if params["order_by"] in ORDER_BY:
            query.order_by = params["order_by"]
        else:
            issues.append(_enum(["query", "order_by"], ORDER_BY, params["order_by"]))
    for name in ("order_by_direction", "direction"):
        if name in params:
            if params[name] in DIRECTIONS:
                query.descending = params[name] == "desc"
            else:
                issues.append(_enum(["query", name], DIRECTIONS, params[name]))
    for name in BOOL_PARAMS:
        if name in params:
            flag = _coerce_bool(params[name])
            if not isinstance(flag, bool):
                issues.append(invalid_type(["query", name], "boolean", flag))
            elif name == "meta_info":
                query.meta_info = flag
            else:
                query.predicates.append(_where(name, "eq", [flag]))
    for name in NUMBER_PARAMS:
        if name in params:
            number = _coerce_number(params[name])
            if math.isnan(number):
                issues.append(invalid_type(["query", name], "number", number))
                continue
            bound, key = name.split("_", 1)
            key = {"total_tokens": "tokens"}.get(key, key)
            query.predicates.append(_where(key, "gte" if bound == "min" else "lte", [number]))
    for name in ("start_date", "end_date"):
        if name in params:
            moment = _parse_time(params[name])
            if moment is None:
                issues.append(
                    {
                        "code": "invalid_string",
                        "validation": "datetime",
                        "message": "Invalid datetime",
                        "path": ["query", name],
                    }
                )
                continue
            operator = "gte" if name == "start_date" else "lte"
            query.predicates.append(_where("created_at", operator, [moment]))
    if "feedback" in params:
        number = _coerce_number(params["feedback"])
        if number not in (0, 1):
            issues.append(_union(["query", "feedback"]))
        else:
            query.predicates.append(_where("feedback", "eq", [1 if number == 1 else -1]))
    for name in STRING_PARAMS:
        if name not in params:
            continue
        text = params[name]
        if name == "search":
            query.predicates.append(_where("search", "search", [text.lower()]))
        else:
            query.predicates.append(_where(name, "eq", [text]))
    if "filters" in params:
        predicates, found = _filters(params["filters"])
        query.predicates.extend(predicates)
        issues.extend(found)
    return query, issues


def _searchable(entry: LogEntry) -> str:
    parts = [
        entry.id,
        entry.model,
        "openai",
        entry.path,
        json.dumps(entry.metadata) if entry.metadata else "",
        entry.request_body or "",
        entry.response_body or "",
    ]
    return "\n".join(parts).lower()


def _sort_key(order_by: str) -> Callable[[LogEntry], tuple[Any, ...]]:
    def key(entry: LogEntry) -> tuple[Any, ...]:
        value = _field(entry, order_by)
        return (value is None, value if value is not None else 0, entry.sequence)

    return key


def select(entries: list[LogEntry], query: ListQuery) -> list[LogEntry]:
    """Filtered and ordered (not paged)."""
    kept = [entry for entry in entries if all(test(entry) for test in query.predicates)]
    return sorted(kept, key=_sort_key(query.order_by), reverse=query.descending)


def result_info(selected: list[LogEntry], page: list[LogEntry], query: ListQuery) -> dict[str, Any]:
    info: dict[str, Any] = {
        "page": query.page,
        "per_page": query.per_page,
        "count": len(page),
        "total_count": len(selected),
    }
    if query.meta_info:
        for name, key in (
            ("cost", "cost"),
            ("duration", "duration"),
            ("tokens_in", "tokens_in"),
            ("tokens_out", "tokens_out"),
            ("total_tokens", "tokens"),
        ):
            values = [v for v in (_field(e, key) for e in selected) if v is not None]
            info[f"min_{name}"] = min(values) if values else 0
            info[f"max_{name}"] = max(values) if values else 0
    return info
