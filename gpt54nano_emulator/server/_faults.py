"""Injected faults: what they are, how a request picks one, and the error bodies they answer.

A fault comes from the ``x-emulator-fault`` request header (``<kind>[;key=value...]``) or from a
plan set with ``Emulator.plan_faults`` (next N requests, every k-th request, or a seeded
probability). The kinds and their keys are listed in the package docstring. Pure, except for the
plans' counters (guarded by a lock: plans are set from the test thread).
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, fields
from typing import Any

from . import _wire_out

KINDS = frozenset(
    {
        "status",
        "envelope",
        "reset",
        "stall",
        "cut",
        "error_event",
        "slow",
        "malformed",
        "guardrail",
        "dlp",
    }
)
# "guardrail" targets and "dlp" targets/actions (see _guardrails for what each answers).
GUARDRAIL_TARGETS = frozenset({"prompt", "response", "unavailable"})
DLP_TARGETS = frozenset({"request", "response"})
DLP_ACTIONS = frozenset({"flag", "block"})
SHAPES = frozenset({"gateway", "v4", "workers_ai", "openai", "html", "text"})


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault. Only the fields that matter for ``kind`` are read."""

    kind: str = "status"
    status: int = 500
    code: int | None = None
    message: str | None = None
    shape: str | None = None  # body shape override for "status"
    retry_after: str | int | None = None  # Retry-After header value for "status"
    seconds: float = 0.0  # "stall": delay before the first byte; "slow": delay between chunks
    after: int = 0  # "cut" / "error_event" / "malformed": chunks sent before the fault
    hard: bool = False  # "reset": RST instead of FIN; "cut": drop the connection mid-body
    target: str | None = None  # "guardrail": prompt|response|unavailable; "dlp": request|response
    action: str | None = None  # "dlp": flag|block

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(KINDS)}")
        if self.kind == "guardrail" and self.target not in (None, *GUARDRAIL_TARGETS):
            raise ValueError(
                f"unknown guardrail target {self.target!r}; expected one of "
                f"{sorted(GUARDRAIL_TARGETS)}"
            )
        if self.kind == "dlp":
            if self.target not in (None, *DLP_TARGETS):
                raise ValueError(
                    f"unknown dlp target {self.target!r}; expected one of {sorted(DLP_TARGETS)}"
                )
            if self.action not in (None, *DLP_ACTIONS):
                raise ValueError(
                    f"unknown dlp action {self.action!r}; expected one of {sorted(DLP_ACTIONS)}"
                )
        if self.shape is not None and self.shape not in SHAPES:
            raise ValueError(f"unknown body shape {self.shape!r}; expected one of {sorted(SHAPES)}")
        if self.seconds < 0 or self.after < 0:
            raise ValueError("fault seconds/after must be >= 0")


_FIELD_TYPES: dict[str, type] = {
    "status": int,
    "code": int,
    "message": str,
    "shape": str,
    "retry_after": str,
    "seconds": float,
    "after": int,
    "hard": bool,
    "target": str,
    "action": str,
}


def _convert(name: str, raw: str) -> Any:
    kind = _FIELD_TYPES[name]
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered not in {"1", "0", "true", "false", "yes", "no"}:
            raise ValueError(f"{name}: expected a boolean, got {raw!r}")
        return lowered in {"1", "true", "yes"}
    return kind(raw.strip())


def parse_fault_header(value: str) -> Fault:
    """``status;status=429;code=2003;retry_after=2`` → ``Fault(...)``; ``ValueError`` if bad."""
    kind, *pairs = [part.strip() for part in value.split(";")]
    kwargs: dict[str, Any] = {}
    for pair in pairs:
        if not pair:
            continue
        name, sep, raw = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in _FIELD_TYPES:
            raise ValueError(f"bad fault parameter {pair!r}")
        kwargs[name] = _convert(name, raw)
    return Fault(kind=kind, **kwargs)


def fault_to_header(fault: Fault) -> str:
    """The header form of a fault (non-default fields only); inverse of parse_fault_header."""
    default = Fault(kind=fault.kind)
    parts = [fault.kind]
    for field in fields(Fault):
        if field.name == "kind":
            continue
        value = getattr(fault, field.name)
        if value != getattr(default, field.name):
            parts.append(f"{field.name}={str(value).lower() if isinstance(value, bool) else value}")
    return ";".join(parts)


class FaultPlan:
    """Applies ``fault`` to the next ``next_n`` requests, every ``every``-th request, or each
    request with ``probability`` (seeded). Counts only the chat requests it is asked about."""

    def __init__(
        self,
        fault: Fault,
        *,
        next_n: int | None = None,
        every: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> None:
        chosen = [x for x in (next_n, every, probability) if x is not None]
        if len(chosen) != 1:
            raise ValueError("give exactly one of next_n, every, probability")
        if next_n is not None and next_n < 1:
            raise ValueError("next_n must be >= 1")
        if every is not None and every < 1:
            raise ValueError("every must be >= 1")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        self.fault = fault
        self._remaining = next_n
        self._every = every
        self._probability = probability
        self._rng = random.Random(seed)
        self._seen = 0

    def draw(self) -> Fault | None:
        self._seen += 1
        if self._remaining is not None:
            if self._remaining <= 0:
                return None
            self._remaining -= 1
            return self.fault
        if self._every is not None:
            return self.fault if self._seen % self._every == 0 else None
        assert self._probability is not None
        return self.fault if self._rng.random() < self._probability else None


class FaultPlans:
    """The emulator's active plans; the first plan that fires wins (every plan counts)."""

    def __init__(self) -> None:
        self._plans: list[FaultPlan] = []
        self._lock = threading.Lock()

    def add(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plans.append(plan)

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()

    def draw(self) -> Fault | None:
        with self._lock:
            drawn = [plan.draw() for plan in self._plans]
        return next((fault for fault in drawn if fault is not None), None)


# --- error bodies for "status" faults (wire doc §4.1 shapes, §4.2 codes) -----------------------

_SPEND_LIMIT = (
    "Spend limit exceeded: rule 'emulator' (cost limit 0.002 per 3600s, fixed) "
    "for openai/gpt-5.4-nano"
)
#: Guardrails / DLP messages: ``ai-gateway/features/guardrails/set-up-guardrail`` (2016, 2017)
#: and ``ai-gateway/features/dlp/set-up-dlp`` (2029, 2030), verbatim. 7013 (scanner unavailable
#: under a Block rule, changelog 2026-09-17) has no published message: the emulator's is chosen.
PROMPT_BLOCKED = "Prompt blocked due to security configurations"
RESPONSE_BLOCKED = "Response blocked due to security configurations"
GUARDRAIL_UNAVAILABLE = "Guardrails service unavailable"
DLP_REQUEST_BLOCKED = "Request content blocked due to DLP policy violations"
DLP_RESPONSE_BLOCKED = "Response content blocked due to DLP policy violations"
# (status, code) → (shape, message). Messages are the documented/captured ones where known.
_KNOWN: dict[tuple[int, int | None], tuple[str, str]] = {
    (400, 2001): ("gateway", "Please configure AI Gateway in the Cloudflare dashboard"),
    (401, 2009): ("gateway", "Unauthorized"),
    (402, 2021): ("gateway", "Insufficient AI Gateway credits"),
    (429, 2003): ("gateway", "Rate limited"),
    (429, 2041): ("gateway", "Spend limit exceeded"),
    (429, 2045): ("gateway", _SPEND_LIMIT),
    (429, 3036): (
        "v4",
        "You have used up your daily free allocation of 10,000 neurons, please upgrade to "
        "Cloudflare's Workers Paid plan if you would like to continue usage.",
    ),
    (429, 3040): ("v4", "Capacity temporarily exceeded, please try again."),
    (408, 3007): ("v4", "Request timeout"),
    (408, 3008): ("v4", "Request aborted"),
    # Guardrails (provider endpoints 424; the /run API answers 422 for a blocked response) and
    # DLP, all AiGatewayError-shaped (set-up-guardrail: "All structured error responses use
    # name: AiGatewayError").
    (424, 2016): ("gateway", PROMPT_BLOCKED),
    (424, 2017): ("gateway", RESPONSE_BLOCKED),
    (422, 2017): ("gateway", RESPONSE_BLOCKED),
    (503, 7013): ("gateway", GUARDRAIL_UNAVAILABLE),
    (424, 2029): ("gateway", DLP_REQUEST_BLOCKED),
    (424, 2030): ("gateway", DLP_RESPONSE_BLOCKED),
    # 5xx bodies are undocumented (§4.2 last row, U11): OpenAI's own messages pass through for
    # 500/503; 502/504 come from Cloudflare's edge as HTML pages.
    (500, None): (
        "openai",
        "The server had an error while processing your request. Sorry about that!",
    ),
    (502, None): ("html", "Bad Gateway"),
    (503, None): ("openai", "The server is overloaded or not ready yet."),
    (504, None): ("html", "Gateway Time-out"),
}


def status_fault_response(fault: Fault) -> tuple[int, str, str]:
    """(status, content type, body text) for a ``status`` fault."""
    shape, message = _KNOWN.get(
        (fault.status, fault.code),
        ("gateway" if fault.code is not None else "openai", "Emulated failure"),
    )
    shape = fault.shape or shape
    message = fault.message or message
    code = fault.code if fault.code is not None else 0
    status = fault.status
    body: dict[str, Any]
    if shape == "html":
        return status, "text/html; charset=UTF-8", _wire_out.html_error_page(status, message)
    if shape == "text":
        return status, "text/plain; charset=utf-8", message
    if shape == "gateway":
        body = _wire_out.gateway_error(status, code, message)
    elif shape == "v4":
        body = _wire_out.v4_error(code, message)
    elif shape == "workers_ai":
        body = _wire_out.workers_ai_error(status, code, message)
    else:
        type_ = "server_error" if status >= 500 else "invalid_request_error"
        if fault.status == 402:
            type_ = "gateway_error"
        body = _wire_out.openai_error(
            message, type_=type_, code=str(fault.code) if fault.code is not None else None
        )
    return status, "application/json", json.dumps(body, separators=(",", ":"))


def envelope_fault_body(fault: Fault) -> dict[str, Any]:
    """200 with ``success: false`` (wire doc §4.1: "check the body, not only the status")."""
    code = fault.code if fault.code is not None else 3040
    message = fault.message or "Capacity temporarily exceeded, please try again."
    return _wire_out.v4_error(code, message)


def stream_error_event(fault: Fault) -> dict[str, Any]:
    """The ``data: {"error": {...}}`` event of an ``error_event`` fault (OpenAI's form)."""
    return _wire_out.openai_error(
        fault.message or "The server had an error while processing your request.",
        type_="server_error",
        code=str(fault.code) if fault.code is not None else None,
    )
